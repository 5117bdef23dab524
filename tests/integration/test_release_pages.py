"""The releases page where a project's Owners yank, un-yank and remove, by form: the version or
file name typed again, the password first when the sudo window is closed, nobody else let in."""

import pytest

from tests.integration.browser import Browser, alert
from tests.integration.conftest import PASSWORD
from tests.integration.test_takedowns import listing, released  # noqa: F401 (a fixture)

PAGE = "/projects/sampleproject/releases"


def as_(api, session: str) -> Browser:
    browser = Browser(api)
    browser.cookie = session  # the API's session, as its cookie
    return browser


def test_an_owner_yanks_unyanks_and_removes_by_form(api, released):
    alice = as_(api, released["alice"])

    page = alice.get(PAGE)
    yanked = alice.post(f"{PAGE}/yank", {"version": "1.0", "reason": "broken <wheel>"})
    after_yank = alice.get(yanked.headers["Location"]).text
    unyanked = alice.post(f"{PAGE}/unyank", {"version": "1.0", "reason": "fine after all"})
    mistyped = alice.post(f"{PAGE}/remove", {"version": "2.0", "confirm": "2",
                                             "reason": "wrong branch"})
    removed = alice.post(f"{PAGE}/remove", {"version": "2.0", "confirm": "2.0",
                                            "reason": "wrong branch"})
    file_removed = alice.post(f"{PAGE}/remove-file", {
        "filename": "sampleproject-1.0.tar.gz", "confirm": "sampleproject-1.0.tar.gz",
        "reason": "bad sdist"})

    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.text.index("<h2 id=\"release-1\">2.0") < page.text.index("1.0</h2>")
    assert "sampleproject-1.0.tar.gz" in page.text
    assert "Confirm your password" not in page.text  # the sudo window is open
    assert yanked.status_code == 303
    assert yanked.headers["Location"] == f"{PAGE}?done=release-yanked"
    assert "Yanked: broken &lt;wheel&gt;" in after_yank and "Un-yank 1.0" in after_yank
    assert unyanked.status_code == 303
    assert mistyped.status_code == 400
    assert "Type the release's version, '2.0', to confirm" in alert(mistyped.text)
    assert removed.status_code == 303 and file_removed.status_code == 303
    assert set(listing(api)) == {"sampleproject-1.0-py3-none-any.whl"}
    left = alice.get(PAGE).text
    assert "2.0" not in left and "Yanked" not in left


def test_the_password_is_asked_first_when_the_sudo_window_is_closed(api, released, clock):
    clock.advance(hours=1)
    alice = as_(api, released["alice"])

    page = alice.get(PAGE)
    refused = alice.post(f"{PAGE}/yank", {"version": "1.0", "reason": "x"})
    wrong = alice.post(f"{PAGE}/reauthenticate", {"password": "not it"})
    confirmed = alice.post(f"{PAGE}/reauthenticate", {"password": PASSWORD})
    yanked = alice.post(f"{PAGE}/yank", {"version": "1.0", "reason": "x"})

    assert f'action="{PAGE}/reauthenticate"' in page.text
    assert refused.status_code == 403 and "password" in alert(refused.text).lower()
    assert wrong.status_code == 403
    assert confirmed.headers["Location"] == f"{PAGE}?done=password-confirmed-here"
    assert yanked.status_code == 303, yanked.text


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_only_owners_see_or_use_the_page(api, released, who):
    other = as_(api, released[who])

    page = other.get(PAGE)
    yank = other.post(f"{PAGE}/yank", {"version": "1.0", "reason": "mine"})
    password = other.post(f"{PAGE}/reauthenticate", {"password": PASSWORD})

    assert page.status_code == yank.status_code == password.status_code == 403
    assert "Only an Owner of this project" in alert(yank.text)
    assert all("yanked" not in f for f in listing(api).values())


@pytest.mark.parametrize(("path", "form", "status"), [
    (f"{PAGE}/delete-everything", {"version": "1.0", "reason": "x"}, 404),
    (f"{PAGE}/yank", {"version": "1.0", "reason": "a\x00b"}, 400),
    (f"{PAGE}/yank", {"version": "1.0", "reason": "x" * 501}, 400),
    (f"{PAGE}/yank", {"version": "1" * 5000, "reason": "x"}, 400),
    (f"{PAGE}/yank", {"version": "9.9", "reason": "x"}, 404),
    (f"{PAGE}/remove-file", {"filename": "../../etc/passwd", "confirm": "../../etc/passwd",
                             "reason": "x"}, 404),
    ("/projects/no-such-project/releases/yank", {"version": "1.0", "reason": "x"}, 404),
])
def test_hostile_forms_are_refused_and_the_next_request_still_works(api, released, path,
                                                                      form, status):
    alice = as_(api, released["alice"])

    assert alice.post(path, form).status_code == status
    assert alice.get(PAGE).status_code == 200
    assert all("yanked" not in f for f in listing(api).values())
