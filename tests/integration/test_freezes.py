"""Freezing an account: log-in, sessions, API tokens and uploads refused on the next request;
unfreezing restores the tokens; the admin API and `wharf admin freeze|unfreeze`."""

import json

import pytest

from tests.integration.conftest import PASSWORD
from tests.integration.test_api_tokens import mint, project
from tests.integration.test_cli import wharf
from tests.integration.test_two_factor import code, enrolled
from tests.integration.test_uploads import upload, wheel

FREEZE, UNFREEZE = "/api/admin/accounts/{}/freeze", "/api/admin/accounts/{}/unfreeze"


@pytest.fixture
def alice(api, clock) -> tuple[str, str, str]:
    """alice, Owner of sampleproject with TOTP: (session, TOTP secret, account-wide token)."""
    session, secret, _ = enrolled(api, clock)
    project(api, session, "sampleproject")
    return session, secret, mint(api, session).json["token"]


def freeze(api, admin: str, username: str = "alice", reason: str = "account takeover"):
    return api.call("POST", FREEZE.format(username), admin, json={"reason": reason})


def unfreeze(api, admin: str, username: str = "alice", reason: str = "owner verified"):
    return api.call("POST", UNFREEZE.format(username), admin, json={"reason": reason})


def test_a_frozen_account_cannot_log_in_use_its_session_token_or_upload(api, admin, alice,
                                                                        clock):
    session, secret, token = alice
    assert freeze(api, admin).status_code == 204

    assert api.call("GET", "/api/account", session).status_code == 401
    login = api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD})
    assert (login.status_code, login.json["code"]) == (403, "account_frozen")
    assert "frozen by the administrators" in login.json["detail"]
    wrong = api.call("POST", "/api/session", json={"username": "alice", "password": "nope" * 4})
    assert wrong.status_code == 401  # a guesser is not told
    refused = upload(api, token, *wheel())
    assert refused.status_code == 403
    assert "frozen by the administrators" in refused.status
    revoking = api.call("DELETE", "/api/token", token)
    assert (revoking.status_code, revoking.json["code"]) == (403, "account_frozen")
    assert api.wiring.api_tokens.active_for_account(api.wiring.accounts.id_by_username(
        "alice")), "frozen, not revoked"


def test_a_log_in_half_done_when_the_freeze_lands_gets_no_session(api, admin, alice, clock):
    _, secret, _ = alice
    ticket = api.call("POST", "/api/session",
                      json={"username": "alice", "password": PASSWORD}).json["ticket"]
    assert freeze(api, admin).status_code == 204

    second = api.call("POST", "/api/session/totp", json={"ticket": ticket,
                                                         "code": code(secret, clock)})
    assert second.status_code in (400, 403) and "token" not in second.json


def test_unfreezing_restores_the_token_and_the_log_in(api, admin, alice, clock):
    _, secret, token = alice
    assert freeze(api, admin).status_code == 204
    assert upload(api, token, *wheel()).status_code == 403

    assert unfreeze(api, admin).status_code == 204

    assert upload(api, token, *wheel()).status_code == 200
    assert api.call("POST", "/api/session", json={"username": "alice",
                                                  "password": PASSWORD}).status_code == 202


def test_a_freeze_is_in_the_log_ends_sessions_and_is_emailed(api, admin, alice):
    assert freeze(api, admin, reason="token leaked in CI logs").status_code == 204
    assert unfreeze(api, admin).status_code == 204

    history = api.call("GET", "/api/admin/events", admin,
                       params={"account": "alice"}).json["events"]
    assert history[0]["name"] == "account:unfreeze"
    assert history[0]["details"]["reason"] == "owner verified"
    frozen = next(entry for entry in history if entry["name"] == "account:freeze")
    assert frozen["details"]["reason"] == "token leaked in CI logs"
    assert frozen["actor"]["username"] == "dave"
    ended = [e for e in history if e["name"] == "account:session:end"]
    assert ended and all(e["details"]["reason"] == "frozen" for e in ended)
    mail = {m["Subject"]: m.get_content() for m in api.mail() if m["To"] == "alice@example.com"}
    assert "token leaked in CI logs" in mail["[Wharf] Your account was frozen by the"
                                             " administrators"]
    assert "owner verified" in mail["[Wharf] Your account was unfrozen by the administrators"]


def test_freezing_asks_for_an_admin_in_the_sudo_window_and_a_sound_request(api, admin, alice,
                                                                          clock):
    session, _, _ = alice
    assert freeze(api, session, "dave").status_code == 403  # alice is no admin
    clock.advance(minutes=31)
    needs_sudo = freeze(api, admin)
    assert (needs_sudo.status_code, needs_sudo.json["code"]) == (403,
                                                                 "reauthentication_required")
    api.sudo(admin)
    assert freeze(api, admin, "nobody").status_code == 404
    assert freeze(api, admin, "dave").status_code == 409  # not oneself
    assert unfreeze(api, admin).status_code == 409  # not frozen
    assert freeze(api, admin).status_code == 204
    assert freeze(api, admin).status_code == 409  # already


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "nul \x00 here", "lone \ud800"])
def test_a_hostile_reason_is_a_clear_400(api, admin, alice, reason):
    result = api.call("POST", FREEZE.format("alice"), admin, body=json.dumps({"reason": reason}),
                      headers={"Content-Type": "application/json"})  # a lone surrogate, escaped
    assert result.status_code == 400, result.text
    assert result.json["code"] in ("invalid_request", "invalid_input", "malformed_json")
    assert api.call("GET", "/api/account", alice[0]).status_code == 200


@pytest.mark.parametrize("username", ["a%00b", "%ED%A0%80", "x" * 300, "..", "al ice"])
def test_a_hostile_username_in_the_path_is_a_clear_4xx(api, admin, username):
    result = api.call("POST", f"/api/admin/accounts/{username}/freeze", admin,
                      json={"reason": "r"})
    assert result.status_code in (400, 404), result.text
    assert result.json["code"] in ("nul_character", "not_found")


def test_wharf_admin_freeze_and_unfreeze(api, settings, alice):
    _, _, token = alice
    frozen = wharf(settings, "admin", "freeze", "alice", "--reason", "incident 42")
    assert frozen.returncode == 0, frozen.stderr
    assert upload(api, token, *wheel()).status_code == 403
    again = wharf(settings, "admin", "freeze", "alice", "--reason", "incident 42")
    assert again.returncode == 1 and "already frozen" in again.stderr
    no_reason = wharf(settings, "admin", "unfreeze", "alice")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    thawed = wharf(settings, "admin", "unfreeze", "alice", "--reason", "resolved")
    assert thawed.returncode == 0, thawed.stderr
    assert upload(api, token, *wheel()).status_code == 200
