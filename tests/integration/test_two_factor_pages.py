"""The two-factor part of the settings page: TOTP enrolment and removal, recovery codes."""

import re

import pytest

from tests.integration.browser import Browser, alert, enrol, hidden, logged_in, totp_now
from tests.integration.test_account_pages import redirected_with


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def test_enrolling_totp_shows_the_qr_code_and_secret_then_recovery_codes_once(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()

    started = browser.post("/account/totp")
    assert started.headers["Cache-Control"] == "no-store"
    assert '<svg width="' in started.text
    assert "<title>TOTP enrolment QR code</title>" in started.text
    assert "style=" not in started.text
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', started.text).group(1)
    assert secret not in browser.get("/account").text

    confirmed = browser.post("/account/totp/confirm", {"code": totp_now(secret, clock),
                                                       "label": "Phone"})
    assert confirmed.status_code == 200
    assert confirmed.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([0-9a-f]{16})</code></li>", confirmed.text)
    assert len(set(codes)) == 8
    page = browser.get("/account").text
    assert "On: <strong>Phone</strong>" in page and "8 of 8 recovery codes left" in page
    assert not any(code in page for code in codes)


def test_a_wrong_confirmation_code_shows_the_code_form_again(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()
    browser.post("/account/totp")

    result = browser.post("/account/totp/confirm", {"code": "000000", "label": "Phone"})

    assert result.status_code == 400
    assert result.headers["Cache-Control"] == "no-store"
    assert '<a href="#code">Code</a>: The code does not match' in result.text
    assert "<svg" not in result.text and 'value="Phone"' in result.text


def test_enrolment_needs_a_verified_primary_email(browser):
    logged_in(browser)
    browser.sudo()

    result = browser.post("/account/totp")

    assert result.status_code == 403 and "Verify your primary email" in alert(result.text)


def test_new_recovery_codes_need_a_fresh_password_and_are_shown_once(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()
    _, first = enrol(browser, clock)
    clock.advance(minutes=6)

    stale = browser.post("/account/recovery-codes")
    assert stale.status_code == 403
    assert "last 5 minutes" in alert(stale.text)
    assert 'action="/account/reauthenticate"' in stale.text

    browser.sudo()
    fresh = browser.post("/account/recovery-codes")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([0-9a-f]{16})</code></li>", fresh.text)
    assert len(codes) == 8 and not set(codes) & set(first)


def test_the_last_method_cannot_be_removed_while_uploads_require_it(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()
    enrol(browser, clock)

    refused = browser.post("/account/totp/remove", {"confirmed": "yes"})

    assert refused.status_code == 409
    assert "On: <strong>Phone</strong>" in refused.text


def test_removing_totp_by_form(browser, clock, wiring):
    wiring.app.uploads_require_2fa = False
    logged_in(browser, verified=True)
    browser.sudo()
    enrol(browser, clock)

    asked = browser.post("/account/totp/remove")
    assert asked.status_code == 200
    assert "<h1>Remove your authenticator app?</h1>" in asked.text
    assert "Phone" in asked.text and "every other session" in asked.text
    assert hidden(asked.text, "confirmed") == "yes"
    assert 'action="/account/totp/remove"' in asked.text
    assert '<a href="/account#two-factor-heading">Cancel</a>' in asked.text
    assert "On: <strong>Phone</strong>" in browser.get("/account").text  # nothing removed yet

    redirected_with(browser.post("/account/totp/remove", {"confirmed": "yes"}), "totp-removed")

    assert "Set up an authenticator app" in browser.get("/account").text
    again = browser.post("/account/totp/remove", {"confirmed": "yes"})
    assert again.status_code == 404
    assert alert(again.text) == "There is a problem You have no authenticator app to remove."


def test_page_messages_say_authenticator_app_and_name_no_api_route(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()

    not_started = browser.post("/account/totp/confirm", {"code": "123456"})

    assert not_started.status_code == 400
    message = alert(not_started.text)
    assert "start setting up the authenticator app again" in message
    assert "TOTP" not in message and "/api/" not in message and "POST" not in message
