"""Passkeys in headless Chromium with a virtual authenticator that keeps resident keys and
verifies its user: made on the account page, then used from the log-in page without typing a
username or a password; an authenticator that cannot verify its user is refused. Screenshots
pages-passkeys-* at a phone's and a laptop's width."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import site
from tests.e2e.browser import Authenticator
from tests.e2e.test_browser_pages import fits

pytestmark = pytest.mark.e2e


def test_a_passkey_made_on_the_account_page_signs_in_with_no_username(localhost_web, mail,
                                                                        page):
    url, email = localhost_web.url, "pia@example.com"
    site.sign_up(page, url, "pia", email)
    site.verify_email(page, mail, email)
    site.log_in(page, url, "pia")
    site.confirm_password(page)
    key = Authenticator(page, resident_keys=True)
    site.field(page, "Make it a passkey").check()
    site.add_first_security_key(page, "Laptop passkey")
    expect(page.get_by_text("passkey", exact=True)).to_be_visible()
    [credential] = key.credentials()
    assert credential["isResidentCredential"] is True
    site.log_out(page)

    expect(page.get_by_label("Username", exact=True)).to_have_attribute(
        "autocomplete", "username webauthn")
    fits(page, "passkeys-log-in")
    site.press(page, "Sign in with a passkey")

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("Logged in as pia")).to_be_visible()
    fits(page, "passkeys-account")


def test_a_key_that_cannot_verify_its_user_makes_no_passkey(localhost_web, mail, page):
    url, email = localhost_web.url, "ode@example.com"
    site.sign_up(page, url, "ode", email)
    site.verify_email(page, mail, email)
    site.log_in(page, url, "ode")
    site.confirm_password(page)
    Authenticator(page, resident_keys=True, user_verification=False, user_verified=False)

    site.field(page, "Label for the new key").fill("No PIN key")
    site.field(page, "Make it a passkey").check()
    site.press(page, "Add security key")

    alert = page.locator("[data-webauthn-message]")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(alert).to_contain_text("No passkey was made")
    fits(page, "passkeys-refused")
