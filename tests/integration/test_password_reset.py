"""Forgotten passwords: the emailed link, what kills it, the limits, and what a reset does."""

import pytest

from tests.integration.conftest import PASSWORD
from wharf.http.resources.password_reset import REQUESTED

NEW = "a brand new passphrase here"


def ask(api, name: str, ip: str = "192.0.2.10"):
    return api.call("POST", "/api/password-reset", json={"username_or_email": name},
                    remote_addr=ip)


def reset_link_token(api, address: str) -> str:
    bodies = [m.get_content() for m in api.mail()
              if m["To"] == address and m["Subject"].endswith("Reset your password")]
    assert len(bodies) == 1, f"not one reset email to {address}"
    return bodies[0].split("password-reset?token=")[1].split()[0]


def complete(api, token: str, password: str = NEW, **extra):
    return api.call("POST", "/api/password-reset/complete",
                    json={"token": token, "new_password": password, **extra})


def verified(api, username: str) -> None:
    api.register(username)
    token = api.verification_token(f"{username}@example.com")
    assert api.call("POST", "/api/account/emails/verify", json={"token": token}).status_code == 204


def test_a_reset_by_the_emailed_link_sets_the_password_and_ends_every_session(api):
    verified(api, "alice")
    session = api.log_in("alice")
    assert ask(api, "alice").status_code == 202
    token = reset_link_token(api, "alice@example.com")

    done = complete(api, token)

    assert done.status_code == 200, done.json
    assert api.call("GET", "/api/session", session).status_code == 401
    assert api.call("POST", "/api/session",
                    json={"username": "alice", "password": PASSWORD}).status_code == 401
    api.log_in("alice", NEW)
    subjects = [m["Subject"] for m in api.mail() if m["To"] == "alice@example.com"]
    assert "[Wharf] Your password was reset" in subjects


def test_a_reset_can_be_asked_for_by_email_address_whatever_its_case(api):
    verified(api, "alice")

    assert ask(api, "Alice@Example.COM").status_code == 202

    assert complete(api, reset_link_token(api, "alice@example.com")).status_code == 200


def test_known_and_unknown_names_get_the_same_answer(api):
    verified(api, "alice")

    answers = [ask(api, name) for name in ("alice", "nobody", "alice@example.com",
                                           "nobody@example.com")]

    assert {a.status_code for a in answers} == {202}
    assert all(a.json == {"detail": REQUESTED} for a in answers)
    assert all(a.headers.get("content-length") == answers[0].headers.get("content-length")
               for a in answers)


def test_an_unverified_address_is_told_to_verify_first_and_gets_no_link(api):
    api.register("alice")

    assert ask(api, "alice").status_code == 202

    [message] = [m for m in api.mail() if "Password reset" in m["Subject"]]
    assert message["To"] == "alice@example.com"
    assert "verify" in message.get_content()
    assert "token=" not in message.get_content()


@pytest.mark.parametrize("spoiler", ["log_in", "change_password"])
def test_a_link_dies_when_the_account_logs_in_or_changes_its_password(api, spoiler):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    session = api.log_in("alice")
    if spoiler == "change_password":
        assert api.call("POST", "/api/account/password", session, json={
            "current_password": PASSWORD, "new_password": "another good passphrase"}
        ).status_code == 204

    refused = complete(api, token)

    assert refused.status_code == 400
    assert refused.json["code"] == "invalid_token"


def test_a_link_works_once(api):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    assert complete(api, token).status_code == 200

    again = complete(api, token, "yet another passphrase")

    assert again.status_code == 400
    assert again.json["code"] == "invalid_token"


def test_a_link_expires_after_six_hours(api, clock):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    clock.advance(hours=6)

    expired = complete(api, token)

    assert expired.status_code == 400
    assert "expired" in expired.json["detail"]


def test_a_link_just_under_six_hours_old_still_works(api, clock):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    clock.advance(hours=5, minutes=59)

    assert complete(api, token).status_code == 200


@pytest.mark.parametrize("token", ["", "x" * 201, "not-a-token", "A" * 75])
def test_malformed_or_forged_tokens_are_refused(api, token):
    verified(api, "alice")

    assert complete(api, token).status_code == 400


def test_a_forged_link_for_a_real_account_is_refused(api):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    assert complete(api, forged).json["code"] == "invalid_token"


def test_the_new_password_must_meet_the_policy_and_the_link_survives_a_refusal(api):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")

    weak = complete(api, token, "password")

    assert weak.status_code == 400
    assert weak.json["code"] == "weak_password"
    assert complete(api, token).status_code == 200


def test_five_requests_a_day_per_account_then_nothing_is_sent_and_the_answer_is_the_same(
        api, clock):
    verified(api, "alice")
    for name in ("alice", "alice@example.com", "alice", "nobody", "nobody", "nobody"):
        for i in range(3):
            assert ask(api, name, ip=f"198.51.100.{i}").json == {"detail": REQUESTED}

    over = [ask(api, name, ip="198.51.100.99") for name in ("alice", "nobody")]

    assert {(a.status_code, a.text) for a in over} == {(202, over[0].text)}
    resets = [m for m in api.mail() if m["Subject"].endswith("Reset your password")]
    assert len(resets) == 5
    clock.advance(days=1)
    ask(api, "alice", ip="198.51.100.99")
    assert len([m for m in api.mail() if m["Subject"].endswith("Reset your password")]) == 6


def test_twenty_requests_an_hour_per_client_address(api, clock):
    for i in range(20):
        assert ask(api, f"name{i}", ip="203.0.113.7").status_code == 202

    assert ask(api, "another", ip="203.0.113.7").status_code == 429
    assert ask(api, "another", ip="203.0.113.8").status_code == 202
    clock.advance(hours=1)
    assert ask(api, "another", ip="203.0.113.7").status_code == 202


def test_when_the_counts_cannot_be_read_the_answer_is_503(api):
    class Broken:
        def by_ip(self, *args):
            raise OSError("the store is down")

    api.wiring.app.client_actions = Broken()

    refused = ask(api, "alice")

    assert refused.status_code == 503


def test_a_reset_clears_password_failures(api):
    verified(api, "alice")
    for _ in range(10):
        api.call("POST", "/api/session", json={"username": "alice", "password": "wrong one"},
                 remote_addr="198.51.100.1")
    assert api.call("POST", "/api/session", json={"username": "alice", "password": PASSWORD},
                    remote_addr="198.51.100.2").status_code == 429
    ask(api, "alice")

    assert complete(api, reset_link_token(api, "alice@example.com")).status_code == 200

    assert api.call("POST", "/api/session", json={"username": "alice", "password": NEW},
                    remote_addr="198.51.100.2").status_code == 201


def test_a_reset_can_revoke_every_api_token(api):
    verified(api, "alice")
    session = api.log_in("alice")
    api.sudo(session)
    for description in ("ci", "laptop"):
        assert api.call("POST", "/api/account/tokens", session,
                        json={"description": description}).status_code == 201
    ask(api, "alice")

    done = complete(api, reset_link_token(api, "alice@example.com"), revoke_api_tokens=True)

    assert done.status_code == 200
    session = api.log_in("alice", NEW)
    assert api.call("GET", "/api/account/tokens", session).json["tokens"] == []
    body = [m.get_content() for m in api.mail() if "was reset" in m["Subject"]][-1]
    assert "2 API tokens were revoked" in body


def test_api_tokens_survive_a_reset_unless_asked(api):
    verified(api, "alice")
    session = api.log_in("alice")
    api.sudo(session)
    api.call("POST", "/api/account/tokens", session, json={"description": "ci"})
    ask(api, "alice")

    complete(api, reset_link_token(api, "alice@example.com"))

    session = api.log_in("alice", NEW)
    assert len(api.call("GET", "/api/account/tokens", session).json["tokens"]) == 1


def test_the_history_names_the_request_and_the_reset_and_never_the_token(api):
    verified(api, "alice")
    ask(api, "alice")
    token = reset_link_token(api, "alice@example.com")
    complete(api, token)
    session = api.log_in("alice", NEW)

    history = api.call("GET", "/api/account/events", session)

    names = [e["name"] for e in history.json["events"]]
    assert "account:password:reset:request" in names
    assert "account:password:reset" in names
    assert token not in history.text


def test_a_reset_does_not_skip_the_second_factor(api, clock):
    from tests.integration.test_two_factor import enrolled

    enrolled(api, clock)
    ask(api, "alice")
    assert complete(api, reset_link_token(api, "alice@example.com")).status_code == 200

    step = api.call("POST", "/api/session", json={"username": "alice", "password": NEW})

    assert step.status_code == 202
    assert "totp" in step.json["methods"]


def _forged(account_id: str, micros: int) -> str:
    import base64
    from uuid import UUID

    raw = UUID(account_id).bytes + micros.to_bytes(8, "big", signed=True) + b"\0" * 32
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("micros", [2**63 - 1, -(2**63), 0])
def test_a_token_claiming_an_impossible_time_is_refused_with_a_400(api, micros):
    account_id = api.register("alice")

    refused = complete(api, _forged(account_id, micros))

    assert refused.status_code == 400
    assert refused.json["code"] == "invalid_token"


@pytest.mark.parametrize("body", [
    {"username_or_email": "ali\x00ce"},
    {"username_or_email": "x" * 255}, {"username_or_email": ""}, {"username_or_email": 7},
    {"username_or_email": "a@b@c"}, {}, {"username_or_email": "alice", "extra": 1},
])
def test_hostile_requests_are_clear_400s(api, body):
    refused = api.call("POST", "/api/password-reset", json=body)

    assert refused.status_code == 400


def test_a_lone_surrogate_is_a_clear_400(api):
    refused = api.call("POST", "/api/password-reset", body='{"username_or_email": "a\\ud800"}',
                       headers={"Content-Type": "application/json"})

    assert refused.status_code == 400


def test_revoking_tokens_must_be_a_boolean(api):
    refused = api.call("POST", "/api/password-reset/complete", json={
        "token": "x", "new_password": NEW, "revoke_api_tokens": "sometimes"})

    assert refused.status_code == 400


def test_by_username_the_link_goes_to_a_verified_address_when_the_primary_is_not(api):
    api.register("alice")
    session = api.log_in("alice")
    api.sudo(session)
    api.call("POST", "/api/account/emails", session, json={"email": "work@example.com"})
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("work@example.com")})

    ask(api, "alice")

    assert complete(api, reset_link_token(api, "work@example.com")).status_code == 200
