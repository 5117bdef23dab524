"""Passkeys: a security key registered as a discoverable credential with user verification signs
in by itself (no password, no username); the counter and clone rules of keys apply; a key
without user verification, a plain security key, a replayed or forged request are refused."""

import json
from uuid import UUID

import pytest

from tests.integration.test_security_keys import ORIGIN, add_key, events_of
from tests.integration.test_two_factor import verified_user
from tests.soft_authenticator import FLAG, SoftKey
from wharf.domain.account import Account
from wharf.domain.origin import cli_origin

VERIFIED = FLAG.UP | FLAG.UV


def add_passkey(api, token: str, key: SoftKey, label: str = "Laptop passkey", **extensions):
    options = api.call("POST", "/api/account/webauthn/begin", token,
                       json={"label": label, "passkey": True})
    assert options.status_code == 200, options.json
    credential = key.register(options.json)
    credential["clientExtensionResults"] = extensions
    return api.call("POST", "/api/account/webauthn/complete", token,
                    json={"label": label, "credential": credential, "passkey": True}), options


def with_passkey(api, name: str = "alice") -> tuple[str, SoftKey, UUID]:
    token = verified_user(api, name)
    key = SoftKey(ORIGIN, flags=VERIFIED)
    added, _ = add_passkey(api, token, key, credProps={"rk": True})
    assert added.status_code == 201, added.json
    return token, key, UUID(api.wiring.accounts.id_by_username(name))


def begin(api, **kwargs):
    started = api.call("POST", "/api/session/passkey/begin", **kwargs)
    assert started.status_code == 200, started.json
    return started.json


def passkey_login(api, key: SoftKey, account_id: UUID | None, started: dict | None = None,
                  **answer):
    started = started or begin(api)
    credential = key.assert_(started, user_handle=account_id.bytes if account_id else None,
                             **answer)
    return api.call("POST", "/api/session/passkey/complete",
                    json={"ceremony": started["ceremony"], "credential": credential})


def test_a_passkey_is_registered_with_user_verification_and_a_resident_key(api):
    token = verified_user(api, "alice")

    added, options = add_passkey(api, token, SoftKey(ORIGIN, flags=VERIFIED),
                                 credProps={"rk": True})

    selection = options.json["publicKey"]["authenticatorSelection"]
    assert selection["residentKey"] == "required" and selection["userVerification"] == "required"
    assert added.status_code == 201
    [listed] = api.call("GET", "/api/account/webauthn", token).json["security_keys"]
    assert listed["passkey"] is True and listed["label"] == "Laptop passkey"


def test_a_passkey_signs_in_with_no_password_and_no_username(api):
    _, key, account_id = with_passkey(api)
    started = begin(api)
    assert "allowCredentials" not in started["publicKey"] or \
        started["publicKey"]["allowCredentials"] == []
    assert started["publicKey"]["userVerification"] == "required"

    session = passkey_login(api, key, account_id, started)

    assert session.status_code == 201, session.json
    me = api.call("GET", "/api/session", session.json["token"]).json
    assert me["username"] == "alice"
    [logged_in] = events_of(api, Account.LoggedIn)[-1:]
    assert logged_in.two_factor_method == "webauthn"
    assert logged_in.two_factor_label == "Laptop passkey"


def test_a_request_works_once(api):
    _, key, account_id = with_passkey(api)
    started = begin(api)

    assert passkey_login(api, key, account_id, started).status_code == 201
    again = passkey_login(api, key, account_id, started)

    assert again.status_code == 400 and "used already" in again.json["detail"]


def test_an_answer_without_user_verification_is_refused_and_recorded(api):
    _, key, account_id = with_passkey(api)
    key.flags = FLAG.UP

    refused = passkey_login(api, key, account_id)

    assert refused.status_code == 401, refused.json
    assert events_of(api, Account.LoginFailed)[-1].reason == "invalid_security_key"


def test_a_key_that_cannot_verify_its_user_is_not_registered_as_a_passkey(api):
    token = verified_user(api, "alice")

    refused, _ = add_passkey(api, token, SoftKey(ORIGIN, flags=FLAG.UP))

    assert refused.status_code == 400
    assert api.call("GET", "/api/account/webauthn", token).json["security_keys"] == []


def test_a_key_that_says_its_credential_is_not_discoverable_is_no_passkey(api):
    token = verified_user(api, "alice")

    refused, _ = add_passkey(api, token, SoftKey(ORIGIN, flags=VERIFIED), credProps={"rk": False})

    assert refused.status_code == 400 and "cannot be a passkey" in refused.json["detail"]


def test_a_plain_security_key_cannot_sign_in_by_itself(api):
    token = verified_user(api, "alice")
    key = SoftKey(ORIGIN, flags=VERIFIED)
    assert add_key(api, token, key).status_code == 201
    account_id = UUID(api.wiring.accounts.id_by_username("alice"))

    refused = passkey_login(api, key, account_id)

    assert refused.status_code == 400 and "not registered here" in refused.json["detail"]


def test_a_cloned_passkey_with_a_lower_counter_is_refused(api):
    _, key, account_id = with_passkey(api)
    copy = key.clone(sign_count=key.sign_count)
    assert passkey_login(api, key, account_id, step=5).status_code == 201

    refused = passkey_login(api, copy, account_id)

    assert refused.status_code == 401 and "cloned" in refused.json["detail"]


def test_an_answer_naming_another_account_is_refused(api):
    _, key, _ = with_passkey(api)
    verified_user(api, "bob")
    bob = UUID(api.wiring.accounts.id_by_username("bob"))

    refused = passkey_login(api, key, bob)

    assert refused.status_code == 400


@pytest.mark.parametrize("ceremony", ["", "x" * 201, "not-a-ceremony", "\x00", "\ud800",
                                      "A" * 96])
def test_a_forged_or_broken_request_is_refused_and_the_next_log_in_works(api, ceremony):
    _, key, account_id = with_passkey(api)
    started = begin(api)
    body = {"ceremony": ceremony, "credential": key.assert_(started,
                                                           user_handle=account_id.bytes)}

    refused = api.call("POST", "/api/session/passkey/complete", body=json.dumps(body),
                       headers={"Content-Type": "application/json"})

    assert refused.status_code == 400
    assert passkey_login(api, key, account_id).status_code == 201


def test_an_expired_request_is_refused(api, clock):
    _, key, account_id = with_passkey(api)
    started = begin(api)
    clock.advance(minutes=5)

    refused = passkey_login(api, key, account_id, started)

    assert refused.status_code == 400 and "expired" in refused.json["detail"]


@pytest.mark.parametrize("credential", [{}, {"id": "x"}, {"id": "A" * 2000, "rawId": "A" * 2000,
                                                          "type": "public-key", "response": {}}])
def test_a_malformed_answer_is_refused(api, credential):
    started = begin(api)

    refused = api.call("POST", "/api/session/passkey/complete",
                       json={"ceremony": started["ceremony"], "credential": credential})

    assert refused.status_code == 400


def test_a_frozen_account_is_told_only_after_its_passkey_answered(api, clock):
    _, key, account_id = with_passkey(api)
    api.wiring.app.freeze_account(cli_origin(clock()), "alice", "incident")

    refused = passkey_login(api, key, account_id)

    assert refused.status_code == 403 and refused.json["code"] == "account_frozen"


def test_a_passkey_log_in_opens_a_session_from_a_new_address_at_once(api):
    _, key, account_id = with_passkey(api)
    started = api.call("POST", "/api/session/passkey/begin", remote_addr="203.0.113.99").json
    credential = key.assert_(started, user_handle=account_id.bytes)

    session = api.call("POST", "/api/session/passkey/complete", remote_addr="203.0.113.99",
                       json={"ceremony": started["ceremony"], "credential": credential})

    assert session.status_code == 201, session.json  # phishing-resistant: never held
