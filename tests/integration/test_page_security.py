"""What every page refuses and sends, driven by the PAGES table so no page can be missed."""

import logging
import re

import pytest

from tests.integration.browser import Browser, alert, enrol, logged_in, totp_now
from wharf.http.endpoint import SESSION
from wharf.http.pages.messages import DONE
from wharf.http.routes import PAGES, ROUTES

POST_PAGES = [(path, resource.endpoints["POST"].auth) for path, resource in PAGES
              if "POST" in resource.endpoints]
GET_PAGES = [(path.replace("{name}", "wharf.css"), resource.endpoints["GET"].auth)
             for path, resource in PAGES if "GET" in resource.endpoints]
FOREIGN_ORIGINS = [None, "https://evil.example", "null", "http://localhost:8000.evil.example",
                   "http://localhost:8001", "https://localhost:8000"]
CROSS_SITE = "This form came from another site or from an out-of-date page"
BAD_TOKEN = "This form has expired or did not come from this site"


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def as_needed(browser, auth: str) -> Browser:
    return logged_in(browser) if auth == SESSION else browser


def shown_alert(result) -> str:
    """The text of the page's shown alerts (not a page script's hidden message region)."""
    regions = re.findall(r'<div [^>]*role="alert"(?![^>]*\shidden)[^>]*>(.*?)</div>',
                         result.text, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", region) for region in regions)


def refused_as_cross_site(result, reason: str) -> None:
    assert result.status_code == 403, result.text
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reason in alert(result.text)
    assert "'unsafe-inline'" not in result.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("path", "auth"), POST_PAGES)
def test_every_form_refuses_a_missing_or_foreign_origin(browser, path, auth):
    as_needed(browser, auth)
    for origin in FOREIGN_ORIGINS:
        result = browser.post(path, {}, origin=origin)
        refused_as_cross_site(result, CROSS_SITE)  # the middleware's refusal or the page's
    if auth == SESSION:
        browser.cookie, cookie = None, browser.cookie
        bearer = {"Authorization": f"Bearer {cookie}"}  # no cookie: only the page checks Origin
        refused_as_cross_site(browser.post(path, {}, origin=None, headers=bearer), CROSS_SITE)
        browser.cookie = cookie
    assert CROSS_SITE not in shown_alert(browser.post(path, {}))  # the same site gets through


@pytest.mark.parametrize("path", [path for path, auth in POST_PAGES if auth == SESSION])
def test_every_session_form_refuses_a_missing_or_wrong_csrf_token(browser, api, path):
    logged_in(browser)
    someone_else = logged_in(Browser(api), "mallory")
    for token in (None, "", "0" * 64, someone_else.csrf(), browser.csrf()[:-1]):
        refused_as_cross_site(browser.post(path, {}, csrf=token), BAD_TOKEN)
    assert browser.get("/account").status_code == 200  # nothing ended the session
    assert BAD_TOKEN not in shown_alert(browser.post(path, {}))


# Inline script or style of any kind; only our own script files, empty tags, may appear.
INLINE = r'<script(?! src="/static/[a-z]+\.js" defer></script>)|<style|\sstyle=|\son[a-z]+='


@pytest.mark.parametrize(("path", "auth"), GET_PAGES)
def test_every_page_sends_the_security_headers_and_no_inline_script_or_style(browser, path,
                                                                             auth):
    as_needed(browser, auth)
    result = browser.get(path)

    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Referrer-Policy"] == "same-origin"
    policy = result.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert not re.search(INLINE, result.text, re.I)


@pytest.mark.parametrize(("path", "auth"), GET_PAGES)
def test_no_page_may_be_kept_by_a_cache_but_the_stylesheet(browser, path, auth):
    as_needed(browser, auth)

    result = browser.get(path)

    expected = "public, max-age=3600" if path.startswith("/static/") else "no-store"
    assert result.headers["Cache-Control"] == expected, (path, result.status_code)


def test_the_simple_index_stays_cacheable_for_installers_even_with_a_cookie(browser):
    logged_in(browser)

    index = browser.get("/simple/")

    assert index.status_code == 200 and "no-store" not in index.headers.get("Cache-Control", "")


def test_after_log_out_no_page_that_showed_the_account_was_cacheable(browser):
    logged_in(browser, verified=True)
    browser.sudo()
    shown = [browser.get("/account"), browser.get("/account/history"),
             browser.get("/account?done=password-confirmed"),
             browser.post("/account/emails", {"email": "not an address"}),  # the page again
             browser.post("/account/password", {"current_password": "wrong",
                                                "new_password": "another long passphrase"}),
             browser.get("/projects/nothing/history")]
    assert shown[0].status_code == 200 and "alice@example.com" in shown[0].text

    assert browser.post("/logout").status_code == 303

    for result in shown:
        assert result.headers.get("Cache-Control") == "no-store", (result.status_code,
                                                                   result.text[:200])
    back = browser.get("/account")
    assert back.status_code == 303 and "alice@example.com" not in back.text


def test_pages_showing_secrets_send_the_headers_too(browser, clock):
    logged_in(browser, verified=True)
    browser.sudo()
    started = browser.post("/account/totp")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', started.text).group(1)
    confirmed = browser.post("/account/totp/confirm", {"code": totp_now(secret, clock)})
    for result in (started, confirmed):
        assert result.status_code == 200
        assert result.headers["Cache-Control"] == "no-store"
        assert "'unsafe-inline'" not in result.headers["Content-Security-Policy"]
        assert not re.search(INLINE, result.text, re.I)


@pytest.mark.parametrize(("path", "auth"), POST_PAGES)
def test_form_bodies_must_be_urlencoded_and_bounded(browser, path, auth, settings):
    as_needed(browser, auth)
    csrf = browser.csrf() if auth == SESSION else ""
    too_big = "csrf=" + csrf + "&x=" + "a" * settings.max_body_bytes
    too_many = "&".join(f"f{i}=1" for i in range(30)) + "&csrf=" + csrf
    for body, content_type, status in [
        ('{"username": "alice"}', "application/json", 415),
        ("--b\r\n\r\n--b--", "multipart/form-data; boundary=b", 415),
        ("username=alice", None, 415),
        (too_big, "application/x-www-form-urlencoded", 413),
        (too_many, "application/x-www-form-urlencoded", 400),
        ("csrf=" + csrf + "&name=%ff%fe", "application/x-www-form-urlencoded", 400),
    ]:
        headers = {"Content-Type": content_type} if content_type else {"Content-Type": ""}
        result = browser.post(path, body=body, csrf=None, headers=headers)
        assert result.status_code == status, (path, content_type, result.text[:300])
        assert result.headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_openapi_document_covers_only_the_api(api):
    paths = set(api.call("GET", "/api/openapi.json").json["paths"])
    assert paths == {path for path, _ in ROUTES}
    assert not paths & {path for path, _ in PAGES}


def test_the_stylesheet_is_served_with_its_type_and_nothing_else_is(browser):
    css = browser.get("/static/wharf.css")
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    missing = browser.get("/static/nothing.css")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "text/html; charset=utf-8"
    for path in ("/static/..%2Fapp.py", "/static/%2e%2e%2fsettings.py", "/static/__init__.py"):
        outside = browser.get(path)
        assert outside.status_code == 404 and "import" not in outside.text


def test_the_json_api_keeps_its_problem_documents(api):
    result = api.call("GET", "/api/account")
    assert result.status_code == 401
    assert result.headers["Content-Type"] == "application/problem+json"


def test_hostile_names_addresses_and_user_agents_are_escaped(api):
    hostile = Browser(api, user_agent='"><script>alert(1)</script>')
    typed = hostile.log_in("<script>alert(2)</script>")
    assert typed.status_code in (400, 401)
    assert "<script>" not in typed.text and "&lt;script&gt;alert(2)" in typed.text

    logged_in(hostile, "alice")
    hostile.sudo()
    hostile.post("/account/emails", {"email": "o'brien&<b>co</b>@example.com"})
    added = hostile.post("/account/emails", {"email": "o'brien&co@example.com"})
    assert added.status_code == 303
    page = hostile.get("/account").text
    assert "<script>" not in page and "<b>" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "o&#39;brien&amp;co@example.com" in page


def test_no_secret_reaches_a_log_or_a_url(browser, clock, caplog):
    caplog.set_level(logging.DEBUG)
    logged_in(browser, verified=True)
    browser.sudo()
    secret, codes = enrol(browser, clock)
    browser.post("/logout")
    browser.log_in("alice", "a wrong password")
    page = browser.log_in("alice")
    browser.post("/login/recovery-code", {"ticket": re.search(
        r'name="ticket" value="([^"]+)"', page.text).group(1), "code": codes[0]})

    secrets = [secret, *codes, browser.cookie, "correct horse battery staple", "a wrong password"]
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert not [s for s in secrets if s in logged]
    allowed = {"/account", "/login", *(f"/{where}?done={key}" for key in DONE
                                       for where in ("account", "login", "signup",
                                                     "account/verify-email"))}
    assert set(browser.locations) <= allowed


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
POST_ONLY = [path for path, resource in PAGES if set(resource.endpoints) == {"POST"}]
FORM_OWNERS = {"/login/totp": "/login", "/login/recovery-code": "/login"}  # else /account


def html_page_with_headers(result, status: int) -> None:
    assert result.status_code == status, result.text
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert "'unsafe-inline'" not in result.headers["Content-Security-Policy"]
    assert '<link rel="stylesheet" href="/static/wharf.css">' in result.text


@pytest.mark.parametrize("path", ["/nowhere", "/account/nothing", "/login/", "/static"])
def test_an_unknown_address_is_a_page_for_a_browser_and_a_problem_for_a_client(browser, path):
    page = browser.get(path, headers={"Accept": BROWSER_ACCEPT})
    html_page_with_headers(page, 404)
    assert "<h1>Page not found</h1>" in page.text and "Not Found" not in page.text
    assert '<a href="/account">' in page.text

    for accept in ({}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        client = browser.get(path, headers=accept)
        assert client.status_code == 404
        assert client.headers["Content-Type"] == "application/problem+json"
        assert client.json["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api/nowhere", "/api", "/legacy/nothing", "/simple/x/y",
                                  "/_/nothing", "/files/nothing"])
def test_the_api_and_upload_paths_answer_problems_even_to_a_browser(browser, path):
    result = browser.get(path, headers={"Accept": BROWSER_ACCEPT})

    assert result.status_code == 404
    assert result.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("path", POST_ONLY)
def test_opening_a_form_step_by_its_address_goes_back_to_the_page_of_its_form(browser, path):
    owner = FORM_OWNERS.get(path, "/account")
    for method in ("GET", "HEAD"):
        result = browser.request(method, path, headers={"Accept": BROWSER_ACCEPT})
        assert result.status_code == 303, (method, result.text)
        assert result.headers["Location"] == owner
    logged_in(browser)
    assert browser.get(path).headers["Location"] == owner  # logged in or not


def test_another_wrong_method_gets_a_405_page_and_the_api_keeps_its_problem(browser):
    for method, path in (("PUT", "/account"), ("DELETE", "/login"), ("PATCH", "/signup")):
        result = browser.request(method, path, headers={"Accept": BROWSER_ACCEPT})
        html_page_with_headers(result, 405)
        assert "Method Not Allowed" not in result.text
    api = browser.get("/api/session/totp", headers={"Accept": BROWSER_ACCEPT})
    assert api.status_code == 405 and api.headers["Content-Type"] == "application/problem+json"


def test_error_pages_show_who_is_logged_in_and_what_to_do(browser):
    logged_in(browser)
    for result in (browser.post("/account/emails", {"email": "a@example.com"},
                                origin="https://evil.example"),
                   browser.post("/account/emails", {"email": "a@example.com"}, csrf="0" * 64),
                   browser.get("/nowhere", headers={"Accept": BROWSER_ACCEPT})):
        assert "Logged in as <strong>alice</strong>" in result.text
        assert 'href="/login"' not in result.text and 'href="/signup"' not in result.text
        assert "cookie" not in result.text.lower()
    refused = browser.post("/account/emails", {"email": "a@example.com"},
                           origin="https://evil.example")
    assert "nothing was changed" in alert(refused.text)
    assert "Reload the page" in alert(refused.text)
    assert '<a href="/account">' in refused.text
