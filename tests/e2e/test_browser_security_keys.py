"""Security keys against an attacker, in headless Chromium on Wharf's real pages (gunicorn with
two workers, the projection process, PostgreSQL): a cloned key, one credential registered to two
accounts, a replayed answer, an answer sent to another account.

The clone test runs with a ctap2 and a u2f virtual key (their counters are what it is about);
the others, whose checks do not depend on the key's protocol, with ctap2 only: every account
made here costs three password hashes, and the story module already registers and logs in
with a u2f key.

Each refused log-in counts as a failed second factor from 127.0.0.1, which may fail 10 times in
5 minutes: this module fails 4 times (1 per clone test, 2 in the replay test). Mind the limit
when adding a refusal.
"""

import base64
import json
import re

import pytest
from fido2.webauthn import AttestationObject
from playwright.sync_api import Page, Request, Route, expect

from tests.e2e import site
from tests.e2e.browser import (
    Authenticator,
    clone_credential,
    get_assertion,
    new_page,
    screenshot,
    unb64url,
)
from tests.e2e.client import Api

pytestmark = pytest.mark.e2e

PROTOCOLS = ["ctap2", "u2f"]
REGISTER = "/api/account/webauthn/complete"
BEGIN_LOG_IN, LOG_IN = "/api/session/webauthn/begin", "/api/session/webauthn/complete"


def label_of(username: str) -> str:
    return f"Key of {username}"


def user_with_a_key(page: Page, url: str, mail, username: str,
                    protocol: str = "ctap2") -> Authenticator:
    """An account made on the pages (email verified, password confirmed) whose first and only
    two-factor method is a new virtual key of `protocol`, labelled `label_of(username)`."""
    email = f"{username}@example.com"
    site.sign_up(page, url, username, email)
    site.verify_email(page, mail, email)
    site.log_in(page, url, username)
    site.confirm_password(page)
    key = Authenticator(page, protocol=protocol)
    assert len(site.add_first_security_key(page, label_of(username))) == 8
    return key


def bodies_posted_to(page: Page, path: str) -> list[dict]:
    """The JSON bodies the page POSTs to `path` from now on, collected as they are sent."""
    bodies: list[dict] = []

    def collect(request: Request) -> None:
        if request.method == "POST" and request.url.endswith(path):
            bodies.append(request.post_data_json)

    page.on("request", collect)
    return bodies


def recorded(database, topic: str, label: str) -> list[dict]:
    """The events of `topic` about the key labelled `label`, from the log itself."""
    rows = database.execute(
        "SELECT state FROM (SELECT notification_id, convert_from(state, 'UTF8')::jsonb AS state"
        " FROM wharf_events WHERE topic = %s) AS events WHERE state ->> 'label' = %s"
        " ORDER BY notification_id", (topic, label)).fetchall()
    return [state for (state,) in rows]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_cloned_key_with_a_lower_counter_is_refused_recorded_and_reported(
        localhost_web, mail, database, chromium, page, protocol):
    url, owner = localhost_web.url, f"cloned-{protocol}"
    key = user_with_a_key(page, url, mail, owner, protocol)
    site.log_out(page)
    site.log_in(page, url, owner)
    site.log_in_with_key(page)
    counter = key.credentials()[0]["signCount"]
    [used] = recorded(database, "wharf:two-factor:security-key-used", label_of(owner))
    assert used["sign_count"] == counter > 0

    thief_page = new_page(chromium)  # the attacker's browser, with the password and a copy
    try:
        thief = Authenticator(thief_page, protocol=protocol)
        clone_credential(key, thief, sign_count=0)
        site.log_in(thief_page, url, owner)
        site.on_second_step(thief_page)
        site.press(thief_page, "Log in with a security key")
        alert = site.webauthn_alert(thief_page)
        expect(alert).to_have_text(re.compile(r"signature counter went backwards.*cloned key"))
        expect(alert).to_be_focused()
        screenshot(thief_page, f"keys-{protocol}-cloned-key-refused")
        site.on_second_step(thief_page)
        assert "wharf_session" not in {c["name"] for c in thief_page.context.cookies()}
    finally:
        thief_page.context.close()

    [clone] = recorded(database, "wharf:two-factor:possible-clone-detected", label_of(owner))
    assert clone["stored_sign_count"] == counter > clone["presented_sign_count"]
    notice = mail.wait_for(f"{owner}@example.com", "possibly cloned security key")
    assert f"with your security key {label_of(owner)} was refused" in notice.get_content()

    site.log_out(page)  # the genuine key, its counter still ahead, still logs in
    site.log_in(page, url, owner)
    site.log_in_with_key(page)


def test_a_credential_registered_to_one_account_is_refused_to_another(
        localhost_web, mail, chromium, page):
    url, first, second = localhost_web.url, "first", "second"
    registrations = bodies_posted_to(page, REGISTER)
    key = user_with_a_key(page, url, mail, first)
    [registered] = registrations
    credential_x = registered["credential"]
    attestation = AttestationObject(unb64url(credential_x["response"]["attestationObject"]))
    assert attestation.fmt == "none"

    other_page = new_page(chromium)  # the second account's own browser
    try:
        site.sign_up(other_page, url, second, f"{second}@example.com")
        site.verify_email(other_page, mail, f"{second}@example.com")
        site.log_in(other_page, url, second)
        site.confirm_password(other_page)
        other_key = Authenticator(other_page)
        clone_credential(key, other_key)  # credential X, private key and all

        # Holding X is not enough to register it again: navigator.credentials.create() always
        # makes a NEW credential (nothing in Chromium's virtual authenticator can make it answer
        # with an old one), so the page's own answer would be a different, acceptable key.
        # The rule "a credential id belongs to one account only" is about an authenticator
        # that answers this account's registration with X. That answer is exactly what is sent
        # here: this browser's own clientDataJSON (this session's fresh challenge, the real
        # origin) with X's attestationObject (X's id and public key, under "none" attestation,
        # which signs nothing), so every check passes but the credential's uniqueness claim.
        def answer_with_x(route: Route) -> None:
            body = route.request.post_data_json
            fresh = body["credential"]["response"]["clientDataJSON"]
            body["credential"] = {**credential_x, "response": {
                **credential_x["response"], "clientDataJSON": fresh}}
            route.continue_(post_data=json.dumps(body))

        other_page.route(f"**{REGISTER}", answer_with_x)
        site.field(other_page, "Label for the new key").fill("Borrowed key")
        with other_page.expect_response(f"**{REGISTER}") as answer:
            site.press(other_page, "Add security key")
        assert answer.value.status == 409
        expect(site.webauthn_alert(other_page)).to_have_text(
            "This security key is registered to another account.")  # the page's sentence
        screenshot(other_page, "keys-credential-of-another-account-refused")

        held = {base64.b64decode(c["credentialId"]) for c in other_key.credentials()}
        assert unb64url(credential_x["id"]) in held and len(held) == 2  # X, and a fresh one
        other_page.reload()
        assert site.security_key_labels(other_page) == []
    finally:
        other_page.context.close()
    page.reload()
    assert site.security_key_labels(page) == [label_of(first)]


def test_a_key_answer_logs_in_once_and_only_to_the_account_whose_challenge_it_signed(
        localhost_web, mail, chromium, page):
    url, api = localhost_web.url, Api(localhost_web.url)
    owner, other = "replayed", "target"
    user_with_a_key(page, url, mail, owner)
    site.log_out(page)
    answers = bodies_posted_to(page, LOG_IN)
    site.log_in(page, url, owner)
    site.log_in_with_key(page)
    [answer] = answers

    same_ticket = api.call("POST", LOG_IN, json=answer)
    ticket = api.ticket(owner)  # a fresh password log-in
    no_challenge = api.call("POST", LOG_IN,
                            json={"ticket": ticket, "credential": answer["credential"]})
    assert api.call("POST", BEGIN_LOG_IN, json={"ticket": ticket}).status_code == 200
    fresh_ticket = api.call("POST", LOG_IN,  # now with a fresh challenge waiting
                            json={"ticket": ticket, "credential": answer["credential"]})

    assert same_ticket.status_code == 400
    assert same_ticket.json()["code"] == "invalid_token"  # the ticket went with the log-in
    assert no_challenge.status_code == 400
    assert "no security key request is waiting" in no_challenge.json()["detail"]
    assert fresh_ticket.status_code == 401
    assert fresh_ticket.json()["code"] == "invalid_security_key"
    assert "challenge" in fresh_ticket.json()["detail"]

    other_page = new_page(chromium)
    try:
        user_with_a_key(other_page, url, mail, other)
    finally:
        other_page.context.close()
    # The owner's key signs the OTHER account's fresh challenge (an attacker's client may name
    # any credential): only the key then differs from what that ticket's account would accept,
    # which a replay of the answer captured above would not show (its challenge is stale).
    other_ticket = api.ticket(other)
    options = api.call("POST", BEGIN_LOG_IN, json={"ticket": other_ticket}).json()["publicKey"]
    mine = [{"type": "public-key", "id": answer["credential"]["id"]}]
    signed = get_assertion(page, {**options, "allowCredentials": mine})
    crossed = api.call("POST", LOG_IN, json={"ticket": other_ticket, "credential": signed})

    assert crossed.status_code == 401
    assert crossed.json()["code"] == "invalid_security_key"
    assert "credential" in crossed.json()["detail"]
    assert "token" not in crossed.json()
