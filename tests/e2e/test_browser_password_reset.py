"""A forgotten password and a lost verification link, in headless Chromium on the real pages
(gunicorn, the projection process delivering the mail, PostgreSQL), at a phone's and a laptop's
width; every page seen is saved in test-artifacts/screenshots/pages-reset-*."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import site
from tests.e2e.test_browser_pages import fits

pytestmark = pytest.mark.e2e

NEW = "a brand new passphrase here"
SEND_AGAIN = re.compile(r"^Send a new link")


def links(mail, address: str, count: int) -> list[str]:
    return [site.VERIFY_LINK.findall(m.get_content())[0]
            for m in site.wait_for_mails(mail, address, "Verify your email address", count)]


def test_a_lost_verification_link_is_sent_again_from_the_account_page(localhost_web, mail,
                                                                      page: Page):
    url, email = localhost_web.url, "fay@example.com"
    site.sign_up(page, url, "fay", email)
    [old] = links(mail, email, 1)
    site.log_in(page, url, "fay")
    expect(page.get_by_role("button", name=SEND_AGAIN)).to_be_visible()
    fits(page, "reset-account-unverified")

    with page.expect_navigation():
        page.get_by_role("button", name=SEND_AGAIN).click()

    expect(page.get_by_role("status")).to_contain_text("We sent a new verification link")
    fits(page, "reset-account-link-sent")
    [new] = set(links(mail, email, 2)) - {old}
    page.goto(old)
    site.submit(page, "Verify my email address")
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(new)
    site.submit(page, "Verify my email address")
    expect(page.get_by_role("status")).to_have_text("Your email address is verified.")
    page.goto(f"{url}/account")
    expect(page.get_by_role("button", name=SEND_AGAIN)).to_have_count(0)


def test_a_forgotten_password_is_reset_from_the_log_in_page(localhost_web, mail, page: Page):
    url, email = localhost_web.url, "gus@example.com"
    site.sign_up(page, url, "gus", email)
    site.verify_email(page, mail, email)
    page.goto(f"{url}/login")

    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    fits(page, "reset-request")
    site.field(page, "Username or email address").fill("gus")
    site.submit(page, "Email me a reset link")
    expect(page.get_by_role("status")).to_contain_text("we sent it an email")
    fits(page, "reset-requested")

    body = mail.wait_for(email, "Reset your password").get_content()
    [link] = re.findall(r"http\S+/account/password-reset\?token=\S+", body)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    fits(page, "reset-form")
    site.field(page, "New password").fill("password")
    site.submit(page, "Set new password")
    expect(page.get_by_role("alert")).to_be_visible()
    fits(page, "reset-form-weak-password")
    site.field(page, "New password").fill(NEW)
    page.get_by_label("Also revoke all my API tokens").check()
    site.submit(page, "Set new password")
    expect(page).to_have_url(re.compile(r"/login\?done=password-reset$"))
    expect(page.get_by_role("status")).to_contain_text("Your password was reset")
    fits(page, "reset-done-log-in")

    page.goto(link)
    site.field(page, "New password").fill("yet another passphrase")
    site.submit(page, "Set new password")
    expect(page.get_by_role("alert")).to_contain_text("stopped working")
    fits(page, "reset-link-used")
    page.goto(f"{url}/login")
    site.field(page, "Username").fill("gus")
    site.field(page, "Password").fill(NEW)
    site.submit(page, "Log in")
    expect(page).to_have_url(re.compile(r"/account$"))
