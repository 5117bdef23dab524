"""A maintainer's whole story on Wharf's real pages, in headless Chromium: real gunicorn (two
workers) and the projection process on PostgreSQL, a real TOTP app (oathtool) and virtual
security keys (ctap2 and u2f). Every page visited is saved in test-artifacts/screenshots/story-*.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import site
from tests.e2e.browser import Authenticator, screenshot
from tests.e2e.client import oathtool

pytestmark = pytest.mark.e2e

ADDED, USED, REMOVED, RENAMED = (f"wharf:two-factor:security-key-{change}"
                                 for change in ("added", "used", "removed", "renamed"))


def shot(page: Page, name: str) -> None:
    screenshot(page, f"story-{name}")


def test_a_maintainer_signs_up_adds_an_app_and_two_keys_logs_in_with_a_key_and_removes_one(
        localhost_web, mail, database, page):
    url, email = localhost_web.url, "ada@example.com"

    page.goto(f"{url}/signup")
    shot(page, "01-sign-up")
    site.fill_sign_up(page, "ada", email)
    site.submit(page, "Create account")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot(page, "02-check-your-email")

    assert site.verification_link(mail, email).startswith(f"{url}/account/verify-email?token=")
    site.open_verification_link(page, mail, email)  # only shows a button: scanners open links
    shot(page, "03-verify-email-button")
    site.submit(page, "Verify my email address")
    expect(page.get_by_role("status")).to_have_text("Your email address is verified.")
    shot(page, "04-email-verified")

    page.goto(f"{url}/login")
    shot(page, "05-log-in")
    site.fill_log_in(page, "ada")
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    expect(page.get_by_text("Logged in as ada")).to_be_visible()
    shot(page, "06-account-settings-new-account")

    # An authenticator app: the key shown on the page goes into oathtool.
    site.confirm_password(page)
    shot(page, "07-account-settings-password-confirmed")
    site.submit(page, "Set up an authenticator app")
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    qr_code = page.get_by_role("figure", name="QR code holding the key below")
    expect(qr_code.locator("svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    shot(page, "08-totp-enrolment")
    site.field(page, "6-digit code").fill(oathtool(secret))
    site.field(page, "Name for this app").fill("Phone")
    site.submit(page, "Turn on the authenticator app")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("listitem").all_inner_texts()
    assert len(codes) == len(set(codes)) == 8, codes
    shot(page, "09-recovery-codes")
    page.get_by_role("link", name="I have saved my codes: back to account settings").click()
    expect(page.get_by_text("On: Phone")).to_be_visible()
    expect(page.get_by_text("8 of 8 recovery codes left")).to_be_visible()
    expect(page.get_by_text("You have no security keys.")).to_be_visible()
    shot(page, "10-account-settings-before-keys")

    # Two security keys, plugged in one at a time.
    blue = Authenticator(page, protocol="ctap2")
    site.add_security_key(page, "Blue USB key")
    shot(page, "11-account-settings-one-key")
    blue.remove()
    spare = Authenticator(page, protocol="u2f")
    site.add_security_key(page, "Old U2F key")
    assert site.security_key_labels(page) == ["Blue USB key", "Old U2F key"]
    assert len(spare.credentials()) == 1
    shot(page, "12-account-settings-two-keys")

    # A second tab keeps this session's settings page (and its form token) open.
    stale_tab = page.context.new_page()
    stale_tab.goto(f"{url}/account")

    site.log_out(page)
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    shot(page, "13-logged-out")
    site.log_in(page, url, "ada")
    site.on_second_step(page)
    for method in ("Authenticator app", "Security key", "Recovery code"):
        expect(page.get_by_role("heading", name=method)).to_be_visible()
    shot(page, "14-second-step")
    site.log_in_with_key(page)
    expect(site.key_row(page, "Old U2F key").get_by_role("cell").nth(2)).not_to_have_text("never")
    expect(site.key_row(page, "Blue USB key").get_by_role("cell").nth(2)).to_have_text("never")
    shot(page, "15-account-settings-after-key-log-in")

    # The old tab's form belongs to the session that logged out: refused, this one untouched.
    with stale_tab.expect_response(re.compile(r"/logout$")) as answer:
        site.press(stale_tab, "Log out")
    assert answer.value.status == 403
    expect(stale_tab.get_by_role("alert")).to_contain_text("This form has expired")
    assert stale_tab.title().startswith("Not allowed")
    expect(stale_tab.get_by_text("Logged in as ada")).to_be_visible()
    shot(stale_tab, "16-error-page-stale-form")
    stale_tab.close()
    page.reload()
    expect(page.get_by_text("Logged in as ada")).to_be_visible()

    # The lost key goes; the other stays, and can be renamed.
    site.confirm_password(page)
    site.remove_security_key(page, "Blue USB key")
    assert site.security_key_labels(page) == ["Old U2F key"]
    shot(page, "17-account-settings-after-removing-a-key")
    site.rename_security_key(page, "Old U2F key", "Spare key")
    assert site.security_key_labels(page) == ["Spare key"]
    shot(page, "18-account-settings-after-renaming-a-key")

    topics = [topic for (topic,) in database.execute(
        "SELECT topic FROM wharf_events WHERE topic = ANY(%s) ORDER BY notification_id",
        ([ADDED, USED, REMOVED, RENAMED],))]
    assert topics == [ADDED, ADDED, USED, REMOVED, RENAMED]
    added = site.wait_for_mails(mail, email, "two-factor method was added", count=3)
    assert sorted(m.get_content().splitlines()[2] for m in added) == [
        "Two-factor method totp (Phone) was added to your account.",
        "Two-factor method webauthn (Blue USB key) was added to your account.",
        "Two-factor method webauthn (Old U2F key) was added to your account."]
    removed = mail.wait_for(email, "two-factor method was removed").get_content()
    assert "webauthn (Blue USB key) was removed" in removed
    assert all(code not in m.get_content() for m in mail.messages() for code in codes)


def test_after_log_out_the_back_button_shows_no_account(localhost_web, mail, page):
    url, email = localhost_web.url, "grace@example.com"
    site.sign_up(page, url, "grace", email)
    site.verify_email(page, mail, email)
    site.log_in(page, url, "grace")
    expect(page.get_by_text(email)).to_be_visible()
    page.goto(f"{url}/account/history")
    expect(page.get_by_text(email).first).to_be_visible()  # the history shows it too
    page.goto(f"{url}/account")
    site.log_out(page)

    for _ in range(2):  # back to /account, then to /account/history
        page.go_back()
        expect(page).to_have_url(re.compile(r"/login$"))  # asked again, and sent to log in
        assert email not in page.content() and "grace" not in page.content()
    shot(page, "19-back-after-log-out")
