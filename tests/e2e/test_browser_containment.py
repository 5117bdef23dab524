"""Who can publish and the containment pages in headless Chromium, as an Owner meets them when a
token leaked: from the token's row (on who can publish, or on the account page) to the plan to
the yank in one go, at a phone's and a laptop's width (screenshots pages-uploaders-*,
pages-containment-*, pages-project-history-*, pages-account-tokens-*,
pages-account-containment-*)."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e import site
from tests.e2e.packages import build
from tests.e2e.test_browser_pages import fits
from tests.e2e.upload_clients import maintainer, twine

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-page-containment"


def leaked(localhost_web, mail, page, tmp_path, username: str, name: str,
           description: str) -> tuple[str, str]:
    """A maintainer whose token (described so) uploaded `name` 1.0 with twine, logged in on
    `page`: (the token, a moment before the upload)."""
    owner = maintainer(localhost_web, mail, username)
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    token = owner.mint(localhost_web, description)["token"]
    built = build(tmp_path, name, "1.0", value="1.0")
    assert twine(localhost_web, "__token__", token, *built.files).returncode == 0
    page.context.add_cookies([{"name": "wharf_session", "value": owner.session,
                               "url": localhost_web.url}])
    return token, since


def show_the_plan(page, since: str, reason: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contain a stolen credential")
    site.field(page, "Undo what it did since").fill(since)
    site.field(page, "Why").fill(reason)
    site.submit(page, "Show the plan")


def apply_the_plan(page, applied: str, screenshot: str) -> None:
    site.submit(page, "Apply this plan")
    expect(page.get_by_role("status")).to_contain_text(f"The containment was applied: {applied}")
    fits(page, screenshot)


def test_an_owner_contains_a_leaked_token_from_who_can_publish(localhost_web, mail, page,
                                                              tmp_path):
    _, since = leaked(localhost_web, mail, page, tmp_path, "cleo", NAME, "leaked in a CI log")

    page.goto(f"{localhost_web.url}/projects/{NAME}/uploaders")
    fits(page, "uploaders")
    page.get_by_role("link", name="Contain what it did (leaked in a CI log)").click()
    show_the_plan(page, since, "leaked in a CI log")
    expect(page.get_by_role("listitem").filter(has_text="Yank release 1.0")).to_be_visible()
    fits(page, "containment-plan")

    apply_the_plan(page, "1 step", "containment-applied")
    assert 'data-yanked="leaked in a CI log"' in localhost_web.call("GET", f"/simple/{NAME}/").text
    page.goto(f"{localhost_web.url}/projects/{NAME}/history")
    expect(page.get_by_role("link", name="Contain what it did").first).to_be_visible()
    fits(page, "project-history")


def test_an_account_contains_its_own_leaked_token_from_its_account_page(localhost_web, mail,
                                                                        page, tmp_path):
    name = f"{NAME}-own"
    token, since = leaked(localhost_web, mail, page, tmp_path, "cleon", name, "old laptop")

    page.goto(f"{localhost_web.url}/account#tokens-heading")
    fits(page, "account-tokens")
    page.get_by_role("link", name="Contain what it did (old laptop)").click()
    show_the_plan(page, since, "laptop stolen")
    expect(page.get_by_role("listitem").filter(has_text="Revoke API token")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Yank release 1.0")).to_be_visible()
    fits(page, "account-containment-plan")

    apply_the_plan(page, "2 steps", "account-containment-applied")
    assert twine(localhost_web, "__token__", token, *build(
        tmp_path / "2", name, "2.0", value="2.0").files).returncode != 0
