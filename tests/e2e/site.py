"""A person using Wharf's own pages in a browser: each step fills fields through their <label>s
and presses buttons by their accessible names (so the controls are proven labelled), then
waits until the page it leads to has arrived. Nothing here calls the API directly.
"""

import re
import time
from email.message import EmailMessage

from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import DEFAULT_TIMEOUT_MS
from tests.e2e.client import MAIL_WAIT, PASSWORD, MailDirectory

VERIFY_LINK = re.compile(r"https?://\S+/account/verify-email\?token=\S+")

# Assertions wait as long as actions do (5 s by default): a step may hash a password twice,
# which takes most of a second on a busy two-core machine.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)


def sign_up(page: Page, url: str, username: str, email: str) -> None:
    """Fill in /signup; ends on the 'check your email' page."""
    page.goto(f"{url}/signup")
    fill_sign_up(page, username, email)
    submit(page, "Create account")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def fill_sign_up(page: Page, username: str, email: str) -> None:
    field(page, "Username").fill(username)
    field(page, "Email address").fill(email)
    field(page, "Password").fill(PASSWORD)


def verification_link(mail: MailDirectory, address: str) -> str:
    """The link in the verification email the projection process delivered to `address`."""
    body = mail.wait_for(address, "Verify your email address").get_content()
    [link] = VERIFY_LINK.findall(body)
    return link


def wait_for_mails(mail: MailDirectory, to: str, subject_contains: str,
                   count: int) -> list[EmailMessage]:
    """Exactly `count` messages to `to` with that subject, once that many have been delivered."""
    deadline = time.monotonic() + MAIL_WAIT
    while True:
        found = [m for m in mail.messages()
                 if m["To"] == to and subject_contains in m["Subject"]]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, f"{len(found)} '{subject_contains}' mails to {to}"
            return found
        time.sleep(0.05)


def open_verification_link(page: Page, mail: MailDirectory, address: str) -> None:
    """Open the emailed link; ends on its page, which only shows a button."""
    page.goto(verification_link(mail, address))
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()


def verify_email(page: Page, mail: MailDirectory, address: str) -> None:
    open_verification_link(page, mail, address)
    submit(page, "Verify my email address")
    expect(page.get_by_role("status")).to_have_text("Your email address is verified.")


def log_in(page: Page, url: str, username: str) -> None:
    """The password step on /login; ends on /account or on the second-step page."""
    page.goto(f"{url}/login")
    fill_log_in(page, username)


def fill_log_in(page: Page, username: str) -> None:
    """On /login: the password step, submitted."""
    field(page, "Username").fill(username)
    field(page, "Password").fill(PASSWORD)
    submit(page, "Log in")


def on_second_step(page: Page) -> None:
    expect(page.get_by_role("heading", name="Two-factor authentication", level=1)).to_be_visible()


def log_in_with_key(page: Page) -> None:
    """On the second-step page: the security key button; ends on /account."""
    run_page_script(page, button(page, "Log in with a security key"),
                    page.get_by_role("heading", name="Account settings"))
    expect(page).to_have_url(re.compile(r"/account$"))


def log_out(page: Page) -> None:
    submit(page, "Log out")
    expect(page).to_have_url(re.compile(r"/login\?done=logged-out$"))


def confirm_password(page: Page) -> None:
    """The sudo form on /account."""
    field(page, "Password").fill(PASSWORD)
    submit(page, "Confirm password")
    expect(page).to_have_url(re.compile(r"/account\?done=password-confirmed$"))
    expect(page.get_by_role("heading", name="Password confirmed")).to_be_visible()


def add_security_key(page: Page, label: str) -> None:
    """On /account, with a virtual authenticator attached to the page, once the account has a
    two-factor method: add a key; ends on /account with the 'added' message."""
    field(page, "Label for the new key").fill(label)
    run_page_script(page, button(page, "Add security key"), key_row(page, label))
    expect(page).to_have_url(re.compile(r"/account\?done=security-key-added$"))
    expect(page.get_by_role("status")).to_have_text("Your security key was added.")


def add_first_security_key(page: Page, label: str) -> list[str]:
    """Add the account's first two-factor method: a key. The page script then shows the
    recovery codes (once); returns them, having gone on to /account."""
    field(page, "Label for the new key").fill(label)
    panel = page.locator("[data-webauthn-recovery-codes]")
    heading = panel.get_by_role("heading", name="Your recovery codes")
    run_page_script(page, button(page, "Add security key"), heading)
    expect(heading).to_be_focused()
    codes = panel.get_by_role("listitem").all_inner_texts()
    page.get_by_role("link", name="Continue to your account").click()
    expect(key_row(page, label)).to_be_visible()
    return codes


def remove_security_key(page: Page, label: str) -> None:
    """With the password confirmed: the key's Remove button, and yes to the script's question
    (which names the key); ends on /account."""
    questions = answer_dialogs(page, accept=True)
    run_page_script(page, button(page, f"Remove {label}"), page.get_by_role("status").filter(
        has_text="Your security key was removed. Every other session was ended."))
    expect(key_row(page, label)).to_have_count(0)
    assert len(questions) == 1 and f"\u201c{label}\u201d" in questions[0], questions


def answer_dialogs(page: Page, accept: bool) -> list[str]:
    """Answer every dialog (window.confirm) the page opens from now on; their messages."""
    messages: list[str] = []

    def answer(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return messages


def rename_security_key(page: Page, label: str, new_label: str) -> None:
    field(page, f"New label for {label}").fill(new_label)
    rename = key_row(page, label).get_by_role("button", name="Rename", exact=True)
    run_page_script(page, rename, key_row(page, new_label))
    expect(page.get_by_role("status")).to_have_text("Your security key was renamed.")


def key_row(page: Page, label: str) -> Locator:
    """The row of 'Your security keys' whose Label cell is exactly `label`."""
    table = page.get_by_role("table", name="Your security keys")
    return table.get_by_role("row").filter(
        has=page.get_by_role("cell", name=label, exact=True))


def run_page_script(page: Page, control: Locator, arrived: Locator) -> None:
    """Press a button the page script (webauthn.js) handles; wait until `arrived` (something
    only the outcome shows) or the script's alert is visible, and fail with the alert's text."""
    control.click()
    expect(arrived.or_(shown_alert(page)).first).to_be_visible()
    assert_no_alert(page)


def assert_no_alert(page: Page) -> None:
    alert = webauthn_alert(page)
    assert not alert.is_visible(), f"the page script says: {alert.inner_text()}"


def webauthn_alert(page: Page) -> Locator:
    """The page script's message region (role=alert) in the security-key section."""
    return page.locator("[data-webauthn-message]")


def shown_alert(page: Page) -> Locator:
    return webauthn_alert(page).filter(visible=True)


def security_key_labels(page: Page) -> list[str]:
    """The Label column of 'Your security keys' on /account ([] when there are none)."""
    table = page.get_by_role("table", name="Your security keys")
    if not table.count():
        return []
    return [row.get_by_role("cell").first.inner_text()
            for row in table.locator("tbody").get_by_role("row").all()]


def field(page: Page, label: str) -> Locator:
    """The form control labelled exactly `label` (not a section named by a heading of that
    text, which get_by_label also finds)."""
    return page.get_by_label(label, exact=True).and_(page.locator("input, select, textarea"))


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def press(page: Page, name: str) -> None:
    button(page, name).click()


def submit(page: Page, name: str) -> None:
    """Press a plain form's button and wait for the page it leads to."""
    with page.expect_navigation():
        press(page, name)
