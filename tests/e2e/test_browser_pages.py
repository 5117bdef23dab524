"""The pages as a person meets them, in headless Chromium on Wharf's real pages (gunicorn, the
projection process, PostgreSQL), at a phone's width (390 px) and a laptop's (1280 px): nothing
scrolls sideways, the focus goes to what went wrong, errors are pages in the site's look, a
security key's label is checked before the key is asked, and removing a key asks first.
Every page visited is saved at both widths in test-artifacts/screenshots/pages-*.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import site
from tests.e2e.browser import Authenticator, screenshot
from tests.e2e.client import PASSWORD, oathtool

pytestmark = pytest.mark.e2e

WIDTHS = (390, 1280)  # a phone's and a laptop's, with a screenshot each
ALSO = (768, 1024)  # a tablet's and a small laptop's, checked too
PAINTED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
OVERFLOWING_TABLES = """() => Array.from(document.querySelectorAll("table"))
    .filter(t => t.getBoundingClientRect().right
                 > t.parentElement.getBoundingClientRect().right + 1)
    .map(t => t.caption ? t.caption.textContent : "a table")"""
PHONE_BROWSER = ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UQ1A.240205.004; wv)"
                 " AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122"
                 " Mobile Safari/537.36")


def fits(page: Page, name: str) -> None:
    """At each width: the page scrolls only up and down, no table overflows its box; a
    screenshot of all of it at a phone's and a laptop's width."""
    for width in sorted(WIDTHS + ALSO):
        page.set_viewport_size({"width": width, "height": 900})
        scrolled = page.evaluate("document.scrollingElement.scrollWidth")
        if width in WIDTHS:
            page.evaluate(PAINTED)
            screenshot(page, f"pages-{name}-{width}")
        assert scrolled <= width, f"{name} is {scrolled} px wide at {width} px"
        assert page.evaluate(OVERFLOWING_TABLES) == [], f"{name} at {width} px"


def account_with_a_key(page: Page, url: str, mail, username: str) -> Authenticator:
    """An account made on the pages, password confirmed, whose only factor is a key."""
    email = f"{username}@example.com"
    site.sign_up(page, url, username, email)
    site.verify_email(page, mail, email)
    site.log_in(page, url, username)
    site.confirm_password(page)
    key = Authenticator(page)
    site.add_first_security_key(page, "Blue key")
    return key


def test_every_page_fits_a_phone_and_a_laptop_and_reads_in_public_words(
        localhost_web, mail, page):
    url, email = localhost_web.url, "ada@example.com"
    site.sign_up(page, url, "ada", email)
    site.verify_email(page, mail, email)
    for agent, password in ((PHONE_BROWSER, PASSWORD), ("twine/6.1.0 CPython/3.12.3", PASSWORD),
                            ("curl/8.5.0", "not the password")):
        localhost_web.call("POST", "/api/session", headers={"User-Agent": agent},
                           json={"username": "ada", "password": password})
    page.goto(f"{url}/login")
    fits(page, "log-in")
    site.fill_log_in(page, "ada")
    site.confirm_password(page)

    site.submit(page, "Set up an authenticator app")
    fits(page, "totp-enrolment")
    site.field(page, "6-digit code").fill(oathtool(page.locator("code.secret").inner_text()))
    site.submit(page, "Turn on the authenticator app")
    fits(page, "recovery-codes")
    page.get_by_role("link", name="I have saved my codes: back to account settings").click()
    Authenticator(page)
    site.add_security_key(page, "Blue USB key from the drawer by the desk")
    site.field(page, "Description").fill("GitHub Actions for sampleproject and its docs")
    site.submit(page, "Make token")
    fits(page, "token-made")

    page.goto(f"{url}/account")
    sessions = page.get_by_role("table", name="Where you are logged in")
    for device in ("Chrome on Linux", "Chrome on Android", "twine 6.1.0"):
        expect(sessions.get_by_text(device, exact=True)).to_be_visible()
    expect(sessions.get_by_text(PHONE_BROWSER)).to_have_count(0)
    fits(page, "account")

    page.goto(f"{url}/account/history")
    entries = page.get_by_role("table", name="Your security history, newest first")
    expect(entries.get_by_text("Reason: wrong password")).to_be_visible()
    expect(entries.get_by_text("authenticator app \u201cAuthenticator app\u201d")).to_have_count(0)
    expect(entries.get_by_text("Method: authenticator app")).to_be_visible()
    fits(page, "history")

    page.goto(f"{url}/account")
    site.submit(page, "Remove authenticator app")
    expect(page.get_by_role("heading", name="Remove your authenticator app?")).to_be_visible()
    fits(page, "totp-removal-question")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("On: Authenticator app")).to_be_visible()

    answer = page.goto(f"{url}/nowhere")
    assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.get_by_text("Logged in as ada")).to_be_visible()
    fits(page, "not-found")
    page.goto(f"{url}/account/totp")  # a form's step opened by its address: back to the form
    expect(page).to_have_url(f"{url}/account")


def test_a_failed_form_puts_its_summary_after_the_heading_and_the_focus_on_it(
        localhost_web, page):
    url = localhost_web.url
    site.sign_up(page, url, "bea", "bea@example.com")
    page.goto(f"{url}/login")
    site.field(page, "Username").fill("bea")
    site.field(page, "Password").fill("not the password")
    site.submit(page, "Log in")

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Password: Invalid username or password.")
    heading_first = page.evaluate("""() => {
        const h1 = document.querySelector("h1");
        const summary = document.querySelector(".error-summary");
        return Boolean(h1.compareDocumentPosition(summary) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    assert heading_first
    fits(page, "log-in-failed")
    summary.get_by_role("link", name="Password").click()
    expect(site.field(page, "Password")).to_be_focused()


def test_a_key_label_is_refused_before_the_key_is_asked_and_removing_a_key_asks(
        localhost_web, mail, page):
    url = localhost_web.url
    account_with_a_key(page, url, mail, "cai").remove()
    spare = Authenticator(page)  # another key, plugged in
    label = site.field(page, "Label for the new key")

    for typed, message in (("  blue KEY ", "You already have a security key labelled"),
                           ("   ", "Give the key a label of 1 to 64 characters.")):
        label.fill(typed)
        site.press(page, "Add security key")
        expect(label).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#security-key-label-error")).to_contain_text(message)
        expect(label).to_be_focused()
        assert spare.credentials() == [], "the key was asked although the label was refused"
    fits(page, "account-key-label-refused")
    site.add_security_key(page, "Spare key")
    assert len(spare.credentials()) == 1
    expect(label).not_to_have_attribute("aria-invalid", "true")

    questions = site.answer_dialogs(page, accept=False)
    site.press(page, "Remove Spare key")
    for _ in range(100):  # the script asks before it sends anything
        if questions:
            break
        page.wait_for_timeout(50)
    assert questions and "\u201cSpare key\u201d" in questions[0], questions
    expect(site.button(page, "Remove Spare key")).to_be_enabled()  # the script is done
    expect(page).to_have_url(re.compile(r"done=security-key-added$"))  # still here
    assert site.security_key_labels(page) == ["Blue key", "Spare key"]


def test_a_change_without_the_password_says_so_in_words_with_a_link(localhost_web, mail, page):
    url = localhost_web.url
    account_with_a_key(page, url, mail, "dee")
    site.log_out(page)
    site.log_in(page, url, "dee")
    site.log_in_with_key(page)  # a new session: its password is not confirmed

    site.field(page, "Label for the new key").fill("Green key")
    site.press(page, "Add security key")

    alert = site.webauthn_alert(page)
    expect(alert).to_have_text("Confirm your password first, then try again."
                               " Confirm your password")
    expect(alert).to_be_focused()
    expect(alert).not_to_contain_text("/api/")
    alert.get_by_role("link", name="Confirm your password").click()
    expect(page).to_have_url(re.compile(r"/account#password$"))
    expect(site.field(page, "Password")).to_be_visible()
