"""The web process's composition root: `create_app(wiring)`; only `get_app()` reads the env."""

import functools

import falcon
import orjson

from wharf import logs
from wharf.bootstrap import Wiring, bootstrap
from wharf.http import errors
from wharf.http.auth import Authentication
from wharf.http.observability import Observability
from wharf.http.openapi import OpenApiResource, build_spec
from wharf.http.pages.render import PageHeaders, error_serializer
from wharf.http.routes import PAGES, ROUTES
from wharf.settings import from_environ


def _json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(dumps=functools.partial(orjson.dumps), loads=orjson.loads)


def create_app(wiring: Wiring) -> falcon.App:
    wiring.app.passwords.warm_up()
    app = falcon.App(middleware=[Observability(), Authentication(wiring), PageHeaders()])
    handler = _json_handler()
    app.resp_options.media_handlers.update(
        {falcon.MEDIA_JSON: handler, "application/problem+json": handler})
    # twine sends every classifier as its own part; the file part itself is streamed.
    app.req_options.media_handlers[falcon.MEDIA_MULTIPART].parse_options.max_body_part_count = 512
    errors.install(app)
    app.set_error_serializer(error_serializer(wiring.settings))  # HTML for pages, else problems
    for path, resource_class in [*ROUTES, *PAGES]:
        app.add_route(path, resource_class(wiring))
    app.add_route("/api/openapi.json", OpenApiResource(build_spec(wiring.settings.site_name)))
    return app


def get_app() -> falcon.App:
    """Gunicorn's entry point: `gunicorn 'wharf.http.app:get_app()'`."""
    logs.configure()
    return create_app(bootstrap(from_environ()))
