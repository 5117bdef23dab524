"""The web process's composition root: `create_app(wiring)`; only `get_app()` reads the env."""

import functools
import threading
import time

import falcon
import orjson
import psycopg

from wharf import logs
from wharf.bootstrap import Wiring, bootstrap
from wharf.http import errors
from wharf.http.auth import Authentication
from wharf.http.body import MediaTypes
from wharf.http.observability import Observability
from wharf.http.openapi import OpenApiResource
from wharf.http.pages.error_pages import error_serializer
from wharf.http.pages.middleware import Pages
from wharf.http.routes import PAGES, ROUTES
from wharf.http.switches import SwitchGuard
from wharf.settings import from_environ


def _json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(dumps=functools.partial(orjson.dumps), loads=orjson.loads)


def create_app(wiring: Wiring) -> falcon.App:
    wiring.app.passwords.warm_up()
    app = falcon.App(middleware=[Observability(), MediaTypes(), Authentication(wiring),
                                 SwitchGuard(wiring.switches), Pages()])
    handler = _json_handler()
    app.resp_options.media_handlers.update(
        {falcon.MEDIA_JSON: handler, "application/problem+json": handler})
    # twine sends every classifier as its own part; the file part itself is streamed.
    app.req_options.media_handlers[falcon.MEDIA_MULTIPART].parse_options.max_body_part_count = 512
    errors.install(app)
    app.set_error_serializer(error_serializer(wiring))  # pages for browsers, else problems
    for path, resource_class in [*ROUTES, *PAGES]:
        app.add_route(path, resource_class(wiring))
    app.add_route("/api/openapi.json", OpenApiResource(wiring.settings.site_name))
    return app


def get_app():
    """Gunicorn's entry point: `gunicorn 'wharf.http.app:get_app()'`."""
    logs.configure()
    return Booting(from_environ())


class Booting:
    """The web process's app, made as soon as the store answers. A worker that starts while the
    store is out of reach (a restart, an outage) must not fail to boot (gunicorn would then stop
    every worker for good): until the wiring is made, each request answers 503 with Retry-After,
    and one request a second tries again."""

    RETRY_EVERY = 1.0  # seconds

    def __init__(self, settings):
        self._settings = settings
        self._wiring = None
        self._app = None
        self._next_try = 0.0
        self._lock = threading.Lock()
        self._try()

    def __call__(self, environ, start_response):
        if self._app is None and time.monotonic() >= self._next_try:
            with self._lock:
                if self._app is None:
                    self._try()
        if self._app is None:
            problem = errors.store_unavailable()
            body = orjson.dumps(problem.to_dict())
            start_response(problem.status, [("Content-Type", "application/problem+json"),
                                            ("Content-Length", str(len(body))),
                                            *problem.headers.items()])
            return [body]
        return self._app(environ, start_response)

    def _try(self) -> None:
        try:
            if self._settings.uses_postgres:  # first a bare connection: nothing left behind
                psycopg.connect(self._settings.database_url, connect_timeout=2).close()
            wiring = bootstrap(self._settings)
            self._app, self._wiring = create_app(wiring), wiring
        except errors.STORE_UNAVAILABLE as error:
            errors.log.warning("the store is out of reach (%s); answering 503 until it is back",
                               type(error).__name__)
            self._next_try = time.monotonic() + self.RETRY_EVERY

    def close(self) -> None:
        """Close the store's pools while the worker can still do so cleanly (gunicorn's
        `worker_exit`): left to the interpreter's exit, their threads, greenlets under gevent,
        are already being torn down."""
        if self._wiring is not None:
            self._wiring.close()
