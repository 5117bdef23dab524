"""Verification emails sent again: a new link replaces the old, 3 per 6 hours per account."""

from tests.integration.conftest import PASSWORD


def links(api, address: str) -> set[str]:
    """Every verification token mailed to this address (the outbox's files are not in order)."""
    return {m.get_content().split("token=")[1].split()[0] for m in api.mail()
            if m["To"] == address and "Verify" in m["Subject"]}


def resend(api, session: str, address: str):
    return api.call("POST", f"/api/account/emails/{address}/verification", session)


def test_a_new_link_replaces_the_old_one(api):
    api.register("alice")
    old = api.verification_token("alice@example.com")
    session = api.log_in("alice")

    assert resend(api, session, "alice@example.com").status_code == 202

    [new] = links(api, "alice@example.com") - {old}
    assert api.call("POST", "/api/account/emails/verify", json={"token": old}).status_code == 400
    assert api.call("POST", "/api/account/emails/verify", json={"token": new}).status_code == 204


def test_a_resent_link_renews_an_expired_one(api, clock):
    api.register("alice")
    old = api.verification_token("alice@example.com")
    clock.advance(hours=25)
    session = api.log_in("alice")

    resend(api, session, "alice@example.com")

    [token] = links(api, "alice@example.com") - {old}
    assert api.call("POST", "/api/account/emails/verify", json={"token": token}).status_code == 204


def test_three_verification_emails_per_six_hours_per_account_resends_included(api, clock):
    api.register("alice")  # the first email
    session = api.log_in("alice")
    api.sudo(session)
    api.call("POST", "/api/account/emails", session, json={"email": "work@example.com"})  # two
    assert resend(api, session, "alice@example.com").status_code == 202  # three

    over = resend(api, session, "work@example.com")

    assert over.status_code == 429
    assert int(over.headers["retry-after"]) > 0
    clock.advance(hours=6)
    assert resend(api, session, "work@example.com").status_code == 202


def test_a_verified_address_is_not_sent_another_link(api):
    api.register("alice")
    api.call("POST", "/api/account/emails/verify",
             json={"token": api.verification_token("alice@example.com")})
    session = api.log_in("alice")

    refused = resend(api, session, "alice@example.com")

    assert refused.status_code == 409


def test_an_address_not_on_the_account_is_not_found(api):
    api.register("alice")
    api.register("bob")
    session = api.log_in("alice")

    assert resend(api, session, "bob@example.com").status_code == 404
    assert resend(api, session, "not an address").status_code == 400


def test_resending_needs_a_session(api):
    api.register("alice")

    assert resend(api, None, "alice@example.com").status_code == 401


def test_the_history_says_the_link_was_sent_again(api):
    api.register("alice")
    session = api.log_in("alice", PASSWORD)
    resend(api, session, "alice@example.com")

    events = api.call("GET", "/api/account/events", session, params={"name": "account:email:sent"})

    assert [e["details"]["resent"] for e in events.json["events"]] == [True, False]
