"""Forgotten passwords by form, from the log-in page; and a new verification link by button."""

import pytest

from tests.integration.browser import Browser, alert, hidden, logged_in
from tests.integration.conftest import PASSWORD
from tests.integration.test_password_reset import NEW, reset_link_token, verified
from tests.integration.test_verification_resend import links


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def test_the_log_in_page_links_to_the_forgotten_password_page(browser):
    assert '<a href="/password-reset">Forgot password?</a>' in browser.get("/login").text
    assert 'name="username_or_email"' in browser.get("/password-reset").text


def test_asking_by_form_answers_alike_for_any_name(browser, api):
    verified(api, "alice")

    answers = [browser.post("/password-reset", {"username_or_email": name})
               for name in ("alice", "nobody")]

    assert {a.headers["Location"] for a in answers} == {"/password-reset?done=reset-requested"}
    assert "we sent it an email" in browser.get("/password-reset?done=reset-requested").text


def test_a_reset_by_the_emailed_link_page(browser, api):
    verified(api, "alice")
    browser.post("/password-reset", {"username_or_email": "alice"})
    token = reset_link_token(api, "alice@example.com")

    form = browser.get(f"/account/password-reset?token={token}")

    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    assert hidden(form.text, "token") == token
    assert "Also revoke all my API tokens" in form.text
    done = browser.post("/account/password-reset", {"token": token, "new_password": NEW,
                                                   "revoke_api_tokens": "yes"})
    assert done.headers["Location"] == "/login?done=password-reset"
    assert token not in "".join(browser.locations)
    assert browser.log_in("alice", NEW).status_code == 303
    assert browser.log_in("alice", PASSWORD).status_code == 401


def test_opening_the_link_changes_nothing(browser, api):
    verified(api, "alice")
    browser.post("/password-reset", {"username_or_email": "alice"})
    token = reset_link_token(api, "alice@example.com")

    browser.get(f"/account/password-reset?token={token}")

    assert api.call("POST", "/api/password-reset/complete",
                    json={"token": token, "new_password": NEW}).status_code == 200


def test_a_weak_password_keeps_the_form_and_a_dead_link_says_to_ask_again(browser, api):
    verified(api, "alice")
    browser.post("/password-reset", {"username_or_email": "alice"})
    token = reset_link_token(api, "alice@example.com")

    weak = browser.post("/account/password-reset", {"token": token, "new_password": "password"})

    assert weak.status_code == 400
    assert hidden(weak.text, "token") == token
    api.log_in("alice")
    dead = browser.post("/account/password-reset", {"token": token, "new_password": NEW})
    assert dead.status_code == 400
    assert "stopped working" in alert(dead.text)
    assert '<a href="/password-reset">Ask for a new link</a>' in dead.text


def test_an_unverified_address_has_a_button_for_a_new_link(browser, api):
    logged_in(browser)
    old = api.verification_token("alice@example.com")
    page = browser.get("/account").text
    assert "Send a new link" in page

    sent = browser.post("/account/emails/verification", {"email": "alice@example.com"})

    assert sent.headers["Location"] == "/account?done=verification-sent"
    assert len(links(api, "alice@example.com") - {old}) == 1


def test_a_verified_address_has_no_such_button(browser, api):
    logged_in(browser, verified=True)

    assert "Send a new link" not in browser.get("/account").text


def test_the_history_page_tells_the_reset_in_words(browser, api):
    verified(api, "alice")
    browser.post("/password-reset", {"username_or_email": "alice"})
    token = reset_link_token(api, "alice@example.com")
    browser.post("/account/password-reset", {"token": token, "new_password": NEW,
                                            "revoke_api_tokens": "yes"})
    browser.log_in("alice", NEW)

    page = browser.get("/account/history").text

    assert "A password reset link was asked for" in page
    assert "The password was reset with an emailed link" in page
    assert "Address verified" in page
    assert "API tokens revoked" in page
    assert token not in page
