"""TOTP and recovery codes: enrolment, the second log-in step, and what each refuses."""

from base64 import b32decode

import pyotp
import pytest

from tests.integration.conftest import PASSWORD, Api
from wharf.bootstrap import VIEWS

STEP = 30


def code(secret: str, clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now.timestamp() + STEP * steps)


def verified_user(api, name: str, ip: str = "192.0.2.10") -> str:
    """Logged in (password only) from `ip`: the address TOTP log-ins come from unheld."""
    api.register(name)
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token(f"{name}@example.com")})
    token = api.log_in(name, remote_addr=ip)
    api.sudo(token)
    return token


def enrolled(api, clock, name: str = "alice",
             ip: str = "192.0.2.10") -> tuple[str, str, list[str]]:
    """A verified account with TOTP on: (session token, TOTP secret, recovery codes)."""
    token = verified_user(api, name, ip)
    secret = api.call("POST", "/api/account/totp", token).json["secret"]
    confirmed = api.call("POST", "/api/account/totp/confirm", token,
                         json={"code": code(secret, clock)})
    assert confirmed.status_code == 200, confirmed.json
    clock.advance(seconds=STEP)  # the confirming code's step is spent
    return token, secret, confirmed.json["recovery_codes"]


def password_step(api, name: str = "alice", password: str = PASSWORD) -> dict:
    result = api.call("POST", "/api/session", json={"username": name, "password": password})
    assert result.status_code == 202, result.json
    return result.json


def test_enrolment_gives_the_secret_its_uri_and_a_qr_code_then_recovery_codes(api, clock):
    token = verified_user(api, "alice")

    started = api.call("POST", "/api/account/totp", token).json
    assert started["uri"] == f"otpauth://totp/Wharf:alice?secret={started['secret']}&issuer=Wharf"
    assert started["qr_svg"].startswith("<svg")
    assert api.call("GET", "/api/account", token).json["two_factor"]["methods"] == []

    confirmed = api.call("POST", "/api/account/totp/confirm", token,
                         json={"code": code(started["secret"], clock), "label": "Phone"})
    codes = confirmed.json["recovery_codes"]
    assert len(codes) == 8 and len(set(codes)) == 8
    assert all(len(c) == 16 and int(c, 16) >= 0 for c in codes)
    two_factor = api.call("GET", "/api/account", token).json["two_factor"]
    assert [(m["method"], m["label"]) for m in two_factor["methods"]] == [("totp", "Phone")]
    assert two_factor["recovery_codes_left"] == 8
    subjects = [m["Subject"] for m in api.mail()]
    assert "[Wharf] A two-factor method was added to your account" in subjects
    assert "[Wharf] New recovery codes were generated" in subjects


def test_an_app_label_with_a_control_or_invisible_character_is_refused(api, clock):
    token = verified_user(api, "alice")
    started = api.call("POST", "/api/account/totp", token).json

    for label in ("\x1fPhone", "Phone\n", "Ph\u202eone"):
        refused = api.call("POST", "/api/account/totp/confirm", token,
                           json={"code": code(started["secret"], clock), "label": label})
        assert refused.status_code == 400 and refused.json["detail"] == (
            "a label must not contain control characters (tabs, line breaks) or invisible"
            " formatting characters")
    assert api.call("GET", "/api/account", token).json["two_factor"]["methods"] == []


def test_enrolment_needs_a_verified_email_and_the_sudo_window(api, clock):
    unverified = api.user("bob")
    refused = api.call("POST", "/api/account/totp", unverified)
    assert refused.status_code == 403 and "verify your primary email" in refused.json["detail"]

    api.register("carol")
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("carol@example.com")})
    no_sudo = api.log_in("carol")
    assert api.call("POST", "/api/account/totp", no_sudo).json["code"] == \
        "reauthentication_required"


def test_a_wrong_confirmation_code_changes_nothing(api, clock):
    token = verified_user(api, "alice")
    secret = api.call("POST", "/api/account/totp", token).json["secret"]

    wrong = api.call("POST", "/api/account/totp/confirm", token, json={"code": "000000"})
    assert wrong.status_code == 400
    assert api.call("GET", "/api/account", token).json["two_factor"]["methods"] == []
    assert api.call("POST", "/api/account/totp/confirm", token,
                    json={"code": code(secret, clock)}).status_code == 200


def test_a_password_alone_no_longer_opens_a_session(api, clock):
    enrolled(api, clock)

    step = password_step(api)

    assert step["methods"] == ["totp", "recovery-code"]
    assert "token" not in step
    session = api.call("POST", "/api/session/totp", json={"ticket": step["ticket"],
                                                          "code": "123456"})
    assert session.status_code == 401


def test_a_totp_code_completes_the_log_in_once(api, clock):
    _, secret, _ = enrolled(api, clock)
    current = code(secret, clock)

    first = api.call("POST", "/api/session/totp",
                     json={"ticket": password_step(api)["ticket"], "code": current})
    replayed = api.call("POST", "/api/session/totp",
                        json={"ticket": password_step(api)["ticket"], "code": current})

    assert first.status_code == 201
    assert api.call("GET", "/api/account", first.json["token"]).status_code == 200
    assert replayed.status_code == 401 and replayed.json["code"] == "totp_replayed"
    clock.advance(seconds=STEP)
    assert api.call("POST", "/api/session/totp", json={
        "ticket": password_step(api)["ticket"], "code": code(secret, clock)}).status_code == 201


def test_an_earlier_code_than_one_already_used_is_refused_too(api, clock):
    _, secret, _ = enrolled(api, clock)
    later, earlier = code(secret, clock, +1), code(secret, clock, -1)
    api.call("POST", "/api/session/totp", json={"ticket": password_step(api)["ticket"],
                                                 "code": later})

    result = api.call("POST", "/api/session/totp",
                      json={"ticket": password_step(api)["ticket"], "code": earlier})

    assert result.json["code"] == "totp_replayed"


@pytest.mark.parametrize("steps", [-10, -3, 2, 10])
def test_a_code_from_a_drifted_clock_says_so(api, clock, steps):
    _, secret, _ = enrolled(api, clock)

    result = api.call("POST", "/api/session/totp", json={
        "ticket": password_step(api)["ticket"], "code": code(secret, clock, steps)})

    assert result.status_code == 401
    assert result.json["code"] == "out_of_sync"
    assert "your device time may be out of sync" in result.json["detail"]


@pytest.mark.parametrize("steps", [2, 3, 10])
def test_a_code_answered_out_of_sync_is_never_accepted_later(api, clock, steps):
    """The hint tells whoever is guessing that a code is genuine: it must not log in when
    its moment comes (the step is spent), though the codes around it still do."""
    _, secret, _ = enrolled(api, clock)
    hinted = code(secret, clock, steps)
    early = api.call("POST", "/api/session/totp",
                     json={"ticket": password_step(api)["ticket"], "code": hinted})
    assert early.json["code"] == "out_of_sync"

    clock.advance(seconds=STEP * steps)
    on_time = api.call("POST", "/api/session/totp",
                       json={"ticket": password_step(api)["ticket"], "code": hinted})
    next_step = api.call("POST", "/api/session/totp", json={
        "ticket": password_step(api)["ticket"], "code": code(secret, clock, +1)})

    assert on_time.status_code == 401 and on_time.json["code"] == "totp_replayed"
    assert next_step.status_code == 201


def test_a_code_answered_out_of_sync_does_not_spend_the_codes_before_it(api, clock):
    _, secret, _ = enrolled(api, clock)
    api.call("POST", "/api/session/totp",
             json={"ticket": password_step(api)["ticket"], "code": code(secret, clock, 5)})

    now = api.call("POST", "/api/session/totp",
                   json={"ticket": password_step(api)["ticket"], "code": code(secret, clock)})

    assert now.status_code == 201


NON_ASCII_DIGITS = ["١٢٣٤٥٦", "１２３４５６", "12345٦", "²³⁴⁵⁶⁷"]


def test_a_code_in_digits_other_than_ascii_is_an_invalid_code_and_counts(api, clock):
    session, _, _ = enrolled(api, clock)

    answers = [api.call("POST", "/api/session/totp",
                        json={"ticket": password_step(api)["ticket"], "code": digits})
               for digits in NON_ASCII_DIGITS]

    assert [(a.status_code, a.json["code"]) for a in answers] == \
        [(401, "invalid_totp")] * len(NON_ASCII_DIGITS)
    failures = api.call("GET", "/api/account/events?name=account:login:failure", session)
    assert [e["details"]["reason"] for e in failures.json["events"]] == \
        ["invalid_totp"] * len(NON_ASCII_DIGITS)


def test_enrolment_with_a_code_in_digits_other_than_ascii_is_refused(api, clock):
    token = verified_user(api, "alice")
    api.call("POST", "/api/account/totp", token)

    answers = [api.call("POST", "/api/account/totp/confirm", token, json={"code": digits})
               for digits in NON_ASCII_DIGITS]

    assert {(a.status_code, a.json["code"]) for a in answers} == {(400, "invalid_input")}


def test_a_ticket_works_once_and_for_five_minutes(api, clock):
    _, secret, _ = enrolled(api, clock)
    ticket = password_step(api)["ticket"]
    assert api.call("POST", "/api/session/totp",
                    json={"ticket": ticket, "code": code(secret, clock)}).status_code == 201
    clock.advance(seconds=STEP)
    used = api.call("POST", "/api/session/totp", json={"ticket": ticket,
                                                        "code": code(secret, clock)})
    assert used.status_code == 400 and used.json["code"] == "invalid_token"

    late = password_step(api)["ticket"]
    clock.advance(minutes=5)
    expired = api.call("POST", "/api/session/totp", json={"ticket": late,
                                                           "code": code(secret, clock)})
    assert expired.status_code == 400 and "expired" in expired.json["detail"]
    for forged in ("", "x" * 86, late[:-2] + "AA"):
        result = api.call("POST", "/api/session/totp", json={"ticket": forged or "?",
                                                              "code": code(secret, clock)})
        assert result.status_code in (400, 401), forged


def test_a_password_change_kills_outstanding_tickets(api, clock):
    token, secret, _ = enrolled(api, clock)
    ticket = password_step(api)["ticket"]
    api.call("POST", "/api/account/password", token,
             json={"current_password": PASSWORD, "new_password": "another long secret"})

    result = api.call("POST", "/api/session/totp", json={"ticket": ticket,
                                                          "code": code(secret, clock)})

    assert result.status_code == 400


def test_recovery_codes_log_in_once_each_and_say_how_many_are_left(api, clock):
    _, _, codes = enrolled(api, clock)

    first = api.call("POST", "/api/session/recovery-code",
                     json={"ticket": password_step(api)["ticket"], "code": codes[0].upper()})
    again = api.call("POST", "/api/session/recovery-code",
                     json={"ticket": password_step(api)["ticket"], "code": codes[0]})
    wrong = api.call("POST", "/api/session/recovery-code",
                     json={"ticket": password_step(api)["ticket"], "code": "0" * 16})

    assert first.status_code == 201 and first.json["recovery_codes_left"] == 7
    assert again.json["code"] == "burned_recovery_code"
    assert "already been used" in again.json["detail"]
    assert wrong.json["code"] == "invalid_recovery_code"
    notices = [m for m in api.mail() if "recovery code was used" in m["Subject"]]
    assert len(notices) == 1 and "7 recovery codes left" in notices[0].get_content()


def test_the_last_recovery_code_says_none_are_left(api, clock):
    _, _, codes = enrolled(api, clock)
    for n, recovery in enumerate(codes):
        clock.advance(minutes=5)  # stay clear of the second-factor limits
        step = password_step(api)
        assert ("recovery-code" in step["methods"]) is True
        result = api.call("POST", "/api/session/recovery-code",
                          json={"ticket": step["ticket"], "code": recovery})
        assert result.json["recovery_codes_left"] == 7 - n

    assert password_step(api)["methods"] == ["totp"]
    assert any("NO recovery codes left" in m.get_content() for m in api.mail())


def test_regenerating_recovery_codes_needs_a_fresh_password_and_voids_the_old_set(api, clock):
    token, _, old = enrolled(api, clock)
    clock.advance(minutes=5)
    stale = api.call("POST", "/api/account/recovery-codes", token)
    assert stale.json["code"] == "reauthentication_required"

    api.sudo(token)
    new = api.call("POST", "/api/account/recovery-codes", token).json["recovery_codes"]

    assert set(new).isdisjoint(old)
    assert api.call("GET", "/api/account/recovery-codes", token).json == {
        "recovery_codes_left": 8}
    refused = api.call("POST", "/api/session/recovery-code",
                       json={"ticket": password_step(api)["ticket"], "code": old[1]})
    assert refused.json["code"] == "invalid_recovery_code"


def test_the_last_method_stays_while_uploads_require_two_factors(api, clock):
    token, _, _ = enrolled(api, clock)

    refused = api.call("DELETE", "/api/account/totp", token)

    assert refused.status_code == 409 and "last two-factor method" in refused.json["detail"]


def test_removing_totp_ends_every_other_session_and_is_announced(wiring, clock):
    wiring.app.uploads_require_2fa = False
    api = Api(wiring)
    token, secret, _ = enrolled(api, clock)
    other = api.call("POST", "/api/session/totp", json={
        "ticket": password_step(api)["ticket"], "code": code(secret, clock)}).json["token"]

    assert api.call("DELETE", "/api/account/totp", token).status_code == 204
    assert api.call("GET", "/api/account", other).status_code == 401
    assert api.call("GET", "/api/account", token).json["two_factor"]["methods"] == []
    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD}
                    ).status_code == 201
    assert any("was removed" in m["Subject"] for m in api.mail())


def test_the_totp_secret_is_never_stored_in_clear(api, clock, settings):
    _, secret, _ = enrolled(api, clock)
    raw = b""
    for notification in api.wiring.app.recorder.select_notifications(1, 1000):
        raw += notification.state
    with api.wiring.db.transaction() as cur:
        for table in ("two_factor_accounts", "two_factor_methods", "outbox", "sessions"):
            raw += str(cur.execute(f"SELECT * FROM {table}").fetchall()).encode()
    if not settings.uses_postgres:
        for path in settings.data_dir.glob("wharf.sqlite3*"):  # the file and its WAL
            raw += path.read_bytes()
    for form in (secret, secret.lower(), b32decode(secret).hex()):
        assert form.encode() not in raw
    assert b32decode(secret) not in raw


def test_recovery_codes_are_never_stored_or_shown_in_clear(api, clock, settings):
    token, _, first_set = enrolled(api, clock)
    used = api.call("POST", "/api/session/recovery-code",
                    json={"ticket": password_step(api)["ticket"], "code": first_set[0]})
    api.sudo(token)
    second_set = api.call("POST", "/api/account/recovery-codes", token).json["recovery_codes"]
    assert used.status_code == 201 and len(second_set) == 8

    raw = b"".join(n.state for n in api.wiring.app.recorder.select_notifications(1, 1000))
    with api.wiring.db.transaction() as cur:
        for table in sorted({table for view in VIEWS for table in view.tables}):
            raw += str(cur.execute(f"SELECT * FROM {table}").fetchall()).encode()
    for path in ("/api/account", "/api/account/events", "/api/account/recovery-codes",
                 "/api/account/events/export?format=jsonl", "/account", "/account/history"):
        shown = api.call("GET", path, token)
        assert shown.status_code == 200, path
        raw += shown.content
    if not settings.uses_postgres:
        for path in settings.data_dir.glob("wharf.sqlite3*"):  # the file and its WAL
            raw += path.read_bytes()
    assert b"recovery_codes" in raw  # the scan did read the two-factor views and events
    for recovery in first_set + second_set:
        for form in (recovery.encode(), recovery.upper().encode(), bytes.fromhex(recovery)):
            assert form not in raw, recovery
