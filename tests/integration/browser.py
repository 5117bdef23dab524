"""A person at a web browser, over falcon.testing: posts forms from our origin, keeps the cookie."""

import re
from html import unescape
from urllib.parse import urlencode

import pyotp

from tests.integration.conftest import PASSWORD
from wharf.http.auth import COOKIE

FORM = "application/x-www-form-urlencoded"
SAME_ORIGIN = object()  # post with the site's own Origin header
PAGE_TOKEN = object()  # on a session page, the CSRF token the account page holds


class Browser:
    def __init__(self, api, user_agent: str = "Mozilla/5.0 (Test) Firefox/140.0",
                 remote_addr: str = "198.51.100.7"):
        self.api = api
        self.origin = api.wiring.settings.origin
        self.cookie: str | None = None
        self.user_agent = user_agent
        self.remote_addr = remote_addr
        self.locations: list[str] = []  # every redirect seen, to check no secret rides in one

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields=(), *, origin=SAME_ORIGIN, csrf=PAGE_TOKEN, **kwargs):
        """Post a form; `csrf=None` leaves the token out, a string sends that one instead."""
        fields = dict(fields)
        if csrf is PAGE_TOKEN and self.cookie:
            fields["csrf"] = self.csrf()
        elif isinstance(csrf, str):
            fields["csrf"] = csrf
        headers = {"Content-Type": FORM, **kwargs.pop("headers", {})}
        if origin is not None:
            headers["Origin"] = self.origin if origin is SAME_ORIGIN else origin
        body = kwargs.pop("body", None)
        body = urlencode(fields) if body is None else body
        headers["Content-Length"] = str(len(body.encode()))  # as browsers send, even for 0
        return self.request("POST", path, headers=headers, body=body, **kwargs)

    def request(self, method: str, path: str, **kwargs):
        headers = {"User-Agent": self.user_agent, **kwargs.pop("headers", {})}
        cookies = {COOKIE: self.cookie} if self.cookie else None
        result = self.api.client.simulate_request(method, path, headers=headers, cookies=cookies,
                                                  remote_addr=self.remote_addr, **kwargs)
        if "Location" in result.headers:
            self.locations.append(result.headers["Location"])
        if COOKIE in result.cookies:
            self.cookie = result.cookies[COOKIE].value or None
        return result

    def csrf(self) -> str:
        return hidden(self.get("/account").text, "csrf")

    def sign_up(self, username: str, email: str | None = None, password: str = PASSWORD) -> None:
        result = self.post("/signup", {"username": username, "password": password,
                                       "email": email or f"{username.lower()}@example.com"})
        assert result.status_code == 303, result.text

    def log_in(self, username: str, password: str = PASSWORD):
        return self.post("/login", {"username": username, "password": password})

    def sudo(self, password: str = PASSWORD) -> None:
        result = self.post("/account/reauthenticate", {"password": password})
        assert result.headers["Location"] == "/account?done=password-confirmed", result.text


def logged_in(browser, name: str = "alice", *, verified: bool = False) -> Browser:
    browser.sign_up(name)
    if verified:
        token = browser.api.verification_token(f"{name}@example.com")
        browser.post("/account/verify-email", {"token": token})
    assert browser.log_in(name).status_code == 303
    return browser


def totp_now(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now.timestamp())


def enrol(browser, clock) -> tuple[str, list[str]]:
    """TOTP set up by form: (secret, recovery codes)."""
    started = browser.post("/account/totp")
    assert started.status_code == 200, started.text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', started.text).group(1)
    confirmed = browser.post("/account/totp/confirm", {"code": totp_now(secret, clock),
                                                       "label": "Phone"})
    codes = re.findall(r"<li><code>([0-9a-f]{16})</code></li>", confirmed.text)
    clock.advance(seconds=30)  # the confirming code's step is spent
    return secret, codes


def hidden(page: str, name: str) -> str:
    """The value of the page's first hidden field of this name."""
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name!r} on the page"
    return unescape(found.group(1))


def alert(page: str) -> str:
    """The text of the page's role=alert region."""
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert found, "no alert on the page"
    text = re.sub(r"<[^>]+>", "", found.group(1))
    return " ".join(unescape(text).split())
