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
CROSS_SITE = "forms must be sent from"
BAD_TOKEN = "this form has expired or did not come from this site"


@pytest.fixture
def browser(api) -> Browser:
    return Browser(api)


def as_needed(browser, auth: str) -> Browser:
    return logged_in(browser) if auth == SESSION else browser


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
        if auth == SESSION:  # the middleware refuses a cookie change from elsewhere first
            assert result.status_code == 403 and "must come from" in alert(result.text)
        else:
            refused_as_cross_site(result, CROSS_SITE)
    if auth == SESSION:
        browser.cookie, cookie = None, browser.cookie
        bearer = {"Authorization": f"Bearer {cookie}"}  # no cookie: only the page checks Origin
        refused_as_cross_site(browser.post(path, {}, origin=None, headers=bearer), CROSS_SITE)
        browser.cookie = cookie
    assert CROSS_SITE not in browser.post(path, {}).text  # the same site gets through


@pytest.mark.parametrize("path", [path for path, auth in POST_PAGES if auth == SESSION])
def test_every_session_form_refuses_a_missing_or_wrong_csrf_token(browser, api, path):
    logged_in(browser)
    someone_else = logged_in(Browser(api), "mallory")
    for token in (None, "", "0" * 64, someone_else.csrf(), browser.csrf()[:-1]):
        refused_as_cross_site(browser.post(path, {}, csrf=token), BAD_TOKEN)
    assert browser.get("/account").status_code == 200  # nothing ended the session
    assert BAD_TOKEN not in browser.post(path, {}).text


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
