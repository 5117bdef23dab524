"""Two servers change one account at the same instant: no change is lost, no rule is skipped."""

import pytest

from tests.e2e.client import PASSWORD
from tests.e2e.processes import UNLIMITED_QUOTAS
from tests.e2e.racing import Call, race

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return UNLIMITED_QUOTAS  # this module's subject is not the quotas


def test_emails_added_at_the_same_instant_on_two_servers_are_both_kept(two_servers):
    a, b = two_servers
    token = a.sudo(a.user("twohands"))
    rounds = 4  # an account holds at most 10 addresses

    outcomes = race(
        (a.url, [Call("/api/account/emails", {"email": f"left{i}@example.com"}, token)
                 for i in range(rounds)]),
        (b.url, [Call("/api/account/emails", {"email": f"right{i}@example.com"}, token)
                 for i in range(rounds)]))

    assert all(o.status == 201 for pair in outcomes for o in pair), outcomes
    emails = {e["email"] for e in a.call("GET", "/api/account", token).json()["emails"]}
    assert emails == {"twohands@example.com", *(f"{side}{i}@example.com"
                                                for side in ("left", "right")
                                                for i in range(rounds))}


def test_logins_at_the_same_instant_on_two_servers_both_get_working_sessions(two_servers):
    a, b = two_servers
    a.register("twins")
    rounds = 3
    credentials = {"username": "twins", "password": PASSWORD}

    outcomes = race((a.url, [Call("/api/session", credentials)] * rounds),
                    (b.url, [Call("/api/session", credentials)] * rounds))

    assert all(o.status == 201 for pair in outcomes for o in pair), outcomes
    keeper = a.token("twins")
    sessions = b.call("GET", "/api/account/sessions", keeper).json()["sessions"]
    assert len(sessions) == 2 * rounds + 1


def test_a_login_racing_a_password_change_never_keeps_a_session_opened_by_the_old_password(
        two_servers):
    a, b = two_servers
    a.register("switcher")
    kept = a.token("switcher")
    passwords = [f"passphrase number {i} for the switcher" for i in range(5)]
    passwords[0] = PASSWORD

    outcomes = race(
        (a.url, [Call("/api/account/password",
                      {"current_password": old, "new_password": new}, kept)
                 for old, new in zip(passwords, passwords[1:])]),
        (b.url, [Call("/api/session", {"username": "switcher", "password": old})
                 for old in passwords[:-1]]))

    assert all(change.status == 204 for change, _ in outcomes), outcomes
    assert all(login.status in (201, 401) for _, login in outcomes), outcomes
    sessions = b.call("GET", "/api/account/sessions", kept).json()["sessions"]
    assert [s["current"] for s in sessions] == [True]
