"""Registering, verifying and managing email addresses."""

from tests.integration.conftest import PASSWORD


def test_registered_account_gets_a_verification_email_and_can_verify(api):
    api.register("Alice")
    token = api.verification_token("alice@example.com")

    assert api.call("POST", "/api/account/emails/verify", json={"token": token}).status_code == 204

    session = api.log_in("alice")
    emails = api.call("GET", "/api/account", session).json["emails"]
    assert emails == [{"email": "alice@example.com", "verified": True, "primary": True,
                       "added_at": emails[0]["added_at"]}]


def test_a_verification_link_works_once(api):
    api.register("alice")
    token = api.verification_token("alice@example.com")
    api.call("POST", "/api/account/emails/verify", json={"token": token})

    again = api.call("POST", "/api/account/emails/verify", json={"token": token})

    assert again.status_code == 400
    assert again.json["code"] == "invalid_token"


def test_a_verification_link_expires(api, clock):
    api.register("alice")
    token = api.verification_token("alice@example.com")
    clock.advance(hours=24)

    expired = api.call("POST", "/api/account/emails/verify", json={"token": token})

    assert expired.status_code == 400
    assert "expired" in expired.json["detail"]


def test_a_forged_verification_token_is_refused(api):
    api.register("alice")
    token = api.verification_token("alice@example.com")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    result = api.call("POST", "/api/account/emails/verify", json={"token": forged})

    assert result.status_code == 400


def test_usernames_are_unique_whatever_their_case(api):
    api.register("Alice")

    result = api.call("POST", "/api/accounts", json={
        "username": "aLiCe", "password": PASSWORD, "email": "other@example.com"})

    assert result.status_code == 409
    assert result.json["code"] == "username_taken"


def test_verified_emails_are_unique_across_accounts_whatever_their_case(api):
    api.register("alice", "alice@example.com")
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("alice@example.com")})

    result = api.call("POST", "/api/accounts", json={
        "username": "bob", "password": PASSWORD, "email": "ALICE@example.com"})
    added = api.call("POST", "/api/account/emails", api.user("carol"),
                     json={"email": "Alice@Example.com"})

    assert (result.status_code, result.json["code"]) == (409, "email_taken")
    assert (added.status_code, added.json["code"]) == (409, "email_taken")


def test_an_address_someone_added_and_never_verified_does_not_block_its_owner(api):
    squatter = api.user("mallory")
    api.call("POST", "/api/account/emails", squatter, json={"email": "alice@example.com"})
    squatters_link = api.verification_token("alice@example.com")

    api.register("alice", "Alice@example.com")  # the real owner signs up with it

    assert [e["email"] for e in api.call("GET", "/api/account", squatter).json["emails"]] == \
        ["mallory@example.com"]
    stale = api.call("POST", "/api/account/emails/verify", json={"token": squatters_link})
    assert stale.status_code == 400 and stale.json["code"] == "invalid_token"
    verified = api.call("POST", "/api/account/emails/verify",
                        json={"token": api.verification_token("Alice@example.com")})
    assert verified.status_code == 204
    alice = api.log_in("alice")
    assert [(e["email"], e["verified"], e["primary"])
            for e in api.call("GET", "/api/account", alice).json["emails"]] == [
        ("Alice@example.com", True, True)]
    history = api.call("GET", "/api/account/events?name=account:email:remove", squatter).json
    [removed] = history["events"]
    assert removed["details"] == {"email": "alice@example.com", "reason": "claimed"}
    assert removed["actor"] is None and not removed["ip"] and not removed["user_agent"]


def test_a_sign_up_with_an_address_never_verified_takes_it_from_the_first_sign_up(api):
    api.register("squatter", "alice@example.com")

    api.register("alice", "ALICE@example.com")

    alice_link = api.verification_token("ALICE@example.com")
    assert api.call("POST", "/api/account/emails/verify",
                    json={"token": alice_link}).status_code == 204
    squatter = api.log_in("squatter")
    assert api.call("GET", "/api/account", squatter).json["emails"] == []
    back = api.call("POST", "/api/accounts", json={
        "username": "again", "password": PASSWORD, "email": "alice@example.com"})
    assert (back.status_code, back.json["code"]) == (409, "email_taken")


def test_add_verify_make_primary_and_remove_emails(api):
    session = api.user("alice")
    assert api.call("POST", "/api/account/emails", session,
                    json={"email": "second@example.com"}).status_code == 201

    unverified = api.call("POST", "/api/account/emails/second@example.com/primary", session)
    assert unverified.status_code == 409

    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("second@example.com")})
    assert api.call("POST", "/api/account/emails/second@example.com/primary",
                    session).status_code == 204
    emails = {e["email"]: e for e in api.call("GET", "/api/account", session).json["emails"]}
    assert emails["second@example.com"]["primary"] and not emails["alice@example.com"]["primary"]

    assert api.call("DELETE", "/api/account/emails/second@example.com", session).status_code == 409
    assert api.call("DELETE", "/api/account/emails/alice@example.com", session).status_code == 204
    emails = api.call("GET", "/api/account", session).json["emails"]
    assert [e["email"] for e in emails] == ["second@example.com"]


def test_a_removed_email_can_be_claimed_by_someone_else(api):
    session = api.user("alice")
    api.call("POST", "/api/account/emails", session, json={"email": "shared@example.com"})
    api.call("DELETE", "/api/account/emails/shared@example.com", session)

    api.register("bob", "shared@example.com")

    emails = api.call("GET", "/api/account", api.log_in("bob")).json["emails"]
    assert [e["email"] for e in emails] == ["shared@example.com"]


def test_adding_an_email_tells_the_primary_address(api):
    session = api.user("alice")
    api.call("POST", "/api/account/emails", session, json={"email": "new@example.com"})

    notices = [m for m in api.mail() if m["To"] == "alice@example.com"
               and "new email address" in m["Subject"]]

    assert len(notices) == 1
    assert "new@example.com" in notices[0].get_content()


def test_common_and_short_passwords_are_refused_with_a_reason(api):
    for password, reason in [("short", "at least 8"), ("password123", "too common"),
                             ("x" * 4097, "4096")]:
        result = api.call("POST", "/api/accounts", json={
            "username": "alice", "password": password, "email": "alice@example.com"})
        assert result.status_code == 400, password
        assert reason in str(result.json), result.json


def test_invalid_usernames_and_emails_are_refused(api):
    for username, email in [("-alice", "a@example.com"), ("al ice", "a@example.com"),
                            ("alice", "not-an-email"), ("alice", "a@")]:
        result = api.call("POST", "/api/accounts", json={
            "username": username, "password": PASSWORD, "email": email})
        assert result.status_code == 400, (username, email)


def test_email_changes_need_a_password_confirmed_in_this_session_within_30_minutes(api, clock):
    api.register("alice")
    token = api.log_in("alice")
    changes = [("POST", "/api/account/emails", {"email": "b@example.com"}),
               ("POST", "/api/account/emails/alice@example.com/primary", None),
               ("DELETE", "/api/account/emails/alice@example.com", None)]

    def refused() -> bool:
        return all(api.call(method, path, token, json=body).json.get("code")
                   == "reauthentication_required" for method, path, body in changes)

    assert refused()
    api.sudo(api.log_in("alice"))  # another session's sudo window does not count
    assert refused()
    api.sudo(token)
    clock.advance(minutes=30)
    assert refused()
    api.sudo(token)
    assert api.call(*changes[0][:2], token, json=changes[0][2]).status_code == 201
