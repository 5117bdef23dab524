"""A hundred failures in a row lock an account to strangers, never to its holder: addresses it
has logged in from keep working, and the emailed link with the password and the second factor
lifts the lock from anywhere (a TOTP code from a new address after the new device's emailed
confirmation, tests/integration/test_new_devices.py)."""

import json
from uuid import UUID

from tests.integration.browser import Browser, alert, hidden, totp_now
from tests.integration.conftest import PASSWORD
from tests.integration.test_new_devices import confirm, device_link
from tests.integration.test_two_factor import code, enrolled
from wharf.domain.limits import MAX_CONSECUTIVE_FAILURES
from wharf.domain.origin import cli_origin

HOME = "192.0.2.10"  # where the test accounts log in from (the Api's default address)
AWAY = "203.0.113.50"  # the holder, travelling: an address never used before


def log_in(api, username: str, password: str = PASSWORD, ip: str = AWAY):
    return api.call("POST", "/api/session", json={"username": username, "password": password},
                    remote_addr=ip)


def strangers_fail(api, clock, username: str, times: int = MAX_CONSECUTIVE_FAILURES) -> None:
    """Wrong passwords from ever new addresses, as fast as the limits let them count."""
    for n in range(times):
        clock.advance(seconds=31)  # 10 in 5 minutes: the strangers' window never fills
        answer = log_in(api, username, "guess guess guess", f"198.18.{n // 200}.{n % 200 + 1}")
        assert answer.status_code == 401, answer.json


def unlock_link_token(api) -> str:
    bodies = [m.get_content() for m in api.mail() if "locked" in m["Subject"]]
    assert bodies, "no lock email"
    return bodies[-1].split("/account/unlock?token=")[1].split()[0]


def second_step(api, ticket: str, secret: str, clock, ip: str = AWAY):
    return api.call("POST", "/api/session/totp", json={"ticket": ticket,
                                                       "code": code(secret, clock)},
                    remote_addr=ip)


def names_in_history(api, token: str) -> list[str]:
    return [e["name"] for e in api.call("GET", "/api/account/events", token).json["events"]]


def test_a_strangers_hundred_failures_do_not_stop_the_owner_at_a_known_address(api, clock):
    api.register("alice")
    api.log_in("alice")  # from HOME

    strangers_fail(api, clock, "alice")
    from_a_stranger = log_in(api, "alice", ip="198.18.9.9")
    travelling = log_in(api, "alice")
    at_home = log_in(api, "alice", ip=HOME)  # at once: the strangers' window is full too

    assert from_a_stranger.status_code == travelling.status_code == 403
    assert travelling.json["code"] == "account_locked"
    assert "emailed a link" in travelling.json["detail"]
    assert at_home.status_code == 201
    assert log_in(api, "alice").status_code == 403  # her log-in did not lift the lock
    assert "account:lock" in names_in_history(api, at_home.json["token"])


def test_the_lock_emails_a_link_that_the_outbox_does_not_hold(api, clock):
    api.register("alice")
    strangers_fail(api, clock, "alice")

    token = unlock_link_token(api)
    [message] = [m for m in api.mail() if "locked" in m["Subject"]]
    rows = api.wiring.db.query("SELECT params FROM outbox WHERE template = 'account-locked'")

    assert message["To"] == "alice@example.com"
    assert "198.18.0.100" in message.get_content()  # where the last failure came from
    assert len(rows) == 1 and token not in rows[0]["params"]
    assert set(json.loads(rows[0]["params"])) == {"scope", "nonce", "ip", "expires_at"}


def test_the_emailed_link_with_the_password_and_the_second_factor_unlocks(api, clock):
    _, secret, _ = enrolled(api, clock)
    strangers_fail(api, clock, "alice")
    token = unlock_link_token(api)

    step = api.call("POST", "/api/session/unlock", json={"token": token, "password": PASSWORD},
                    remote_addr=AWAY)
    assert step.status_code == 202 and step.json["methods"] == ["totp", "recovery-code"]
    assert log_in(api, "alice").status_code == 403  # still locked between the two steps
    held = second_step(api, step.json["ticket"], secret, clock)
    assert held.status_code == 202  # AWAY is new: its emailed confirmation comes first
    assert log_in(api, "alice").status_code == 403
    session = confirm(api, device_link(api), ip=AWAY)

    assert session.status_code == 201
    clock.advance(seconds=31)
    from_anywhere = log_in(api, "alice", ip="198.51.100.77")
    assert from_anywhere.status_code == 202  # a stranger's address gets the password step again
    assert "account:unlock:link" in names_in_history(api, session.json["token"])
    again = api.call("POST", "/api/session/unlock", json={"token": token, "password": PASSWORD})
    assert again.status_code == 400 and again.json["code"] == "invalid_token"  # single use


def test_the_link_alone_or_the_password_alone_does_not_unlock(api, clock):
    _, secret, _ = enrolled(api, clock)
    strangers_fail(api, clock, "alice")
    token = unlock_link_token(api)

    link_and_wrong_password = api.call("POST", "/api/session/unlock", remote_addr=AWAY,
                                       json={"token": token, "password": "not the password"})
    password_without_link = log_in(api, "alice")
    link_password_wrong_code = api.call(
        "POST", "/api/session/totp", remote_addr=AWAY,
        json={"ticket": api.call("POST", "/api/session/unlock", remote_addr=AWAY,
                                 json={"token": token, "password": PASSWORD}).json["ticket"],
              "code": "000000"})
    forged = api.call("POST", "/api/session/unlock", remote_addr=AWAY,
                      json={"token": token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB"),
                            "password": PASSWORD})

    assert link_and_wrong_password.status_code == 401
    assert password_without_link.status_code == 403
    assert link_password_wrong_code.status_code == 401
    assert forged.status_code == 400 and forged.json["code"] == "invalid_token"
    assert api.wiring.app.repository.get(_id(api, "alice")).lock is not None
    assert log_in(api, "alice").status_code == 403


def test_without_two_factors_the_link_and_the_password_unlock(api, clock):
    api.register("alice")
    strangers_fail(api, clock, "alice")

    session = api.call("POST", "/api/session/unlock", remote_addr=AWAY,
                       json={"token": unlock_link_token(api), "password": PASSWORD})

    assert session.status_code == 201 and session.json["token"]
    clock.advance(seconds=31)  # the strangers' last ten failures still fill their window
    assert log_in(api, "alice", ip="198.51.100.78").status_code == 201


def test_an_expired_link_unlocks_nothing_but_an_administrator_still_can(api, clock):
    api.register("alice")
    strangers_fail(api, clock, "alice")
    token = unlock_link_token(api)
    clock.advance(days=8)

    expired = api.call("POST", "/api/session/unlock", json={"token": token, "password": PASSWORD},
                       remote_addr=AWAY)

    assert expired.status_code == 400 and "expired" in expired.json["detail"]
    api.wiring.app.unlock(cli_origin(clock.now), "alice")
    assert log_in(api, "alice").status_code == 201


def test_a_hundred_failures_in_a_row_from_known_addresses_lock_every_address(api, clock):
    api.register("alice")
    api.log_in("alice")
    for _ in range(MAX_CONSECUTIVE_FAILURES):
        clock.advance(seconds=31)
        assert log_in(api, "alice", "guess guess guess", HOME).status_code == 401

    at_home = log_in(api, "alice", ip=HOME)
    bodies = [m.get_content() for m in api.mail() if "locked" in m["Subject"]]

    assert at_home.status_code == 403 and at_home.json["code"] == "account_locked"
    assert "administrators" in bodies[-1] and "token=" not in bodies[-1]
    api.wiring.app.unlock(cli_origin(clock.now), "alice")
    clock.advance(seconds=31)  # the address's own window still holds its last ten failures
    assert log_in(api, "alice", ip=HOME).status_code == 201


def test_a_made_up_name_locks_with_the_same_answer(api, clock):
    api.register("alice")
    answers = {}
    for name in ("alice", "ghost"):
        strangers_fail(api, clock, name)
        locked = log_in(api, name, "guess guess guess")
        answers[name] = (locked.status_code, locked.json)

    assert answers["alice"] == answers["ghost"]
    assert answers["ghost"][0] == 403


def test_by_form_the_link_then_the_password_then_the_code_unlock_and_log_in(api, clock):
    _, secret, _ = enrolled(api, clock)
    strangers_fail(api, clock, "alice")
    browser = Browser(api, remote_addr=AWAY)
    token = unlock_link_token(api)

    opened = browser.get("/account/unlock", params={"token": token})
    assert opened.status_code == 200 and opened.headers["Cache-Control"] == "no-store"
    assert hidden(opened.text, "token") == token
    wrong = browser.post("/account/unlock", {"token": token, "password": "not it at all"})
    assert wrong.status_code == 401 and hidden(wrong.text, "token") == token
    assert '<a href="#password">' in wrong.text
    step = browser.post("/account/unlock", {"token": token, "password": PASSWORD})
    assert step.status_code == 200 and "<h1>Two-factor authentication</h1>" in step.text
    assert browser.cookie is None
    held = browser.post("/login/totp", {"ticket": hidden(step.text, "ticket"),
                                        "code": totp_now(secret, clock)})
    assert held.status_code == 200 and "Check your email" in held.text  # AWAY is new
    done = browser.post("/login/confirm-device", {"token": device_link(api)})

    assert done.status_code == 303 and done.headers["Location"] == "/account?done=unlocked"
    assert "Your account is unlocked" in browser.get(done.headers["Location"]).text
    assert token not in "".join(browser.locations)


def test_by_form_a_used_or_forged_link_says_so_and_offers_no_password_field(api, clock):
    api.register("alice")
    strangers_fail(api, clock, "alice")
    token = unlock_link_token(api)
    browser = Browser(api, remote_addr=AWAY)
    assert browser.post("/account/unlock", {"token": token, "password": PASSWORD}
                        ).headers["Location"] == "/account?done=unlocked"

    for bad in (token, "forged-token", "x" * 201):
        refused = Browser(api, remote_addr=AWAY).post("/account/unlock",
                                                      {"token": bad, "password": PASSWORD})
        assert refused.status_code == 400, refused.text
        assert alert(refused.text)
        assert 'name="password"' not in refused.text
    assert 'name="password"' not in browser.get("/account/unlock").text


def test_hostile_unlock_requests_get_a_clear_400(api):
    bodies = [{"token": "a\x00b", "password": PASSWORD}, {"token": "x" * 5000, "password": "p"},
              {"password": PASSWORD}, {"token": "t", "password": "p", "username": "alice"}]
    answers = [api.call("POST", "/api/session/unlock", json=body) for body in bodies]
    answers.append(api.call("POST", "/api/session/unlock",
                            body='{"token": "\\ud800", "password": "p"}',
                            headers={"Content-Type": "application/json"}))

    for answer in answers:
        assert answer.status_code == 400, answer.json
        assert answer.json["code"]


def _id(api, username: str) -> UUID:
    return UUID(api.wiring.db.query_one("SELECT id FROM accounts WHERE username = ?",
                                        (username,))["id"])
