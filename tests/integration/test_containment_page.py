"""The containment pages, of a project's Owners and of the credential's own account: the plan
first, then one button applies it; refusals in the page's own words; only Owners (and admins)
reach the project's, and an account reaches its own credentials only."""

import pytest

from tests.integration.browser import Browser, alert, hidden
from tests.integration.conftest import PASSWORD
from tests.integration.test_api_tokens import mint, project
from tests.integration.test_two_factor import enrolled
from tests.integration.test_uploads import upload, wheel

PAGE = "/projects/sampleproject/containment"


@pytest.fixture
def stolen(api, clock) -> dict:
    """alice Owns sampleproject; her token (stolen) uploads 2.0 after `since`."""
    alice, _, _ = enrolled(api, clock, "alice")
    project(api, alice, "sampleproject")
    token = mint(api, alice, description="ci").json
    since = clock.now.isoformat()
    clock.advance(minutes=1)
    assert upload(api, token["token"], *wheel(version="2.0"), version="2.0").status_code == 200
    return {"alice": alice, "token": token, "since": since}


def as_alice(api, session: str) -> Browser:
    browser = Browser(api)
    browser.cookie = session
    return browser


def plan_form(stolen: dict) -> dict:
    return {"credential": stolen["token"]["id"], "since": stolen["since"],
            "yank_uploads": "yes", "reason": "leaked in a CI log"}


def test_the_plan_is_shown_first_and_one_button_applies_it(api, stolen):
    browser = as_alice(api, stolen["alice"])
    form = browser.get(f"{PAGE}?credential={stolen['token']['id']}")
    assert form.status_code == 200 and stolen["token"]["id"] in form.text

    planned = browser.post(PAGE, plan_form(stolen))
    assert planned.status_code == 200, planned.text
    assert "Yank release 2.0 of sampleproject (1 file)" in planned.text
    assert "data-yanked" not in api.call("GET", "/simple/sampleproject/").text
    assert hidden(planned.text, "confirm") == "yes"

    applied = browser.post(PAGE, {**plan_form(stolen), "confirm": "yes"})
    assert applied.status_code == 200 and "The containment was applied: 1 step" in applied.text
    assert 'data-yanked="leaked in a CI log"' in api.call("GET", "/simple/sampleproject/").text
    again = browser.post(PAGE, {**plan_form(stolen), "confirm": "yes"})
    assert "Nothing was left to do" in again.text


def test_applying_needs_the_password_confirmed_lately(api, stolen, clock):
    clock.advance(hours=1)  # the sudo window closes
    browser = as_alice(api, stolen["alice"])

    refused = browser.post(PAGE, {**plan_form(stolen), "confirm": "yes"})
    wrong = browser.post(PAGE, {**plan_form(stolen), "confirm": "yes", "password": "nope" * 3})

    assert refused.status_code == 403 and "Confirm your password" in alert(refused.text)
    assert 'id="password"' in refused.text  # the plan again, with the password field
    assert wrong.status_code in (401, 403) and 'id="password"' in wrong.text
    assert "data-yanked" not in api.call("GET", "/simple/sampleproject/").text
    applied = browser.post(PAGE, {**plan_form(stolen), "confirm": "yes", "password": PASSWORD})
    assert "The containment was applied: 1 step" in applied.text


@pytest.mark.parametrize("field,value", [("since", "yesterday"), ("since", "2026-06-01T12:00"),
                                         ("credential", "not-an-id"), ("credential", "\x00"),
                                         ("since", "9999-12-31T23:59:59+14:00")])
def test_bad_input_is_shown_on_the_page(api, stolen, field, value):
    browser = as_alice(api, stolen["alice"])

    refused = browser.post(PAGE, {**plan_form(stolen), field: value})

    assert refused.status_code in (400, 404), refused.text
    assert alert(refused.text)
    assert browser.get(PAGE).status_code == 200  # the next request works


def test_maintainers_and_strangers_are_refused(api, stolen, clock):
    bob, _, _ = enrolled(api, clock, "bob")
    api.grant(stolen["alice"], "sampleproject", bob)
    carol, _, _ = enrolled(api, clock, "carol")

    for session in (bob, carol):
        assert as_alice(api, session).get(PAGE).status_code == 403
    assert Browser(api).get(PAGE).headers["Location"].startswith("/login")


ACCOUNT_PAGE = "/account/containment"


def test_an_account_contains_its_own_token_from_its_account_page(api, stolen):
    browser = as_alice(api, stolen["alice"])
    token_id = stolen["token"]["id"]
    assert f'href="{ACCOUNT_PAGE}?credential={token_id}"' in browser.get("/account").text
    form = browser.get(f"{ACCOUNT_PAGE}?credential={token_id}")
    assert form.status_code == 200 and "Revoke the API tokens it made" in form.text
    choices = {"credential": token_id, "since": stolen["since"], "revoke": "yes",
               "yank_uploads": "yes", "reason": "leaked in a CI log"}

    planned = browser.post(ACCOUNT_PAGE, choices)
    applied = browser.post(ACCOUNT_PAGE, {**choices, "confirm": "yes"})

    assert planned.status_code == 200, planned.text
    assert f'Revoke API token <code class="identifier">{token_id}</code>' in planned.text
    assert "Yank release 2.0 of sampleproject (1 file)" in planned.text
    assert "The containment was applied: 2 steps" in applied.text, applied.text
    assert upload(api, stolen["token"]["token"], *wheel(version="3.0"),
                  version="3.0").status_code == 403
    history = browser.get("/account/history").text
    assert "containment" in history


def test_another_accounts_credential_is_not_found_on_the_account_page(api, stolen, clock):
    carol, _, _ = enrolled(api, clock, "carol")

    refused = as_alice(api, carol).post(ACCOUNT_PAGE, {
        "credential": stolen["token"]["id"], "since": stolen["since"], "revoke": "yes",
        "confirm": "yes"})

    assert refused.status_code == 404 and "No such credential" in alert(refused.text)
    assert upload(api, stolen["token"]["token"], *wheel(version="3.0"),
                  version="3.0").status_code == 200
    assert Browser(api).get(ACCOUNT_PAGE).headers["Location"].startswith("/login")


@pytest.mark.parametrize("field,value", [("since", "0001-01-01T00:00:00-23:59"),
                                         ("credential", "ÿ" * 5000), ("reason", "x" * 501),
                                         ("since", "2026-06-01T12:00:00+00:00\x00")])
def test_bad_input_on_the_account_page_is_shown_and_the_next_request_works(api, stolen, field,
                                                                          value):
    browser = as_alice(api, stolen["alice"])

    refused = browser.post(ACCOUNT_PAGE, {"credential": stolen["token"]["id"],
                                          "since": stolen["since"], "revoke": "yes",
                                          field: value})

    assert refused.status_code in (400, 404), refused.text
    assert alert(refused.text)
    assert browser.get("/account").status_code == 200


def test_token_entries_link_to_containment_on_the_projects_history_not_the_accounts(api,
                                                                                    stolen):
    browser = as_alice(api, stolen["alice"])
    link = f'/containment?credential={stolen["token"]["id"]}"'

    own = browser.get("/account/history")
    project = browser.get("/projects/sampleproject/history")

    assert own.status_code == 200 and "API token" in own.text and link not in own.text
    assert project.status_code == 200 and f'"/projects/sampleproject{link}' in project.text
