"""Authentication and the deny-by-default gate in front of every resource."""

import base64
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import falcon

from wharf.domain.origin import Origin
from wharf.http.client import client_ip, user_agent
from wharf.http.endpoint import API_TOKEN, PUBLIC, SESSION, endpoint_of
from wharf.http.errors import Problem, refused
from wharf.security.tokens import token_hash

COOKIE = "wharf_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOGIN_PAGE = "/login"
WSGI_CONTENT_HEADERS = ("CONTENT_TYPE", "CONTENT_LENGTH")  # the headers without HTTP_


@dataclass(frozen=True)
class CurrentSession:
    session_id: UUID
    account_id: UUID
    username: str
    is_admin: bool
    expires_at: str
    sudo_until: datetime | None


class Authentication:
    def __init__(self, wiring):
        self._sessions = wiring.sessions
        self._clock = wiring.clock
        self._trusted_proxies = wiring.settings.trusted_proxies
        self._origin = wiring.settings.origin

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        _refuse_nul(req)
        req.context.now = self._clock()
        req.context.ip = client_ip(req.remote_addr, req.get_header("X-Forwarded-For"),
                                   self._trusted_proxies)
        req.context.user_agent = user_agent(req.user_agent)
        req.context.session = None
        req.context.profile = None
        req.context.page = False

    def process_resource(self, req, resp, resource, params) -> None:
        # An HTML page (wharf.http.pages) is refused with a redirect or an error page, not JSON.
        req.context.page = bool(getattr(resource, "html_page", False))
        if resource is None or not hasattr(resource, f"on_{req.method.lower()}"):
            return  # Falcon answers 404 / 405 itself
        endpoint = endpoint_of(resource, req.method)
        if endpoint is None:
            raise Problem(falcon.HTTP_403, "forbidden", "this operation is not allowed")
        if endpoint.auth == PUBLIC:
            return
        if endpoint.auth == API_TOKEN:
            req.context.api_token = presented_api_token(req, self._origin)
            return
        if endpoint.auth != SESSION:
            raise Problem(falcon.HTTP_403, "forbidden", "this operation is not allowed")
        token, from_cookie = _presented_token(req)
        row = token and self._sessions.active_by_token_hash(
            token_hash(token), req.context.now, with_profile=endpoint.profile)
        if not row and req.context.page:
            raise falcon.HTTPSeeOther(LOGIN_PAGE)
        if not row:
            raise Problem(falcon.HTTP_401, "authentication_required",
                          "log in first, then send the session token as 'Authorization: Bearer'",
                          headers={"WWW-Authenticate": 'Bearer realm="wharf"'})
        cross_site = req.get_header("Origin") != self._origin
        if from_cookie and req.method not in SAFE_METHODS and cross_site:
            # SameSite=Strict already keeps the cookie off cross-site requests; this also stops
            # sibling sites and old browsers from changing anything with it.
            raise Problem(falcon.HTTP_403, "cross_site_request",
                          f"a cookie-authenticated change must come from {self._origin}")
        self._sessions.touch(row, req.context.ip, req.context.now)
        req.context.session = current_session(row)
        req.context.profile = row.get("profile")


def current_session(row: dict) -> CurrentSession:
    """The session a row of the sessions view describes."""
    return CurrentSession(session_id=UUID(row["id"]), account_id=UUID(row["account_id"]),
                          username=row["username"], is_admin=bool(row["is_admin"]),
                          expires_at=row["expires_at"], sudo_until=row["sudo_until"])


def _refuse_nul(req: falcon.Request) -> None:
    """No path, query or header of Wharf has a NUL character, and PostgreSQL text cannot hold
    one: a User-Agent with one would be recorded and could never be projected (RFC 9110 lets a
    server refuse NUL in a field value). The query's NUL comes raw or as %00 (the one escape
    that decodes to it); the headers are read from the environ, not from `req.headers`, a dict
    Falcon would build for this alone."""
    query = req.query_string
    if "\x00" in req.path or "\x00" in query or "%00" in query or any(
            "\x00" in value for name, value in req.env.items()
            if name.startswith("HTTP_") or name in WSGI_CONTENT_HEADERS):
        raise Problem(falcon.HTTP_400, "nul_character",
                      "the request's path, query or headers contain a NUL character")


def set_session_cookie(settings, resp: falcon.Response, token: str) -> None:
    """The one place the session cookie is set, for the JSON log-in and the log-in page alike."""
    resp.set_cookie(COOKIE, token, max_age=int(settings.session_lifetime.total_seconds()),
                    path="/", secure=settings.secure_cookies, http_only=True, same_site="Strict")


def clear_session_cookie(resp: falcon.Response) -> None:
    resp.unset_cookie(COOKIE, path="/", same_site="Strict")


def presented_api_token(req: falcon.Request, origin: str) -> str:
    """The API token of an `Authorization` header, as twine, uv and PyPI's clients send it:
    Basic with the username `__token__`, or Bearer / Token."""
    scheme, _, value = (req.get_header("Authorization") or "").partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme in ("bearer", "token") and value:
        return value
    if scheme == "basic":
        try:
            username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            username, password = "", ""
        if username == "__token__" and password:
            return password
        if username:
            raise refused(f"Username/Password authentication is no longer supported. Migrate to"
                          f" API Tokens instead. See {origin}/account")
    raise refused("Invalid or non-existent authentication information.")


def _presented_token(req: falcon.Request) -> tuple[str | None, bool]:
    """The session token and whether it came from the cookie (rather than a Bearer header)."""
    header = req.get_header("Authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return (value.strip() if scheme.lower() == "bearer" and value.strip() else None), False
    return req.cookies.get(COOKIE), True


def origin_of(req: falcon.Request) -> Origin:
    session = req.context.session
    session_id = session.session_id if session else None
    return Origin(session.account_id if session else None, req.context.ip,
                  req.context.user_agent, req.context.now, session_id, session_id)
