"""A TOTP code or a recovery code from an address the account never logged in from opens no
session: an emailed link does, followed from that same address within 15 minutes, once.
Security keys are never held (they cannot be phished and relayed)."""

import json
from dataclasses import replace

from tests.conftest import fast_passwords
from tests.integration.browser import Browser, hidden, totp_now
from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_security_keys import add_key
from tests.integration.test_two_factor import code, enrolled
from tests.soft_authenticator import SoftKey
from wharf.bootstrap import bootstrap, initialise
from wharf.domain.origin import cli_origin
from wharf.http.auth import COOKIE
from wharf.settings import from_environ

HOME = "192.0.2.10"  # where the test accounts first log in (the Api's default address)
NEW = "203.0.113.7"  # a device this account never used
ELSEWHERE = "198.51.100.66"


def second_step(api, clock, secret: str, ip: str = NEW, name: str = "alice", path: str = "totp",
                code_: str | None = None):
    ticket = api.call("POST", "/api/session", remote_addr=ip,
                      json={"username": name, "password": PASSWORD}).json["ticket"]
    return api.call("POST", f"/api/session/{path}", remote_addr=ip,
                    json={"ticket": ticket, "code": code_ or code(secret, clock)})


def device_link(api) -> str:
    """The token of the latest new-device email."""
    bodies = [m.get_content() for m in api.mail() if "new device" in m["Subject"]]
    assert bodies, "no new-device email"
    return bodies[-1].split("/login/confirm-device?token=")[1].split()[0]


def confirm(api, token: str, ip: str = NEW):
    return api.call("POST", "/api/session/device", json={"token": token}, remote_addr=ip)


def history(api, token: str) -> list[dict]:
    return api.call("GET", "/api/account/events", token).json["events"]


def test_a_totp_log_in_from_a_new_address_is_held_and_a_link_emailed(api, clock):
    _, secret, _ = enrolled(api, clock)

    held = second_step(api, clock, secret)

    assert held.status_code == 202, held.json
    assert held.json == {"status": "device-confirmation-sent",
                         "expires_at": "2026-06-01T12:15:30.000000Z"}
    assert COOKIE not in held.cookies and "token" not in held.json
    [message] = [m for m in api.mail() if "new device" in m["Subject"]]
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "[Wharf] Confirm a log-in from a new device"
    assert NEW in message.get_content() and "authenticator app" in message.get_content()


def test_the_link_opens_the_session_from_the_same_address_once(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)

    opened = confirm(api, token)
    again = confirm(api, token)

    assert opened.status_code == 201 and opened.cookies[COOKIE].value == opened.json["token"]
    session = api.call("GET", "/api/session", opened.json["token"]).json
    assert session["username"] == "alice"
    assert again.status_code == 400 and again.json["code"] == "invalid_token"
    names = [e["name"] for e in history(api, opened.json["token"])
             if e["name"] != "account:email:sent"]  # the link's delivery, recorded
    assert names[:3] == ["account:login:success", "account:login:device_confirmed",
                         "account:login:new_device"]
    [success] = [e for e in history(api, opened.json["token"])
                 if e["name"] == "account:login:success"][:1]
    assert success["two_factor_method"] == "totp"


def test_the_link_is_refused_from_another_address_and_recorded(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)

    refused = confirm(api, token, ip=ELSEWHERE)
    refused_at_home = confirm(api, token, ip=HOME)

    assert refused.status_code == refused_at_home.status_code == 403
    assert refused.json["code"] == "new_device_elsewhere" and COOKIE not in refused.cookies
    opened = confirm(api, token)  # the right device still can
    assert opened.status_code == 201
    failures = [e["details"] for e in history(api, opened.json["token"])
                if e["name"] == "account:login:failure"]
    assert {"reason": "new_device_elsewhere"} in failures


def test_the_link_expires_after_fifteen_minutes(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)

    clock.advance(minutes=15)
    expired = confirm(api, token)

    assert expired.status_code == 400 and "expired" in expired.json["detail"]


def test_the_link_works_until_its_fifteen_minutes_are_up(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)

    clock.advance(minutes=14, seconds=59)

    assert confirm(api, token).status_code == 201


def test_a_confirmed_address_logs_in_with_totp_at_once_afterwards(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    confirm(api, device_link(api))
    clock.advance(seconds=30)

    assert second_step(api, clock, secret).status_code == 201


def test_the_address_of_a_log_in_before_two_factors_existed_is_confirmed(api, clock):
    _, secret, _ = enrolled(api, clock)  # her password log-ins came from HOME

    at_home = second_step(api, clock, secret, ip=HOME)

    assert at_home.status_code == 201
    assert not [m for m in api.mail() if "new device" in m["Subject"]]


def test_a_recovery_code_from_a_new_address_is_held_and_spent(api, clock):
    _, _, codes = enrolled(api, clock)

    held = second_step(api, clock, "", path="recovery-code", code_=codes[0])
    opened = confirm(api, device_link(api))
    reused = second_step(api, clock, "", path="recovery-code", code_=codes[0])

    assert held.status_code == 202 and opened.status_code == 201
    assert opened.json["recovery_codes_left"] == 7
    assert reused.status_code == 401 and reused.json["code"] == "burned_recovery_code"


def test_security_key_log_ins_are_never_held_and_confirm_the_address(api, clock):
    token, secret, _ = enrolled(api, clock)
    key = SoftKey("http://localhost:8000")
    assert add_key(api, token, key).status_code == 201

    ticket = api.call("POST", "/api/session", remote_addr=NEW,
                      json={"username": "alice", "password": PASSWORD}).json["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", remote_addr=NEW,
                       json={"ticket": ticket})
    by_key = api.call("POST", "/api/session/webauthn/complete", remote_addr=NEW,
                      json={"ticket": ticket, "credential": key.assert_(options.json)})
    clock.advance(seconds=30)
    by_code = second_step(api, clock, secret)

    assert by_key.status_code == 201 and by_code.status_code == 201
    assert not [m for m in api.mail() if "new device" in m["Subject"]]


def test_a_forged_or_malformed_link_is_refused(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for bad in (forged, "", "x" * 201, "a\x00b", token + "\u00e9", 12, None):
        result = confirm(api, bad)
        assert result.status_code == 400, (bad, result.json)


def test_the_outbox_and_the_audit_log_never_hold_the_link(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)
    opened = confirm(api, token)

    rows = api.wiring.db.query("SELECT params FROM outbox WHERE template = 'new-device'")
    assert len(rows) == 1 and token not in rows[0]["params"]
    assert set(json.loads(rows[0]["params"])) == {"nonce", "ip", "user_agent", "method",
                                                  "expires_at"}
    entries = json.dumps(history(api, opened.json["token"]))
    assert token not in entries and json.loads(rows[0]["params"])["nonce"] not in entries


def test_a_freeze_kills_the_link_for_good(api, clock):
    _, secret, _ = enrolled(api, clock)
    second_step(api, clock, secret)
    token = device_link(api)
    api.wiring.app.freeze_account(cli_origin(clock()), "alice", "test")
    frozen = confirm(api, token)
    api.wiring.app.unfreeze_account(cli_origin(clock()), "alice", "test")

    assert frozen.status_code == 400 and frozen.json["code"] == "invalid_token"
    assert confirm(api, token).status_code == 400


def test_the_setting_turns_it_off(settings, clock):
    assert from_environ({"WHARF_CONFIRM_NEW_DEVICES": "0"}).confirm_new_devices is False
    assert from_environ({}).confirm_new_devices is True
    initialise(settings)
    off = bootstrap(replace(settings, confirm_new_devices=False), clock,
                    passwords=fast_passwords())
    try:
        api = Api(off)
        _, secret, _ = enrolled(api, clock)
        assert second_step(api, clock, secret).status_code == 201
    finally:
        off.close()


def test_by_form_a_held_log_in_says_check_your_email_and_the_link_page_asks_first(api, clock):
    _, secret, _ = enrolled(api, clock)
    browser = Browser(api, remote_addr=NEW)
    page = browser.log_in("alice")

    held = browser.post("/login/totp", {"ticket": hidden(page.text, "ticket"),
                                        "code": totp_now(secret, clock)})
    assert held.status_code == 200 and "Check your email" in held.text
    assert browser.cookie is None
    token = device_link(api)
    shown = browser.get("/login/confirm-device", params={"token": token})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert hidden(shown.text, "token") == token and browser.cookie is None
    elsewhere = Browser(api, remote_addr=ELSEWHERE).post("/login/confirm-device",
                                                         {"token": token})
    assert elsewhere.status_code == 403
    assert "device and network you logged in from" in elsewhere.text

    done = browser.post("/login/confirm-device", {"token": token})

    assert done.status_code == 303 and done.headers["Location"] == "/account"
    assert browser.get("/account").status_code == 200
    assert token not in "".join(browser.locations)
