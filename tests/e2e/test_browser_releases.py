"""The releases page in headless Chromium, as an Owner meets it on a bad day: yank a release with
a reason, be stopped by a mistyped confirmation (the focus on what went wrong), remove a
release for good; at a phone's and a laptop's width (screenshots pages-releases-*)."""

import pytest
from playwright.sync_api import expect

from tests.e2e import site
from tests.e2e.packages import build
from tests.e2e.test_browser_pages import fits
from tests.e2e.upload_clients import maintainer, twine

pytestmark = pytest.mark.e2e
NAME = "wharf-e2e-page-releases"


def test_an_owner_yanks_and_removes_releases_on_the_page(localhost_web, mail, page,
                                                          tmp_path):
    url = localhost_web.url
    owner = maintainer(localhost_web, mail, "gus")
    token = owner.mint(localhost_web, "page test")["token"]
    for version in ("1.0", "1.1.post1"):
        built = build(tmp_path / version, NAME, version, value=version)
        uploaded = twine(localhost_web, "__token__", token, *built.files)
        assert uploaded.returncode == 0, uploaded.output
    page.context.add_cookies([{"name": "wharf_session", "value": owner.session, "url": url}])

    page.goto(f"{url}/projects/{NAME}/releases")
    expect(page.get_by_role("heading", name=f"Releases of {NAME}", level=1)).to_be_visible()
    fits(page, "releases")

    site.field(page, "Why yank 1.1.post1?").fill("Breaks installs on Windows; use 1.0")
    site.submit(page, "Yank 1.1.post1")
    expect(page.get_by_role("status")).to_contain_text("The release was yanked")
    expect(page.get_by_text("Yanked: Breaks installs on Windows; use 1.0")).to_be_visible()
    fits(page, "releases-yanked")

    page.get_by_text("Remove release 1.0").click()
    site.field(page, "Type the version, 1.0, to confirm").fill("1.1")
    site.field(page, "Why remove 1.0?").fill("Built from the wrong branch")
    site.submit(page, "Remove 1.0 and its files for good")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Type the release's version, '1.0', to confirm")
    fits(page, "releases-remove-refused")

    page.get_by_text("Remove release 1.0").click()
    site.field(page, "Type the version, 1.0, to confirm").fill("1.0")
    site.field(page, "Why remove 1.0?").fill("Built from the wrong branch")
    site.submit(page, "Remove 1.0 and its files for good")
    expect(page.get_by_role("status")).to_contain_text("The release and its files were removed")
    expect(page.get_by_role("heading", name="1.0", exact=True)).to_have_count(0)
    listing = localhost_web.call("GET", f"/simple/{NAME}/").text
    assert "1.0-py3" not in listing and 'data-yanked="Breaks installs on Windows' in listing
