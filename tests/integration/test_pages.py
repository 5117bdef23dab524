"""The HTML pages as a person uses them: sign up, verify, log in (with two factors), log out."""

import re

import pytest

from tests.integration.browser import Browser, alert, hidden, totp_now
from tests.integration.test_two_factor import enrolled
from wharf.http.pages.words import wait as wait_in_words


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def test_signing_up_leads_to_check_your_email_with_a_link_to_log_in(browser):
    result = browser.post("/signup", {"username": "alice", "email": "alice@example.com",
                                      "password": "correct horse battery staple"})

    assert result.status_code == 303
    assert result.headers["Location"] == "/signup?done=registered"
    page = browser.get("/signup?done=registered").text
    assert "<h1>Check your email</h1>" in page
    assert '<a href="/login">log in</a>' in page
    assert "alice@example.com" in _emails(browser, "alice")


def _account_id(browser, username: str) -> str:
    row = browser.api.wiring.db.query_one("SELECT id FROM accounts WHERE username = ?",
                                          (username,))
    return row["id"]


def _emails(browser, username: str) -> dict:
    account = browser.api.wiring.accounts.by_id(_account_id(browser, username))
    return {e["email"]: e for e in account["emails"]}


def test_the_emailed_link_opens_a_page_whose_button_verifies_the_address(browser):
    browser.sign_up("alice")
    token = browser.api.verification_token("alice@example.com")

    opened = browser.get("/account/verify-email", params={"token": token})
    assert opened.status_code == 200
    assert opened.headers["Cache-Control"] == "no-store"
    assert hidden(opened.text, "token") == token
    assert "<button type=\"submit\">Verify my email address</button>" in opened.text
    assert not _emails(browser, "alice")["alice@example.com"]["verified"]  # GET changes nothing

    verified = browser.post("/account/verify-email", {"token": token})
    assert verified.headers["Location"] == "/account/verify-email?done=email-verified"
    assert _emails(browser, "alice")["alice@example.com"]["verified"]
    assert "Your email address is verified." in browser.get(verified.headers["Location"]).text


def test_a_used_or_forged_link_says_so_clearly(browser):
    browser.sign_up("alice")
    token = browser.api.verification_token("alice@example.com")
    browser.post("/account/verify-email", {"token": token})

    for bad in (token, "forged-token"):
        result = browser.post("/account/verify-email", {"token": bad})
        assert result.status_code == 400
        assert "invalid" in alert(result.text)


def test_a_refused_sign_up_shows_the_reason_by_field_and_keeps_what_was_typed(browser):
    browser.sign_up("alice")

    taken = browser.post("/signup", {"username": "ALICE", "email": "new@example.com",
                                     "password": "correct horse battery staple"})
    assert taken.status_code == 409
    assert alert(taken.text).startswith("There is a problem Username: This username")
    assert 'value="new@example.com"' in taken.text
    assert 'aria-invalid="true"' in taken.text

    weak = browser.post("/signup", {"username": "bob", "email": "bob@example.com",
                                    "password": "password"})
    assert weak.status_code == 400
    assert "Password:" in alert(weak.text)

    missing = browser.post("/signup", {"username": "carol"})
    assert missing.status_code == 400
    assert "Email address:" in alert(missing.text) and "Password:" in alert(missing.text)


def test_logging_in_by_form_sets_the_session_cookie_and_redirects_to_the_account(browser):
    browser.sign_up("alice")

    result = browser.log_in("alice")

    assert result.status_code == 303
    assert result.headers["Location"] == "/account"
    cookie = result.cookies["wharf_session"]
    assert cookie.http_only and cookie.secure and cookie.same_site == "Strict"
    assert cookie.path == "/" and cookie.max_age == 12 * 3600
    page = browser.get("/account")
    assert page.status_code == 200
    assert "Logged in as <strong>alice</strong>" in page.text


def test_a_wrong_password_shows_the_form_again_with_401(browser):
    browser.sign_up("alice")

    result = browser.log_in("alice", "not the password")

    assert result.status_code == 401
    assert "<title>Error: Log in · Wharf</title>" in result.text
    assert "Password: Invalid username or password." in alert(result.text)
    assert 'value="alice"' in result.text
    assert "not the password" not in result.text
    assert browser.cookie is None


def test_too_many_failed_log_ins_show_how_long_to_wait(browser):
    browser.sign_up("alice")
    for _ in range(10):
        browser.log_in("alice", "not the password")

    result = browser.log_in("alice", "not the password")

    assert result.status_code == 429
    wait = int(result.headers["Retry-After"])
    assert f"Please wait {wait_in_words(wait)} before trying again" in alert(result.text)


def second_step(browser, api, clock) -> tuple[str, list[str], str]:
    """An account with TOTP on, set up from this browser's address (so its TOTP log-ins are
    not held as a new device's), its password step done by form: (secret, codes, page)."""
    _, secret, codes = enrolled(api, clock, ip=browser.remote_addr)
    page = browser.log_in("alice")
    assert page.status_code == 200, page.text
    return secret, codes, page


def test_a_two_factor_account_gets_the_second_step_and_a_totp_code_logs_in(browser, api, clock):
    secret, _, page = second_step(browser, api, clock)

    assert browser.cookie is None
    assert page.headers["Cache-Control"] == "no-store"
    assert "<h1>Two-factor authentication</h1>" in page.text
    assert 'action="/login/totp"' in page.text and 'action="/login/recovery-code"' in page.text
    assert "Security key" not in page.text
    result = browser.post("/login/totp", {"ticket": hidden(page.text, "ticket"),
                                          "methods": hidden(page.text, "methods"),
                                          "code": totp_now(secret, clock)})
    assert result.status_code == 303 and result.headers["Location"] == "/account"
    assert browser.get("/account").status_code == 200


def test_a_wrong_code_shows_the_second_step_again_with_the_same_ticket(browser, api, clock):
    secret, _, page = second_step(browser, api, clock)
    ticket = hidden(page.text, "ticket")

    wrong = browser.post("/login/totp", {"ticket": ticket, "methods": "totp recovery-code",
                                         "code": "000000"})
    assert wrong.status_code == 401
    assert hidden(wrong.text, "ticket") == ticket
    assert '<a href="#totp-code">' in wrong.text
    assert "Code: That code is not right: enter the newest 6-digit code your authenticator app" \
        in alert(wrong.text)
    assert 'id="totp-code" name="code" type="text" required aria-invalid="true"' in wrong.text

    right = browser.post("/login/totp", {"ticket": ticket, "code": totp_now(secret, clock)})
    assert right.headers["Location"] == "/account"


def test_a_recovery_code_logs_in(browser, api, clock):
    _, codes, page = second_step(browser, api, clock)

    result = browser.post("/login/recovery-code", {"ticket": hidden(page.text, "ticket"),
                                                   "code": codes[0]})

    assert result.status_code == 303
    assert result.headers["Location"] == "/account?done=recovery-code-used"
    landed = browser.get(result.headers["Location"]).text
    assert status(landed) == ("You logged in with a recovery code, so it no longer works."
                              " You have 7 recovery codes left.")
    assert "Generate a new set" not in landed
    assert "7 of 8 recovery codes left" in browser.get("/account").text


def status(page: str) -> str:
    """The text of the page's role=status region."""
    found = re.search(r'<div class="status[^"]*" role="status"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no status on the page"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def test_the_last_recovery_codes_urge_a_new_set(browser, api, clock):
    _, codes, page = second_step(browser, api, clock)
    for used, code in enumerate(codes, start=1):
        landed = browser.post("/login/recovery-code", {"ticket": hidden(page.text, "ticket"),
                                                       "code": code})
        shown = browser.get(landed.headers["Location"]).text
        left = len(codes) - used
        if left in (3, 1, 0):
            urged = status(shown)
            assert '<div class="status warning"' in shown
            assert f"You have {left or 'no'} recovery code{'' if left == 1 else 's'} left." \
                in urged
            assert "Generate a new set now" in urged
            assert '<a href="#recovery-codes-heading">' in shown
            assert 'id="recovery-codes-heading"' in shown
        browser.post("/logout")
        page = browser.log_in("alice")


def test_the_security_key_part_appears_when_the_account_has_a_key(browser, api, clock):
    _, _, page = second_step(browser, api, clock)

    result = browser.post("/login/totp", {"ticket": hidden(page.text, "ticket"),
                                          "methods": "webauthn totp", "code": "000000"})

    assert '<h2 id="security-key-heading">Security key</h2>' in result.text
    assert 'action="/login/recovery-code"' not in result.text


def test_logging_out_ends_the_session_and_clears_the_cookie(browser):
    browser.sign_up("alice")
    browser.log_in("alice")
    token = browser.cookie

    result = browser.post("/logout")

    assert result.status_code == 303 and result.headers["Location"] == "/login?done=logged-out"
    assert browser.cookie is None
    assert "You have logged out." in browser.get(result.headers["Location"]).text
    browser.cookie = token
    assert browser.get("/account").headers["Location"] == "/login"


def test_the_error_summary_comes_after_the_heading_and_takes_the_focus(browser):
    browser.sign_up("alice")

    page = browser.log_in("alice", "not the password").text

    assert page.index("<h1>Log in</h1>") < page.index("There is a problem")
    summary = re.search(r'<div class="error-summary[^>]*>', page).group(0)
    assert 'tabindex="-1"' in summary and " autofocus" in summary  # focus lands on it
    assert page.count(" autofocus") == 1
