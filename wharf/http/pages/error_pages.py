"""Errors as a person meets them: a page in the site's look for a browser, and the API's
problem document for everything else.

A page route always answers with a page. Any other address answers with a page only when the
client prefers HTML (a browser's Accept) and the path is not one of the API's: an API client
(curl's `*/*`, twine, pip) gets its problem document, and the API paths never get a page.
"""

import falcon

from wharf.http.auth import COOKIE, current_session
from wharf.http.errors import STORE_UNAVAILABLE, serialize_problem
from wharf.http.pages.render import HTML, page_text
from wharf.http.pages.wording import said
from wharf.security.tokens import token_hash

API_PATHS = ("/api/", "/legacy/", "/simple/", "/_/", "/files/", "/metrics")
PROBLEM_TYPES = ["application/problem+json", "application/json"]
TITLES = {403: "Not allowed", 404: "Page not found", 405: "Not available this way",
          500: "Something went wrong", 503: "Try again shortly"}
ADVICE = {404: "There is no page at this address. Check the address, or go on from here.",
          405: "This address cannot be opened that way. Go on from here instead."}


def wants_page(req: falcon.Request) -> bool:
    if getattr(req.context, "page", False):
        return True
    if req.path == "/api" or req.path.startswith(API_PATHS):
        return False
    return req.client_prefers([*PROBLEM_TYPES, "text/html"]) == "text/html"


def error_serializer(wiring):
    """Falcon's error serializer: a page where `wants_page`, else the problem document."""

    def serialize(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
        req.context.problem_code = getattr(error, "code", None)  # counted by reason
        if not wants_page(req):
            serialize_problem(req, resp, error)
            return
        status = int(error.status_code)
        described = error.description and error.description != error.title
        resp.content_type = HTML
        resp.text = page_text("error.html", wiring.settings, _viewer(wiring, req, status),
                              title=TITLES.get(status, error.title), advice=ADVICE.get(status),
                              detail=said(error, error.description) if described else None)

    return serialize


def _viewer(wiring, req: falcon.Request, status: int):
    """Who is logged in, for the page's header: the request's session, else (on an address
    that did not look it up: an unknown one, or a refusal before the look-up) the cookie's."""
    session = getattr(req.context, "session", None)
    cookie = req.cookies.get(COOKIE)
    if session is not None or not cookie or status >= 500:
        return session
    try:
        row = wiring.sessions.active_by_token_hash(token_hash(cookie), wiring.clock())
    except STORE_UNAVAILABLE:
        return None
    return current_session(row) if row else None
