"""Two processes claim the same name at the same instant, on different servers: exactly one wins."""

import uuid

import pytest

from tests.e2e.client import PASSWORD
from tests.e2e.processes import UNLIMITED_QUOTAS
from tests.e2e.racing import Call, Outcome, race

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return UNLIMITED_QUOTAS  # this module's subject is not the quotas


ROUNDS = 20


def _one_winner(outcomes: list[tuple[Outcome, Outcome]], loser_code: str) -> None:
    for round_, pair in enumerate(outcomes):
        assert sorted(o.status for o in pair) == [201, 409], f"round {round_}: {pair}"
        assert [o.code for o in pair if o.status == 409] == [loser_code], f"round {round_}: {pair}"


def _count(database, sql: str, *params) -> int:
    return database.execute(sql, params).fetchone()[0]


def _registered_events(database, field: str, value: str) -> int:
    """Registrations in the event log itself, whatever the views say."""
    return _count(database, "SELECT count(*) FROM wharf_events WHERE topic = %s"
                  f" AND convert_from(state, 'UTF8')::jsonb ->> '{field}' = %s",
                  "wharf:account:registered", value)


def test_two_registrations_of_one_username_on_two_servers_make_one_account(two_servers, database):
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    names = [f"racer{tag}{i}" for i in range(ROUNDS)]

    outcomes = race(
        (a.url, [Call("/api/accounts", {"username": n, "password": PASSWORD,
                                        "email": f"{n}-a@example.com"}) for n in names]),
        (b.url, [Call("/api/accounts", {"username": n.upper() if i % 2 else n,
                                        "password": PASSWORD, "email": f"{n}-b@example.com"})
                 for i, n in enumerate(names)]))

    _one_winner(outcomes, "username_taken")
    for name in names:
        assert _count(database, "SELECT count(*) FROM accounts WHERE username_key = %s", name) == 1
        assert _count(database, "SELECT count(*) FROM account_emails e JOIN accounts a"
                      " ON a.id = e.account_id WHERE a.username_key = %s", name) == 1
        assert _registered_events(database, "username", name) + \
            _registered_events(database, "username", name.upper()) == 1


def _holders(database, email: str) -> list[str]:
    return [row[0] for row in database.execute(
        "SELECT a.username FROM account_emails e JOIN accounts a ON a.id = e.account_id"
        " WHERE e.email_key = %s", (email,)).fetchall()]


def test_two_registrations_of_one_email_on_two_servers_leave_it_with_one(two_servers, database):
    """An address nobody verified goes to whoever claims it last: both sign-ups succeed, and
    whatever the interleaving, exactly one account holds it, in the log as in the views."""
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    emails = [f"shared{tag}{i}@example.com" for i in range(ROUNDS)]

    outcomes = race(
        (a.url, [Call("/api/accounts", {"username": f"left{tag}{i}", "password": PASSWORD,
                                        "email": e}) for i, e in enumerate(emails)]),
        (b.url, [Call("/api/accounts", {"username": f"right{tag}{i}", "password": PASSWORD,
                                        "email": e.upper() if i % 2 else e})
                 for i, e in enumerate(emails)]))

    for round_, pair in enumerate(outcomes):
        assert [o.status for o in pair] == [201, 201], f"round {round_}: {pair}"
    for i, email in enumerate(emails):
        [holder] = _holders(database, email)
        assert holder in (f"left{tag}{i}", f"right{tag}{i}")
        other = f"right{tag}{i}" if holder.startswith("left") else f"left{tag}{i}"
        assert _count(database, "SELECT count(*) FROM account_emails e JOIN accounts a ON"
                      " a.id = e.account_id WHERE a.username_key = %s", other) == 0
        assert _registered_events(database, "username", f"left{tag}{i}") == 1
        assert _count(database, "SELECT count(*) FROM wharf_events WHERE topic = %s AND"
                      " convert_from(state, 'UTF8')::jsonb ->> 'email_key' = %s"
                      " AND convert_from(state, 'UTF8')::jsonb ->> 'reason' = 'claimed'",
                      "wharf:account:email-removed", email) == 1


def test_two_owners_creating_one_project_name_on_two_servers_make_one_project(two_servers,
                                                                               database, mail):
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    first, second = a.verified_user(mail, f"first{tag}"), b.verified_user(mail, f"second{tag}")

    outcomes = race(
        (a.url, [Call("/api/projects", {"name": f"My.Project{tag}-{i}"}, first)
                 for i in range(ROUNDS)]),
        (b.url, [Call("/api/projects", {"name": f"my_project{tag}_{i}"}, second)
                 for i in range(ROUNDS)]))

    _one_winner(outcomes, "project_name_taken")
    for i, (from_a, _) in enumerate(outcomes):
        key = f"my-project{tag}-{i}"
        assert _count(database, "SELECT count(*) FROM projects WHERE normalized_name = %s",
                      key) == 1
        assert _count(database, "SELECT count(*) FROM wharf_events WHERE topic = %s AND"
                      " convert_from(state, 'UTF8')::jsonb ->> 'normalized_name' = %s",
                      "wharf:project:created", key) == 1
        winner = f"first{tag}" if from_a.status == 201 else f"second{tag}"
        roles = b.call("GET", f"/api/projects/{key}").json()["maintainers"]
        assert roles == [winner], f"round {i}"


def test_a_released_email_is_held_by_exactly_one_of_two_racing_accounts(two_servers, database):
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    holder, left, right = (a.sudo(a.user(f"{side}{tag}"))
                           for side in ("holder", "left", "right"))
    rounds = 8  # the winners' accounts fill up; an account holds at most 10 addresses
    emails = [f"released{tag}{i}@example.com" for i in range(rounds)]
    for email in emails:
        added = a.call("POST", "/api/account/emails", holder, json={"email": email})
        assert added.status_code == 201
        assert b.call("DELETE", f"/api/account/emails/{email}", holder).status_code == 204

    outcomes = race((a.url, [Call("/api/account/emails", {"email": e}, left) for e in emails]),
                    (b.url, [Call("/api/account/emails", {"email": e}, right) for e in emails]))

    for round_, pair in enumerate(outcomes):  # never verified: the later claim takes it
        assert [o.status for o in pair] == [201, 201], f"round {round_}: {pair}"
    for email in emails:
        assert len(_holders(database, email)) == 1


def test_a_verification_racing_a_sign_up_with_the_same_address_lets_one_win(two_servers,
                                                                            database, mail):
    """Either the link verifies and the sign-up is told the address is taken, or the sign-up
    takes the address and the link is dead: never both."""
    a, b = two_servers
    tag = uuid.uuid4().hex[:6]
    emails = [f"contested{tag}{i}@example.com" for i in range(ROUNDS // 2)]
    for i, email in enumerate(emails):
        a.register(f"first{tag}{i}", email)
    links = [mail.verification_token(email) for email in emails]

    outcomes = race(
        (a.url, [Call("/api/account/emails/verify", {"token": link}) for link in links]),
        (b.url, [Call("/api/accounts", {"username": f"second{tag}{i}", "password": PASSWORD,
                                        "email": email}) for i, email in enumerate(emails)]))

    for i, (verified, signed_up) in enumerate(outcomes):
        assert (verified.status, signed_up.status) in ((204, 409), (400, 201)), \
            f"round {i}: {verified, signed_up}"
        winner = f"first{tag}{i}" if verified.status == 204 else f"second{tag}{i}"
        assert _holders(database, emails[i]) == [winner]
