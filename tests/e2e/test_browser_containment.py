"""Who can publish and the containment pages in headless Chromium, as an Owner meets them when a
token leaked: from the token's row (on who can publish, or on the account page) to the plan to
the yank in one go, at a phone's and a laptop's width (screenshots pages-uploaders-*,
pages-containment-*, pages-account-tokens-*, pages-account-containment-*)."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e import site
from tests.e2e.packages import build
from tests.e2e.test_browser_pages import fits
from tests.e2e.upload_clients import maintainer, twine

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-page-containment"


def test_an_owner_contains_a_leaked_token_from_who_can_publish(localhost_web, mail, page,
                                                              tmp_path):
    url = localhost_web.url
    owner = maintainer(localhost_web, mail, "cleo")
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    token = owner.mint(localhost_web, "leaked in a CI log")["token"]
    built = build(tmp_path, NAME, "1.0", value="1.0")
    assert twine(localhost_web, "__token__", token, *built.files).returncode == 0
    page.context.add_cookies([{"name": "wharf_session", "value": owner.session, "url": url}])

    page.goto(f"{url}/projects/{NAME}/uploaders")
    fits(page, "uploaders")
    page.get_by_role("link", name="Contain what it did (leaked in a CI log)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contain a stolen credential")
    site.field(page, "Undo what it did since").fill(since)
    site.field(page, "Why").fill("leaked in a CI log")
    site.submit(page, "Show the plan")
    expect(page.get_by_role("listitem").filter(has_text="Yank release 1.0")).to_be_visible()
    fits(page, "containment-plan")

    site.submit(page, "Apply this plan")
    expect(page.get_by_role("status")).to_contain_text("The containment was applied: 1 step")
    fits(page, "containment-applied")
    assert 'data-yanked="leaked in a CI log"' in localhost_web.call("GET", f"/simple/{NAME}/").text


def test_an_account_contains_its_own_leaked_token_from_its_account_page(localhost_web, mail,
                                                                        page, tmp_path):
    url, name = localhost_web.url, f"{NAME}-own"
    owner = maintainer(localhost_web, mail, "cleon")
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    token = owner.mint(localhost_web, "old laptop")["token"]
    built = build(tmp_path, name, "1.0", value="1.0")
    assert twine(localhost_web, "__token__", token, *built.files).returncode == 0
    page.context.add_cookies([{"name": "wharf_session", "value": owner.session, "url": url}])

    page.goto(f"{url}/account#tokens-heading")
    fits(page, "account-tokens")
    page.get_by_role("link", name="Contain what it did (old laptop)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contain a stolen credential")
    site.field(page, "Undo what it did since").fill(since)
    site.field(page, "Why").fill("laptop stolen")
    site.submit(page, "Show the plan")
    expect(page.get_by_role("listitem").filter(has_text="Revoke API token")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Yank release 1.0")).to_be_visible()
    fits(page, "account-containment-plan")

    site.submit(page, "Apply this plan")
    expect(page.get_by_role("status")).to_contain_text("The containment was applied: 2 steps")
    fits(page, "account-containment-applied")
    assert twine(localhost_web, "__token__", token, *build(
        tmp_path / "2", name, "2.0", value="2.0").files).returncode != 0
