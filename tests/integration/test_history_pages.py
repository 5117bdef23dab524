"""The history pages: your security history and a project's history, as a person reads them."""

import re
from html import unescape

import pytest

from tests.integration.browser import Browser, alert, enrol, hidden, logged_in, totp_now
from tests.integration.test_history import bob_mints_a_project_token, cast
from tests.integration.test_page_security import INLINE

PAGE_IP, BOB_IP, STRANGER_IP = "198.51.100.7", "203.0.113.9", "192.0.2.66"
PROJECT = "/projects/SampleProject/history"


def entries(page: str) -> list[tuple[str, str]]:
    """The (time, public name) of each row of the page's table."""
    return re.findall(r'<time datetime="([^"]+)">.*?<code class="muted">([a-z_:]+)</code>', page,
                      re.S)


def names(page: str) -> list[str]:
    return [name for _, name in entries(page)]


def well_formed(page: str) -> None:
    """No inline script or style, and every control has a <label for> of its own."""
    assert not re.search(INLINE, page, re.I)
    for control in re.findall(r'<(?:input|select) id="([^"]+)"', page):
        assert f'<label for="{control}">' in page, control


def as_session(api, token: str) -> Browser:
    browser = Browser(api)
    browser.cookie = token  # the session an API log-in made, as the browser's cookie
    return browser


def test_a_user_sees_their_own_history_and_no_one_elses(api):
    alice = logged_in(Browser(api))
    api.user("bob")
    api.call("POST", "/api/session", json={"username": "alice", "password": "wrong"},
             remote_addr=STRANGER_IP)

    result = alice.get("/account/history")

    assert result.status_code == 200 and result.headers["Cache-Control"] == "no-store"
    page = result.text
    assert names(page) == ["account:login:failure", "account:login:success",
                           "account:email:sent", "account:email:add", "account:create"]
    assert "A log-in failed <code" in page and "Reason: wrong password" in page
    assert "someone not logged in" in page and STRANGER_IP in page and PAGE_IP in page
    assert "bob" not in page and "192.0.2.10" not in page
    assert '<time datetime="2026-06-01T12:00:00.000Z"><span class="nowrap">2026-06-01</span>' \
        ' <span class="nowrap">12:00 UTC</span></time>' in page
    assert 'id="since" name="since" type="date" value="2026-05-18"' in page  # 14 days back
    assert '<caption id="entries-caption">Your security history, newest first</caption>' in page
    well_formed(page)
    assert '<a href="/account/history">' in alice.get("/account").text


def test_older_entries_visits_every_entry_once_and_the_export_holds_them(api):
    alice = logged_in(Browser(api))
    for _ in range(3):
        alice.post("/account/reauthenticate", {"password": "wrong"})
    everything = entries(alice.get("/account/history").text)
    seen, path = [], "/account/history?limit=2&name="  # an empty field, as a form sends it
    while path:
        page = alice.get(path).text
        seen += entries(page)
        link = re.search(r'<a href="(\?[^"]+)" rel="next">Older entries</a>', page)
        path = link and "/account/history" + unescape(link.group(1))

    assert seen == everything and len(everything) > 6
    exported = alice.get(unescape(re.search(r'<a href="([^"]+)">CSV</a>', page).group(1)))
    assert exported.status_code == 200 and exported.text.count("\n") == len(everything) + 1


def test_a_filter_by_name_narrows_and_nothing_matching_says_so(api):
    alice = logged_in(Browser(api))

    page = alice.get("/account/history", params={"name": "account:login:success"}).text
    assert names(page) == ["account:login:success"]
    assert '<option value="account:login:success" selected>' in page
    empty = alice.get("/account/history", params={"name": "project:create"}).text
    assert names(empty) == [] and "No entries match these filters." in empty


@pytest.mark.parametrize(("params", "message"), [
    ({"name": "account:nonsense"}, "Unknown event name 'account:nonsense'"),
    ({"since": "yesterday"}, "Since: give a date such as 2026-05-18"),
    ({"since": "2026-06-01", "until": "2026-05-01"}, "'until' must be later than 'since'"),
    ({"cursor": "nonsense"}, "Invalid cursor"),
])
def test_a_bad_filter_shows_the_form_again_with_the_reason(api, params, message):
    result = logged_in(Browser(api)).get("/account/history", params=params)

    assert result.status_code == 400 and message in alert(result.text)
    assert '<select id="name" name="name">' in result.text and entries(result.text) == []
    if "since" in params:
        assert f'id="since" name="since" type="date" value="{params["since"]}"' in result.text


@pytest.fixture
def people(api, clock) -> dict:
    """The cast of test_history (alice Owns SampleProject, bob Maintains it, carol has no role,
    dave is an admin), and bob has made a token for the project."""
    people = cast(api, clock)
    bob_mints_a_project_token(api, people, BOB_IP)
    return people


def test_owners_read_a_project_history_and_only_admins_see_every_address(api, people):
    result = as_session(api, people["alice"]).get(PROJECT)
    admin = as_session(api, people["dave"]).get(PROJECT).text

    assert result.status_code == 200
    page = result.text
    assert "<h1>History of SampleProject</h1>" in page
    assert names(page) == ["project:api_token:added", "project:role:add", "project:role:accept",
                           "project:role:invite", "project:create"]
    assert '<td data-label="Who acted">bob</td>' in page and BOB_IP not in page
    assert '<td data-label="From">hidden</td>' in page
    assert "Description: bob&#39;s CI" in page
    assert "/api/projects/SampleProject/events/export?format=csv" in page
    well_formed(page)
    assert names(admin) == names(page) and BOB_IP in admin and ">hidden</td>" not in admin
    assert "Wharf (command line)" in as_session(api, people["dave"]).get("/account/history").text


def test_anyone_else_is_refused_as_the_api_refuses(api, people):
    for who in ("bob", "carol"):
        refused = as_session(api, people[who]).get(PROJECT)
        assert refused.status_code == 403, who
        assert "Only the project's Owners can read its history." in alert(refused.text)
        assert "project:create" not in refused.text
    missing = as_session(api, people["alice"]).get("/projects/nothing/history")
    assert missing.status_code == 404 and "No such project." in alert(missing.text)
    anonymous = api.call("GET", PROJECT)
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/login"


PHONE_BROWSER = ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UQ1A.240205.004; wv)"
                 " AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.122"
                 " Mobile Safari/537.36")


def test_entries_read_in_public_words_with_short_device_names(api, clock):
    alice = logged_in(Browser(api, user_agent=PHONE_BROWSER), verified=True)
    alice.sudo()
    secret, _ = enrol(alice, clock)
    alice.post("/logout")
    ticket = hidden(alice.log_in("alice").text, "ticket")
    alice.post("/login/totp", {"ticket": ticket, "code": "000000"})
    alice.post("/login/totp", {"ticket": ticket, "code": totp_now(secret, clock)})

    page = alice.get("/account/history").text

    assert "Reason: wrong authenticator app code" in page
    assert "authenticator app \u201cPhone\u201d" in page and "Method: authenticator app" in page
    assert "Reason: logged out" in page
    for internal in ("invalid_totp", ">totp<", "Method: totp", "session_id", "logout<"):
        assert internal not in page, internal
    shown = re.sub(r'title="[^"]*"', "", page)  # the whole string only in a tooltip
    assert "Chrome on Android" in shown and PHONE_BROWSER not in shown
    assert "A log-in succeeded <code" in page  # the catalogue's note in brackets left out
