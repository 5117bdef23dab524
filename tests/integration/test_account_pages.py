"""The account settings page: emails, password, two factors and sessions, by form."""

import re

import pytest

from tests.integration.browser import Browser, alert, hidden, logged_in
from wharf.http.pages.messages import DONE


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def redirected_with(result, key: str) -> None:
    """A form's 303 back to /account names a fixed message, never data."""
    assert result.status_code == 303, result.text
    assert result.headers["Location"] == f"/account?done={key}"


def test_the_account_page_lists_emails_and_sessions(browser, api):
    logged_in(browser)
    api.log_in("alice")  # a second session, from the API client

    page = browser.get("/account").text

    assert '<th scope="row">alice@example.com</th>' in page
    assert '<td data-label="State">Not verified, primary</td>' in page
    rows = re.findall(r'<th scope="row"><span title="([^"]*)">([^<]*)</span>'
                      r'( <strong class="marker">)?', page)
    sessions = [(device, agent, bool(marker)) for agent, device, marker in rows]
    assert sorted(sessions) == [("Firefox", "Mozilla/5.0 (Test) Firefox/140.0", True),
                                ("falcon-client 4.4.0", "falcon-client/4.4.0", False)]
    assert '<td data-label="IP address">198.51.100.7</td>' in page
    assert '<td data-label="IP address">192.0.2.10</td>' in page
    assert "falcon-client 4.4.0 from 192.0.2.10, last seen" in page  # its End button's name
    assert "2026-06-01 12:00 UTC" in page


def test_a_sensitive_change_asks_for_the_password_first(browser):
    logged_in(browser)

    refused = browser.post("/account/emails", {"email": "second@example.com"})

    assert refused.status_code == 403
    assert alert(refused.text) == ("There is a problem Password: Confirm your password first,"
                                   " then try again.")
    assert "/api/" not in refused.text and "POST" not in alert(refused.text)
    assert '<a href="#password">Password</a>' in refused.text  # the confirm-password field
    assert 'action="/account/reauthenticate"' in refused.text
    assert 'id="password" name="password" type="password" required aria-invalid="true"' \
        in refused.text
    wrong = browser.post("/account/reauthenticate", {"password": "not the password"})
    assert wrong.status_code == 403
    assert alert(wrong.text).startswith("There is a problem Password: The password is not")
    browser.sudo()
    assert "Password confirmed until 2026-06-01 12:30 UTC" in browser.get("/account").text


def test_adding_making_primary_and_removing_an_email(browser, api):
    logged_in(browser, verified=True)
    browser.sudo()

    redirected_with(browser.post("/account/emails", {"email": "second@example.com"}),
                    "email-added")
    page = browser.get("/account?done=email-added").text
    assert f'<div class="status" role="status" aria-live="polite">{DONE["email-added"]}' in page
    assert '<th scope="row">second@example.com</th>' in page
    refused = browser.post("/account/emails/primary", {"email": "second@example.com"})
    assert refused.status_code == 409 and "verified" in alert(refused.text)

    token = api.verification_token("second@example.com")
    browser.post("/account/verify-email", {"token": token})
    redirected_with(browser.post("/account/emails/primary", {"email": "second@example.com"}),
                    "email-primary")
    redirected_with(browser.post("/account/emails/remove", {"email": "alice@example.com"}),
                    "email-removed")
    page = browser.get("/account").text
    assert "alice@example.com" not in page
    assert '<td data-label="State">Verified, primary</td>' in page


def test_changing_the_password_ends_the_other_sessions(browser, api):
    logged_in(browser)
    other = api.log_in("alice")

    wrong = browser.post("/account/password", {"current_password": "nope",
                                               "new_password": "a new long passphrase"})
    assert wrong.status_code == 403 and '<a href="#current_password">' in wrong.text
    weak = browser.post("/account/password", {"current_password": "correct horse battery staple",
                                              "new_password": "password"})
    assert weak.status_code == 400 and '<a href="#new_password">' in weak.text

    redirected_with(browser.post("/account/password", {
        "current_password": "correct horse battery staple",
        "new_password": "a new long passphrase"}), "password-changed")
    assert api.call("GET", "/api/account", other).status_code == 401
    assert browser.get("/account").status_code == 200


def test_ending_another_session(browser, api):
    logged_in(browser)
    other = api.log_in("alice")
    page = browser.get("/account").text
    session_id = hidden(page, "session_id")

    redirected_with(browser.post("/account/sessions/end", {"session_id": session_id}),
                    "session-ended")

    assert api.call("GET", "/api/account", other).status_code == 401
    assert 'name="session_id"' not in browser.get("/account").text
    unknown = browser.post("/account/sessions/end", {"session_id": "not-a-session"})
    assert unknown.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(browser):
    result = browser.get("/account")

    assert result.status_code == 303 and result.headers["Location"] == "/login"
    assert browser.get("/").headers["Location"] == "/account"
