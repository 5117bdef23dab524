"""Recovery cases: an admin opens one for an account that lost every second factor; the holder
cancels it (emailed link, session or page), or after the wait it completes: second factors gone,
password disabled, sessions ended, a reset link emailed."""

import json

import pytest

from tests.integration.browser import Browser, hidden, logged_in
from tests.integration.conftest import PASSWORD
from tests.integration.test_cli import wharf
from tests.integration.test_password_reset import NEW, complete, reset_link_token
from tests.integration.test_two_factor import enrolled
from wharf.domain.origin import cli_origin

OPEN = "/api/admin/accounts/{}/recovery-case"
CASE = {"reason": "lost phone and recovery codes", "ticket": "SUP-1234"}


@pytest.fixture
def admin(api, clock) -> str:
    session = api.user("dave")
    api.wiring.app.grant_admin(cli_origin(clock()), "dave")
    return session


@pytest.fixture
def alice(api, clock) -> tuple[str, str]:
    """alice with TOTP, recovery codes and a second verified address: (session, TOTP secret)."""
    session, secret, _ = enrolled(api, clock)
    api.call("POST", "/api/account/emails", session, json={"email": "alice@work.example"})
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("alice@work.example")})
    return session, secret


def open_case(api, admin: str, username: str = "alice", **case):
    return api.call("POST", OPEN.format(username), admin, body=json.dumps({**CASE, **case}),
                    headers={"Content-Type": "application/json"})


def cancel_token(api, address: str) -> str:
    bodies = [m.get_content() for m in api.mail()
              if m["To"] == address and "recovery case was opened" in m["Subject"]]
    assert len(bodies) == 1, f"not one recovery email to {address}"
    return bodies[0].split("recovery/cancel?token=")[1].split()[0]


def names(api, account: str = "alice") -> list[str]:
    """The public names of the account's history, read by the admin dave (a new session)."""
    history = api.call("GET", "/api/admin/events", api.log_in("dave"),
                       params={"account": account})
    return [e["name"] for e in history.json["events"]]


def test_opening_a_case_emails_every_verified_address_a_cancel_link(api, admin, alice, clock):
    opened = open_case(api, admin)

    assert opened.status_code == 201, opened.json
    assert opened.json["completes_at"].startswith("2026-06-08")  # the 7-day wait
    for address in ("alice@example.com", "alice@work.example"):
        assert cancel_token(api, address)
    case = api.call("GET", "/api/account/recovery", alice[0])
    assert case.status_code == 200 and case.json["completes_at"] == opened.json["completes_at"]
    assert "account:recovery:open" in names(api)


def test_the_holder_cancels_with_the_emailed_link_once(api, admin, alice):
    open_case(api, admin)
    token = cancel_token(api, "alice@work.example")

    assert api.call("POST", "/api/account/recovery/cancel",
                    json={"token": token}).status_code == 204
    again = api.call("POST", "/api/account/recovery/cancel", json={"token": token})

    assert again.status_code == 400 and "no longer open" in again.json["detail"]
    assert api.call("GET", "/api/account/recovery", alice[0]).status_code == 404
    assert "account:recovery:cancel" in names(api)
    assert [m for m in api.mail() if "was cancelled" in m["Subject"]]


def test_a_link_of_an_earlier_case_does_not_cancel_a_later_one(api, admin, alice):
    open_case(api, admin)
    old = cancel_token(api, "alice@example.com")
    api.call("DELETE", "/api/account/recovery", alice[0])
    assert open_case(api, admin).status_code == 201

    stale = api.call("POST", "/api/account/recovery/cancel", json={"token": old})

    assert stale.status_code == 400
    assert api.call("GET", "/api/account/recovery", alice[0]).status_code == 200


@pytest.mark.parametrize("token", ["", "x" * 201, "not-a-token", "\x00", "\ud800",
                                   "A" * 86])
def test_a_bad_cancel_token_is_refused_and_the_case_stays(api, admin, alice, token):
    open_case(api, admin)

    refused = api.call("POST", "/api/account/recovery/cancel", body=json.dumps({"token": token}),
                       headers={"Content-Type": "application/json"})

    assert refused.status_code == 400
    assert api.call("GET", "/api/account/recovery", alice[0]).status_code == 200


def test_an_email_verification_token_cannot_cancel_a_case(api, admin, alice):
    open_case(api, admin)
    api.call("POST", "/api/account/emails", alice[0], json={"email": "alice@home.example"})
    other_purpose = api.verification_token("alice@home.example")

    refused = api.call("POST", "/api/account/recovery/cancel", json={"token": other_purpose})

    assert refused.status_code == 400


def test_the_holder_cancels_from_a_session(api, admin, alice, clock):
    open_case(api, admin)

    assert api.call("DELETE", "/api/account/recovery", alice[0]).status_code == 204
    assert api.call("DELETE", "/api/account/recovery", alice[0]).status_code == 409
    clock.advance(days=8)

    assert api.wiring.app.complete_due_recovery_cases(cli_origin(clock())) == []


def test_a_case_completes_only_after_the_wait(api, admin, alice, clock):
    open_case(api, admin)
    clock.advance(days=6, hours=23)
    assert api.wiring.app.complete_due_recovery_cases(cli_origin(clock())) == []

    clock.advance(hours=1)
    assert api.wiring.app.complete_due_recovery_cases(cli_origin(clock())) == ["alice"]
    assert api.wiring.app.complete_due_recovery_cases(cli_origin(clock())) == []


def test_a_completed_case_clears_the_factors_disables_the_password_and_sends_a_reset_link(
        api, admin, alice, clock):
    session, _ = alice
    open_case(api, admin)
    clock.advance(days=7)
    api.wiring.app.complete_due_recovery_cases(cli_origin(clock()))

    assert api.call("GET", "/api/account", session).status_code == 401  # the session ended
    refused = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 401
    token = reset_link_token(api, "alice@example.com")
    assert complete(api, token).status_code == 200
    login = api.call("POST", "/api/session", json={"username": "alice", "password": NEW})
    assert login.status_code == 201, login.json  # no second factor is asked any more
    account = api.call("GET", "/api/account", login.json["token"]).json
    assert account["two_factor"] == {"methods": [], "recovery_codes_left": 0}
    assert {"account:recovery:complete", "account:two_factor:cleared",
            "account:password:reset"} <= set(names(api))


def test_only_admins_in_their_sudo_window_open_cases(api, admin, alice, clock):
    assert open_case(api, alice[0]).status_code == 403
    assert open_case(api, admin, username="dave").status_code == 409  # not their own
    clock.advance(hours=1)  # dave's sudo window closes
    closed = open_case(api, admin)
    assert closed.status_code == 403 and "confirm your password" in closed.json["detail"]
    assert api.call("POST", OPEN.format("alice"), json=CASE).status_code == 401


def test_a_second_case_an_unknown_account_or_no_verified_address_is_refused(api, admin, alice):
    api.register("bob")  # never verified his address

    assert open_case(api, admin).status_code == 201
    assert open_case(api, admin).status_code == 409
    assert open_case(api, admin, username="nobody").status_code == 404
    unverified = open_case(api, admin, username="bob")
    assert unverified.status_code == 409 and "no verified email" in unverified.json["detail"]


@pytest.mark.parametrize("field,value", [("reason", ""), ("reason", "x" * 501),
                                         ("reason", "a\x00b"), ("ticket", "\ud800"),
                                         ("ticket", "line\nbreak"), ("ticket", "t" * 201),
                                         ("ticket", 10**30)])
def test_hostile_reasons_and_tickets_are_refused(api, admin, alice, field, value):
    refused = open_case(api, admin, **{field: value})

    assert refused.status_code == 400
    assert open_case(api, admin).status_code == 201  # the next request works


def test_the_emailed_link_page_shows_a_form_and_only_its_post_cancels(api, admin, alice):
    open_case(api, admin)
    token = cancel_token(api, "alice@example.com")
    browser = Browser(api)

    form = browser.get(f"/account/recovery/cancel?token={token}")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert hidden(form.text, "token") == token
    assert api.call("GET", "/api/account/recovery", alice[0]).status_code == 200

    done = browser.post("/account/recovery/cancel", {"token": token})
    assert done.status_code == 200 and "was cancelled" in done.text
    assert api.call("GET", "/api/account/recovery", alice[0]).status_code == 404
    dead = browser.post("/account/recovery/cancel", {"token": token})
    assert dead.status_code == 400 and "no longer open" in dead.text


def test_the_account_page_shows_the_case_and_cancels_it(api, admin, clock):
    browser = logged_in(Browser(api), "alice", verified=True)
    open_case(api, admin)

    page = browser.get("/account")
    assert "A recovery case is open for your account" in page.text
    assert "2026-06-08" in page.text
    cancelled = browser.post("/account/recovery")

    assert cancelled.headers["Location"] == "/account?done=recovery-cancelled"
    assert "A recovery case is open" not in browser.get("/account").text


def test_wharf_admin_recover_and_complete_recoveries(api, settings, alice, clock):
    opened = wharf(settings, "admin", "recover", "alice", "--reason", "lost phone",
                   "--ticket", "SUP-9")
    assert opened.returncode == 0, opened.stderr
    assert "completes at" in opened.stdout
    again = wharf(settings, "admin", "recover", "alice", "--reason", "x", "--ticket", "y")
    assert again.returncode != 0 and "already has an open recovery case" in again.stderr

    nothing_due = wharf(settings, "admin", "complete-recoveries")
    assert nothing_due.returncode == 0 and "0 recovery case(s) completed" in nothing_due.stdout
