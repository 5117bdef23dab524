"""The API token part of the settings page: make one (shown once), see it listed, revoke it."""

import re

import pytest

from tests.integration.browser import Browser, alert, logged_in


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def test_a_token_is_made_shown_once_listed_and_revoked(browser):
    logged_in(browser, verified=True)
    browser.sudo()

    made = browser.post("/account/tokens", {"description": "CI", "scope": "account",
                                            "expires_in_days": "30"})

    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    token = re.search(r"(pypi-[A-Za-z0-9_-]+)</textarea>", made.text).group(1)
    page = browser.get("/account").text
    assert "CI" in page and "whole account" in page and token not in page
    token_id = re.search(r'name="token_id" value="([0-9a-f-]{36})"', page).group(1)
    revoked = browser.post("/account/tokens/revoke", {"token_id": token_id})
    assert revoked.status_code == 303
    assert "You have no API tokens." in browser.get("/account").text


def test_a_token_needs_the_sudo_window_and_a_real_project_scope(browser):
    logged_in(browser, verified=True)

    no_sudo = browser.post("/account/tokens", {"description": "CI"})
    browser.sudo()
    no_projects = browser.post("/account/tokens", {"description": "CI", "scope": "projects"})
    unknown = browser.post("/account/tokens", {"description": "CI", "scope": "projects",
                                               "projects": "not-mine"})

    assert no_sudo.status_code == 403 and "confirm your password" in alert(no_sudo.text).lower()
    assert no_projects.status_code == 400 and "at least one project" in alert(no_projects.text)
    assert unknown.status_code == 403 and "not-mine" in alert(unknown.text)
