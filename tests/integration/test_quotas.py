"""Limits on what costs someone else something: verification emails (per client address, per
account, per recipient) and new projects (per account, per client address). Over a limit the
answer is 429 with Retry-After, and nothing is recorded."""

import pytest

from tests.integration.browser import Browser, alert, logged_in
from tests.integration.conftest import PASSWORD
from tests.integration.test_two_factor import verified_user


def add(api, session: str, email: str, ip: str = "192.0.2.10"):
    return api.call("POST", "/api/account/emails", session, json={"email": email},
                    remote_addr=ip)


def remove(api, session: str, email: str):
    return api.call("DELETE", f"/api/account/emails/{email}", session)


def verification_mails(api, to: str) -> int:
    return sum(1 for m in api.mail() if m["To"] == to and "Verify" in m["Subject"])


def stored_events(api) -> int:
    return api.wiring.app.recorder.max_notification_id() or 0


def assert_limited(answer) -> None:
    assert answer.status_code == 429, answer.json
    assert answer.json["code"] == "rate_limited" and int(answer.headers["Retry-After"]) > 0


def test_adding_and_removing_an_address_over_and_over_sends_three_emails_at_most(api, clock):
    """The attack: 20 verification emails to a stranger in half a second."""
    session = api.user("mallory")
    answers = []
    for n in range(20):
        answers.append(add(api, session, "victim@example.com", ip=f"198.51.100.{n}"))
        remove(api, session, "victim@example.com")

    assert [a.status_code for a in answers[:2]] == [201, 201]  # with the sign-up's, 3
    for answer in answers[2:]:
        assert_limited(answer)
    assert verification_mails(api, "victim@example.com") == 2
    clock.advance(hours=6, seconds=1)
    api.sudo(session)
    assert add(api, session, "victim@example.com").status_code == 201


def test_a_refused_addition_records_nothing(api):
    session = api.user("mallory")
    for n in range(2):
        add(api, session, f"other{n}@example.com")
    before = stored_events(api)

    assert_limited(add(api, session, "third@example.com", ip="198.51.100.1"))

    assert stored_events(api) == before


def test_one_client_address_adds_two_addresses_a_day(api, clock):
    first, second = api.user("alice"), api.user("bob")
    assert add(api, first, "a2@example.com", ip="203.0.113.5").status_code == 201
    assert add(api, second, "b2@example.com", ip="203.0.113.5").status_code == 201

    assert_limited(add(api, first, "a3@example.com", ip="203.0.113.5"))
    assert add(api, second, "b3@example.com", ip="203.0.113.6").status_code == 201
    clock.advance(days=1, seconds=1)
    first = api.log_in("alice")
    api.sudo(first)
    assert add(api, first, "a3@example.com", ip="203.0.113.5").status_code == 201


def test_one_mailbox_gets_three_verification_emails_whoever_asks(api):
    """Accounts never verifying the address take it from each other; its mailbox is spared."""
    answers = [api.call("POST", "/api/accounts", remote_addr=f"198.51.100.{n}", json={
        "username": f"spammer{n}", "password": PASSWORD, "email": "victim@example.com"})
        for n in range(5)]

    assert [a.status_code for a in answers[:3]] == [201] * 3
    for answer in answers[3:]:
        assert_limited(answer)
    assert verification_mails(api, "victim@example.com") == 3


def test_creating_a_project_needs_a_verified_primary_email(api):
    unverified = api.user("alice")

    refused = api.call("POST", "/api/projects", unverified, json={"name": "demo"})

    assert refused.status_code == 403 and "verify your primary email" in refused.json["detail"]
    assert api.call("GET", "/api/projects/demo").status_code == 404


def test_an_account_creates_twenty_projects_an_hour(api, clock):
    session = verified_user(api, "alice")
    for n in range(20):
        created = api.call("POST", "/api/projects", session, json={"name": f"p{n}"},
                           remote_addr=f"198.51.100.{n}")
        assert created.status_code == 201, created.json

    assert_limited(api.call("POST", "/api/projects", session, json={"name": "p20"}))
    clock.advance(hours=1)
    assert api.call("POST", "/api/projects", session, json={"name": "p20"}).status_code == 201


@pytest.mark.parametrize("ip", ["203.0.113.7"])
def test_a_client_address_creates_forty_projects_an_hour(api, ip):
    sessions = [verified_user(api, name) for name in ("alice", "bob", "carol")]
    for n in range(40):
        created = api.call("POST", "/api/projects", sessions[n // 20], json={"name": f"p{n}"},
                           remote_addr=ip)
        assert created.status_code == 201, created.json

    assert_limited(api.call("POST", "/api/projects", sessions[2], json={"name": "p40"},
                            remote_addr=ip))
    assert api.call("POST", "/api/projects", sessions[2], json={"name": "p40"},
                    remote_addr="203.0.113.8").status_code == 201


def test_the_settings_page_says_when_an_addition_is_over_the_quota(api):
    browser = logged_in(Browser(api), "alice")
    browser.sudo()
    for n in range(2):
        assert browser.post("/account/emails", {"email": f"a{n}@example.com"}).status_code == 303

    refused = browser.post("/account/emails", {"email": "a2@example.com"})

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "too many email addresses added from your address" in alert(refused.text).lower()
