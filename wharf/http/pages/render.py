"""Jinja2 templates (autoescaped) and the headers every HTML response carries."""

import functools
from datetime import datetime

import falcon
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from wharf.http.errors import serialize_problem
from wharf.http.pages.forms import csrf_token
from wharf.projections.database import unstamp

HTML = "text/html; charset=utf-8"
EVERY_ANSWER = {  # the API's too: no answer is sniffed into something else, or framed
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
}
SECURITY_HEADERS = {
    # No 'unsafe-inline': no inline script or style anywhere in the pages.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self';"
                               " script-src 'self'; form-action 'self'; frame-ancestors 'none';"
                               " base-uri 'none'",
    "Referrer-Policy": "same-origin",
}


@functools.cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("wharf.http", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    return env


def when(moment: datetime | str | None) -> str:
    """A stored time as people read it: 2026-06-01 12:00 UTC."""
    if isinstance(moment, str):
        moment = unstamp(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def render(req: falcon.Request, resp: falcon.Response, settings, template: str, *,
           status: str = falcon.HTTP_200, failure=None, **context) -> None:
    resp.status = status
    resp.content_type = HTML
    if failure is not None:
        resp.set_headers(failure.headers)
    resp.text = environment().get_template(template).render(
        {**_common(req, settings), "status_message": None, "failure": failure, **context})


def _common(req: falcon.Request, settings) -> dict:
    """What the layout needs: the site's name, who is logged in, their forms' CSRF token."""
    session = getattr(req.context, "session", None)
    csrf = csrf_token(settings.secret_key, session.session_id) if session else ""
    return {"site_name": settings.site_name, "session": session, "csrf": csrf}


def no_store(resp: falcon.Response) -> None:
    """For a page that shows a secret once: no cache may keep it."""
    resp.cache_control = ["no-store"]


def see_other(resp: falcon.Response, location: str) -> None:
    """Post/Redirect/Get: `location` is one of our paths, with at most a fixed `done` key."""
    resp.status = falcon.HTTP_303
    resp.location = location


class PageHeaders:
    """Middleware: nosniff and no framing on every response; the page policy on every
    response of a page route or in HTML."""

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        resp.set_headers(EVERY_ANSWER)
        page = getattr(req.context, "page", False)
        if page or (resp.content_type or "").startswith("text/html"):
            resp.set_headers(SECURITY_HEADERS)


def error_serializer(settings):
    """Page routes get an HTML error page; the JSON API keeps its problem documents."""

    def serialize(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
        req.context.problem_code = getattr(error, "code", None)  # counted by reason
        if not getattr(req.context, "page", False):
            serialize_problem(req, resp, error)
            return
        resp.content_type = HTML
        resp.text = environment().get_template("error.html").render(
            {**_common(req, settings), "status_message": None, "failure": None,
             "title": error.title or "Error", "detail": error.description or ""})

    return serialize
