"""A recovery case as its holder meets it in headless Chromium: the account page warns of it,
and the emailed link's page cancels it with one button (only its POST acts); at a phone's and a
laptop's width (screenshots pages-recovery-*)."""

import pytest
from playwright.sync_api import expect

from tests.e2e import site
from tests.e2e.test_browser_pages import fits
from tests.e2e.upload_clients import maintainer

pytestmark = pytest.mark.e2e


def test_the_holder_sees_the_case_and_cancels_it_by_the_emailed_link(localhost_web, deployment,
                                                                     mail, page):
    url = localhost_web.url
    holder = maintainer(localhost_web, mail, "hana")
    opened = deployment.cli("admin", "recover", "hana", "--reason", "says she lost her phone",
                            "--ticket", "SUP-77")
    assert opened.returncode == 0, opened.stderr
    page.context.add_cookies([{"name": "wharf_session", "value": holder.session, "url": url}])

    page.goto(f"{url}/account")
    expect(page.get_by_role("heading", name="A recovery case is open for your account")) \
        .to_be_visible()
    fits(page, "recovery-account-warning")

    message = mail.wait_for("hana@example.com", "A recovery case was opened")
    link = message.get_content().split("  ")[1].split()[0]  # the first indented line
    assert link.startswith(f"{url}/account/recovery/cancel?token=")
    page.goto(link)
    fits(page, "recovery-cancel")
    site.submit(page, "Cancel the recovery case")
    expect(page.get_by_role("status")).to_contain_text("The recovery case was cancelled")
    fits(page, "recovery-cancelled")

    page.goto(f"{url}/account")
    expect(page.get_by_role("heading", name="A recovery case is open for your account")) \
        .to_have_count(0)
    assert localhost_web.call("GET", "/api/account/recovery",
                              token=holder.session).status_code == 404
