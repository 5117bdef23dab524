"""Jinja2 templates (autoescaped), and the answers a page gives: rendered, or a redirect."""

import functools

import falcon
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from wharf.http.pages import words
from wharf.http.pages.devices import device_name
from wharf.http.pages.forms import csrf_token
from wharf.http.pages.wording import SCRIPT_SAID

HTML = "text/html; charset=utf-8"


@functools.cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("wharf.http", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = words.when
    env.filters["wait"] = words.wait
    env.filters["device"] = device_name
    env.globals["happened"] = words.happened
    env.globals["second_factor"] = words.second_factor
    env.globals["entry_details"] = words.details
    env.globals["script_said"] = SCRIPT_SAID
    return env


def render(req: falcon.Request, resp: falcon.Response, settings, template: str, *,
           status: str = falcon.HTTP_200, failure=None, **context) -> None:
    resp.status = status
    resp.content_type = HTML
    if failure is not None:
        resp.set_headers(failure.headers)
    resp.text = page_text(template, settings, getattr(req.context, "session", None),
                          failure=failure, **context)


def page_text(template: str, settings, session, **context) -> str:
    """A template rendered with what the layout needs: the site's name, who is logged in and
    their forms' CSRF token."""
    csrf = csrf_token(settings.secret_key, session.session_id) if session else ""
    return environment().get_template(template).render({
        "site_name": settings.site_name, "session": session, "csrf": csrf,
        "status_message": None, "failure": None, **context})


def no_store(resp: falcon.Response) -> None:
    """For a page that shows a secret once: no cache may keep it."""
    resp.cache_control = ["no-store"]


def see_other(resp: falcon.Response, location: str) -> None:
    """Post/Redirect/Get: `location` is one of our paths, with at most a fixed `done` key."""
    resp.status = falcon.HTTP_303
    resp.location = location
