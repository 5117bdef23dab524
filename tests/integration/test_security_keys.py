"""Security keys: registration, the second log-in step, clones, and what each refuses."""

import os
from dataclasses import replace

import pytest

from tests.conftest import fast_passwords
from tests.integration.conftest import PASSWORD, Api
from tests.integration.test_two_factor import password_step, verified_user
from tests.soft_authenticator import FLAG, SoftKey
from wharf.bootstrap import bootstrap
from wharf.domain.account import Account
from wharf.domain.two_factor import TwoFactor

ORIGIN = "http://localhost:8000"


def add_key(api, token: str, key: SoftKey, label: str = "Blue key"):
    options = api.call("POST", "/api/account/webauthn/begin", token)
    assert options.status_code == 200, options.json
    return api.call("POST", "/api/account/webauthn/complete", token,
                    json={"label": label, "credential": key.register(options.json)})


def with_key(api, name: str = "alice") -> tuple[str, SoftKey]:
    token = verified_user(api, name)
    key = SoftKey(ORIGIN)
    assert add_key(api, token, key).status_code == 201
    return token, key


def key_login(api, key: SoftKey, name: str = "alice", **answer):
    ticket = password_step(api, name)["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", json={"ticket": ticket})
    assert options.status_code == 200, options.json
    return api.call("POST", "/api/session/webauthn/complete",
                    json={"ticket": ticket, "credential": key.assert_(options.json, **answer)})


def events_of(api, event_class) -> list:
    mapper = api.wiring.app.mapper
    return [e for e in (mapper.to_domain_event(n)
                        for n in api.wiring.app.recorder.select_notifications(1, 10_000))
            if isinstance(e, event_class)]


def test_a_first_key_is_listed_with_its_details_and_comes_with_recovery_codes(api):
    token = verified_user(api, "alice")

    added = add_key(api, token, SoftKey(ORIGIN), "Blue key")

    assert added.status_code == 201 and len(added.json["recovery_codes"]) == 8
    [key] = api.call("GET", "/api/account/webauthn", token).json["security_keys"]
    assert key["id"] == added.json["id"] and key["label"] == "Blue key"
    assert key["aaguid"] == "00000000-0000-0000-0000-000000000000"
    assert key["transports"] == ["usb"] and key["last_used_at"] is None
    methods = api.call("GET", "/api/account", token).json["two_factor"]["methods"]
    assert [(m["method"], m["label"]) for m in methods] == [("webauthn", "Blue key")]
    assert any("two-factor method was added" in m["Subject"] for m in api.mail())


def test_several_keys_each_need_their_own_label(api):
    token, _ = with_key(api)

    second = add_key(api, token, SoftKey(ORIGIN), "Green key")
    same_label = add_key(api, token, SoftKey(ORIGIN), "blue KEY")
    no_label = add_key(api, token, SoftKey(ORIGIN), "")
    long_label = add_key(api, token, SoftKey(ORIGIN), "x" * 65)

    assert second.status_code == 201 and second.json["recovery_codes"] == []
    assert same_label.status_code == 409 and "labelled" in same_label.json["detail"]
    assert no_label.status_code == 400 and long_label.status_code == 400
    assert len(api.call("GET", "/api/account/webauthn", token).json["security_keys"]) == 2


def test_a_label_sent_to_begin_is_checked_before_any_challenge_is_made(api):
    token, _ = with_key(api)
    challenges = len(events_of(api, TwoFactor.SecurityKeyChallengeIssued))
    begin = "/api/account/webauthn/begin"

    taken = api.call("POST", begin, token, json={"label": " blue KEY "})
    blank = api.call("POST", begin, token, json={"label": "   "})
    long_label = api.call("POST", begin, token, json={"label": "x" * 65})
    unknown = api.call("POST", begin, token, json={"label": "Green", "colour": "green"})

    assert taken.status_code == 409 and "labelled" in taken.json["detail"]
    assert blank.status_code == 400 and long_label.status_code == 400
    assert unknown.status_code == 400
    assert len(events_of(api, TwoFactor.SecurityKeyChallengeIssued)) == challenges
    free = api.call("POST", begin, token, json={"label": "Green key"})
    assert free.status_code == 200 and free.json["publicKey"]["challenge"]
    assert api.call("POST", begin, token).status_code == 200  # the label stays optional


def test_a_key_label_with_a_control_or_invisible_character_is_refused(api):
    token, _ = with_key(api)
    key_id = api.call("GET", "/api/account/webauthn", token).json["security_keys"][0]["id"]

    added = add_key(api, token, SoftKey(ORIGIN), "\x1fBlue key")
    renamed = api.call("PATCH", f"/api/account/webauthn/{key_id}", token,
                       json={"label": "Blue\u2028key"})

    for refused in (added, renamed):
        assert refused.status_code == 400, refused.json
        assert "must not contain control characters" in refused.json["detail"]
    assert [k["label"] for k in api.call("GET", "/api/account/webauthn", token).json[
        "security_keys"]] == ["Blue key"]


def test_registering_needs_a_verified_email_and_the_sudo_window(api):
    unverified = api.user("bob")
    assert api.call("POST", "/api/account/webauthn/begin", unverified).status_code == 403

    api.register("carol")
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("carol@example.com")})
    no_sudo = api.log_in("carol")
    assert api.call("POST", "/api/account/webauthn/begin", no_sudo).json["code"] == \
        "reauthentication_required"


def test_a_key_registered_by_one_account_cannot_be_registered_by_another(api):
    _, key = with_key(api, "alice")
    mallory = verified_user(api, "mallory")

    taken = add_key(api, mallory, key)

    assert taken.status_code == 409 and "another account" in taken.json["detail"]
    assert api.call("GET", "/api/account/webauthn", mallory).json["security_keys"] == []


def test_a_registration_answer_for_another_origin_or_challenge_is_refused(api):
    token = verified_user(api, "alice")
    key = SoftKey(ORIGIN)

    for answer in ({"origin": "http://evil.example"}, {"challenge": "A" * 43}):
        options = api.call("POST", "/api/account/webauthn/begin", token).json
        refused = api.call("POST", "/api/account/webauthn/complete", token,
                           json={"label": "k", "credential": key.register(options, **answer)})
        assert refused.status_code == 400, refused.json
    malformed = api.call("POST", "/api/account/webauthn/complete", token,
                         json={"label": "k", "credential": {"id": "x"}})
    assert malformed.status_code == 400


def test_a_registration_challenge_works_once(api):
    token = verified_user(api, "alice")
    options = api.call("POST", "/api/account/webauthn/begin", token).json
    first, second = SoftKey(ORIGIN), SoftKey(ORIGIN)

    assert api.call("POST", "/api/account/webauthn/complete", token, json={
        "label": "one", "credential": first.register(options)}).status_code == 201
    again = api.call("POST", "/api/account/webauthn/complete", token, json={
        "label": "two", "credential": second.register(options)})

    assert again.status_code == 400 and "start again" in again.json["detail"]


def test_a_key_that_claims_a_backup_it_cannot_have_is_refused(api):
    token = verified_user(api, "alice")

    refused = add_key(api, token, SoftKey(ORIGIN, flags=FLAG.UP | FLAG.BS))

    assert refused.status_code == 400 and "backup" in refused.json["detail"]


def test_a_key_that_does_not_say_its_user_was_present_is_refused(api):
    token = verified_user(api, "alice")

    absent = add_key(api, token, SoftKey(ORIGIN, flags=0))

    assert absent.status_code == 400 and "user present" in absent.json["detail"].lower()
    assert api.call("GET", "/api/account/webauthn", token).json["security_keys"] == []


def test_a_log_in_answer_without_the_user_present_flag_is_refused(api):
    _, key = with_key(api)
    key.flags = 0

    refused = key_login(api, key)

    assert refused.status_code == 401 and refused.json["code"] == "invalid_security_key"
    assert "user present" in refused.json["detail"].lower()
    key.flags = FLAG.UP
    assert key_login(api, key).status_code == 201


def test_a_credential_id_may_be_1023_bytes_and_no_longer(api):
    token = verified_user(api, "alice")

    longest = add_key(api, token, SoftKey(ORIGIN, credential_id=os.urandom(1023)), "Longest")
    too_long = add_key(api, token, SoftKey(ORIGIN, credential_id=os.urandom(1024)), "Too long")

    assert longest.status_code == 201, longest.json
    assert too_long.status_code == 400
    assert too_long.json["detail"] == "the credential id is longer than 1023 bytes"
    assert [k["label"] for k in api.call("GET", "/api/account/webauthn", token).json[
        "security_keys"]] == ["Longest"]


def test_a_refused_registration_spends_its_challenge(api):
    token = verified_user(api, "alice")
    key = SoftKey(ORIGIN)
    options = api.call("POST", "/api/account/webauthn/begin", token).json
    refused = api.call("POST", "/api/account/webauthn/complete", token, json={
        "label": "k", "credential": key.register(options, origin="http://evil.example")})

    genuine = api.call("POST", "/api/account/webauthn/complete", token,
                       json={"label": "k", "credential": key.register(options)})

    assert refused.status_code == 400 and genuine.status_code == 400, genuine.json
    assert genuine.json["detail"] == "no security key request is waiting: start again"
    [spent] = events_of(api, TwoFactor.SecurityKeyRefused)
    assert spent.reason == "registration_refused"
    assert add_key(api, token, key).status_code == 201  # a new ceremony works


def test_a_refused_log_in_answer_spends_its_challenge(api):
    _, key = with_key(api)
    ticket = password_step(api)["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", json={"ticket": ticket}).json
    refused = api.call("POST", "/api/session/webauthn/complete", json={
        "ticket": ticket, "credential": key.assert_(options, origin="http://evil.example")})

    genuine = api.call("POST", "/api/session/webauthn/complete",
                       json={"ticket": ticket, "credential": key.assert_(options)})

    assert refused.status_code == 401 and refused.json["code"] == "invalid_security_key"
    assert genuine.status_code == 400, genuine.json
    assert genuine.json["detail"] == "no security key request is waiting: start again"
    assert key_login(api, key).status_code == 201  # a new ceremony works


def test_a_key_completes_the_log_in_and_is_recorded(api):
    _, key = with_key(api)

    assert "webauthn" in password_step(api)["methods"]
    session = key_login(api, key)

    assert session.status_code == 201, session.json
    [logged_in] = events_of(api, Account.LoggedIn)[-1:]
    assert logged_in.two_factor_method == "webauthn" and logged_in.two_factor_label == "Blue key"
    [listed] = api.call("GET", "/api/account/webauthn", session.json["token"]).json[
        "security_keys"]
    assert listed["last_used_at"] is not None


def test_a_log_in_challenge_cannot_be_replayed(api):
    _, key = with_key(api)
    ticket = password_step(api)["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", json={"ticket": ticket}).json
    answer = key.assert_(options)
    assert api.call("POST", "/api/session/webauthn/complete",
                    json={"ticket": ticket, "credential": answer}).status_code == 201

    fresh = password_step(api)["ticket"]
    api.call("POST", "/api/session/webauthn/begin", json={"ticket": fresh})
    replayed = api.call("POST", "/api/session/webauthn/complete",
                        json={"ticket": fresh, "credential": answer})

    assert replayed.status_code == 401 and replayed.json["code"] == "invalid_security_key"


def test_a_challenge_expires_after_five_minutes(api, clock):
    # A registration, whose sudo window (30 minutes) outlives the challenge: at log-in the
    # ticket (5 minutes, older than the challenge) always expires first.
    token = verified_user(api, "alice")
    options = api.call("POST", "/api/account/webauthn/begin", token).json
    clock.advance(minutes=5, seconds=1)

    late = api.call("POST", "/api/account/webauthn/complete", token,
                    json={"label": "Late key", "credential": SoftKey(ORIGIN).register(options)})

    assert late.status_code == 400, late.json
    assert late.json["detail"] == "the security key request expired: start again"
    assert api.call("GET", "/api/account/webauthn", token).json["security_keys"] == []


def test_a_challenge_is_good_until_its_five_minutes_are_up(api, clock):
    token = verified_user(api, "alice")
    options = api.call("POST", "/api/account/webauthn/begin", token).json
    clock.advance(minutes=4, seconds=59)

    in_time = api.call("POST", "/api/account/webauthn/complete", token,
                       json={"label": "Key", "credential": SoftKey(ORIGIN).register(options)})

    assert in_time.status_code == 201, in_time.json


def test_a_key_log_in_ends_with_its_tickets_five_minutes(api, clock):
    _, key = with_key(api)
    ticket = password_step(api)["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", json={"ticket": ticket}).json
    clock.advance(minutes=5, seconds=1)

    late = api.call("POST", "/api/session/webauthn/complete",
                    json={"ticket": ticket, "credential": key.assert_(options)})

    assert late.status_code == 400 and "log-in ticket has expired" in late.json["detail"]


def test_an_assertion_for_one_account_cannot_log_in_another(api):
    _, alice_key = with_key(api, "alice")
    _, bob_key = with_key(api, "bob")
    bob_ticket = password_step(api, "bob")["ticket"]
    options = api.call("POST", "/api/session/webauthn/begin", json={"ticket": bob_ticket}).json

    refused = api.call("POST", "/api/session/webauthn/complete",
                       json={"ticket": bob_ticket, "credential": alice_key.assert_(options)})

    assert refused.status_code == 401 and refused.json["code"] == "invalid_security_key"
    assert key_login(api, bob_key, "bob").status_code == 201


def test_a_cloned_key_with_a_lower_counter_is_refused_recorded_and_announced(api):
    _, key = with_key(api)
    assert key_login(api, key, step=5).status_code == 201
    clone = key.clone(sign_count=2)

    refused = key_login(api, clone)

    assert refused.status_code == 401 and refused.json["code"] == "possible_clone"
    [detected] = events_of(api, TwoFactor.PossibleCloneDetected)
    assert (detected.label, detected.stored_sign_count, detected.presented_sign_count) == \
        ("Blue key", 5, 3)
    assert events_of(api, Account.LoginFailed)[-1].reason == "possible_clone"
    assert any("possibly cloned" in m["Subject"] for m in api.mail())


def history(api, token: str, name: str) -> list[dict]:
    answer = api.call("GET", "/api/account/events", token, params={"name": name})
    assert answer.status_code == 200, answer.json
    return answer.json["events"]


def test_refused_and_cloned_keys_are_entries_in_the_owners_history(api):
    token, key = with_key(api)
    options = api.call("POST", "/api/account/webauthn/begin", token).json
    api.call("POST", "/api/account/webauthn/complete", token, json={
        "label": "k", "credential": SoftKey(ORIGIN).register(options,
                                                             origin="http://evil.example")})
    assert key_login(api, key, origin="http://evil.example").status_code == 401
    assert key_login(api, key, step=5).status_code == 201
    stored = key.sign_count
    assert key_login(api, key.clone(sign_count=2)).status_code == 401

    refused = history(api, token, "account:two_factor:security_key_refused")
    [clone] = history(api, token, "account:two_factor:possible_clone")

    assert [(e["details"]["ceremony"], e["details"]["reason"]) for e in refused] == [
        ("login", "invalid_security_key"), ("register", "registration_refused")]
    assert all(e["details"]["method"] == "webauthn" and e["account"]["username"] == "alice"
               for e in [*refused, clone])
    assert (clone["details"]["label"], clone["details"]["stored_sign_count"],
            clone["details"]["presented_sign_count"]) == ("Blue key", stored, 3)
    shown = str([*refused, clone])
    assert options["publicKey"]["challenge"] not in shown and "credential_data" not in shown


def test_a_counter_that_stays_at_zero_is_allowed(api):
    _, key = with_key(api)

    assert key_login(api, key, step=0).status_code == 201
    assert key_login(api, key, step=0).status_code == 201


def test_a_key_whose_backup_eligibility_changes_is_refused(api):
    _, key = with_key(api)
    key.flags = FLAG.UP | FLAG.BE

    refused = key_login(api, key)

    assert refused.status_code == 401 and refused.json["code"] == "backup_eligibility_changed"


def test_a_renamed_key_keeps_working_under_its_new_label(api):
    token, key = with_key(api)
    key_id = api.call("GET", "/api/account/webauthn", token).json["security_keys"][0]["id"]

    assert api.call("PATCH", f"/api/account/webauthn/{key_id}", token,
                    json={"label": "Keyring"}).status_code == 204
    assert api.call("PATCH", "/api/account/webauthn/not-a-key", token,
                    json={"label": "x"}).status_code == 404

    assert key_login(api, key).status_code == 201
    assert events_of(api, Account.LoggedIn)[-1].two_factor_label == "Keyring"


def test_removing_a_key_needs_sudo_keeps_the_last_method_and_frees_the_credential(wiring):
    api = Api(wiring)
    token, key = with_key(api)
    first_id = api.call("GET", "/api/account/webauthn", token).json["security_keys"][0]["id"]
    assert api.call("DELETE", f"/api/account/webauthn/{first_id}", token).status_code == 409
    add_key(api, token, SoftKey(ORIGIN), "Spare")
    other = key_login(api, key).json["token"]

    assert api.call("DELETE", f"/api/account/webauthn/{first_id}", token).status_code == 204

    assert api.call("GET", "/api/account", other).status_code == 401
    assert [k["label"] for k in api.call("GET", "/api/account/webauthn", token).json[
        "security_keys"]] == ["Spare"]
    assert any("was removed" in m["Subject"] for m in api.mail())
    assert add_key(api, verified_user(api, "bob"), key).status_code == 201


def test_user_verification_can_be_required(wiring, settings, clock):
    strict = replace(settings, webauthn_user_verification="required")
    strict_wiring = bootstrap(strict, clock, passwords=fast_passwords())
    try:
        api = Api(strict_wiring)
        token = verified_user(api, "alice")
        without_uv = add_key(api, token, SoftKey(ORIGIN))
        with_uv = add_key(api, token, SoftKey(ORIGIN, flags=FLAG.UP | FLAG.UV), "UV key")
    finally:
        strict_wiring.close()

    assert without_uv.status_code == 400 and "verif" in without_uv.json["detail"].lower()
    assert with_uv.status_code == 201


@pytest.mark.parametrize("path", ["/api/session/webauthn/begin",
                                  "/api/session/webauthn/complete"])
def test_key_log_in_needs_a_valid_ticket(api, path):
    body = {"ticket": "not-a-ticket"}
    if path.endswith("complete"):
        body["credential"] = {}

    refused = api.call("POST", path, json=body)

    assert refused.status_code == 401, refused.json
    assert PASSWORD not in str(refused.json)


def test_the_account_page_lists_keys_and_the_log_in_page_offers_one(api):
    token, _ = with_key(api)

    page = api.call("GET", "/account", token).text
    second_step = api.call("POST", "/login", headers={"Origin": ORIGIN}, body=(
        f"username=alice&password={PASSWORD.replace(' ', '+')}"),
        content_type="application/x-www-form-urlencoded").text

    assert "Blue key" in page and 'data-webauthn-action="remove"' in page
    assert "needs JavaScript" in page and '<script src="/static/webauthn.js"' in page
    assert 'data-webauthn-action="login"' in second_step


def test_registration_options_name_the_user_as_browsers_require(api):
    token = verified_user(api, "alice")

    options = api.call("POST", "/api/account/webauthn/begin", token).json["publicKey"]

    assert options["user"]["name"] == options["user"]["displayName"] == "alice"
    assert options["rp"] == {"id": "localhost", "name": "Wharf"}
    assert options["authenticatorSelection"]["userVerification"] == "discouraged"
