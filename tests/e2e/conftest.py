"""End-to-end fixtures: each test module gets its own PostgreSQL schema and real processes.

`wharf init` runs once per module; servers and the projection process are started on demand
and stopped (whole process groups) when the module ends, then the schema is dropped; a web
process that logged an error or a traceback fails the module at teardown.

Browser tests: `localhost_web` is a server at http://localhost:PORT with WHARF_ORIGIN equal to
that URL; `chromium` is one headless Chromium per module and `page` a fresh context and page per
test (a failing test leaves a screenshot in test-artifacts/screenshots/). Playwright is imported
only by the browser fixtures, so the other tests do not need it.
"""

import contextlib
import uuid

import psycopg
import pytest

from tests.e2e.client import Api, MailDirectory
from tests.e2e.processes import Deployment, Process


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    """Settings a test module adds to the standard ones; override it in the module."""
    return {}


@pytest.fixture(scope="module")
def deployment(postgres_url, tmp_path_factory, extra_environ):
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    deployment = Deployment(postgres_url, schema, tmp_path_factory.mktemp("wharf"),
                            extra_environ)
    try:
        deployment.init()
        yield deployment
    finally:
        deployment.stop()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    assert deployment.server_errors() == [], "a web process logged an error"


@pytest.fixture(scope="module")
def database(deployment, postgres_url):
    """A direct connection to the module's schema, for checking what the processes stored."""
    schema = deployment.environ["WHARF_DATABASE_SCHEMA"]
    with psycopg.connect(postgres_url, autocommit=True,
                         options=f"-c search_path={schema}") as conn:
        yield conn


@pytest.fixture(scope="module")
def projections(deployment, request) -> Process:
    """The projection process: keeps views caught up and delivers the outbox. In a module
    using `localhost_web` it starts after that server, sharing its WHARF_ORIGIN, which is the
    origin of the links it puts in emails."""
    if "localhost_web" in request.fixturenames:
        request.getfixturevalue("localhost_web")
    return deployment.start_projections()


@pytest.fixture(scope="module")
def mail(deployment, projections) -> MailDirectory:
    """The outbox directory the projection process delivers email into."""
    return MailDirectory(deployment.outbox_dir)


@pytest.fixture(scope="module")
def web(deployment, projections) -> Api:
    """One gunicorn server with two workers."""
    server = deployment.start_server(workers=2)
    deployment.wait_until_ready(server)
    return Api(server.url)


@pytest.fixture(scope="module")
def two_servers(deployment, projections) -> tuple[Api, Api]:
    """Two separate gunicorn servers, one worker each, on the same store."""
    a, b = deployment.start_server(workers=1), deployment.start_server(workers=1)
    deployment.wait_until_ready(a, b)
    return Api(a.url), Api(b.url)


@pytest.fixture(scope="module")
def localhost_web(deployment) -> Api:
    """One gunicorn server (two workers) at http://localhost:PORT, WHARF_ORIGIN set to that:
    the origin a browser needs for WebAuthn (RP id "localhost"). As in a real deployment, every
    process started after it gets the same WHARF_ORIGIN, so emailed links lead to it."""
    assert not any(p.name == "projections" for p in deployment._processes), \
        "the projection process started before localhost_web: its links would miss the server"
    server = deployment.start_server(workers=2, host="localhost")
    deployment.wait_until_ready(server)
    deployment.environ["WHARF_ORIGIN"] = server.url
    return Api(server.url)


@pytest.fixture(scope="module")
def chromium():
    """Headless Debian Chromium, launched once per module (Playwright Browser)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, request):
    """A page in a fresh browser context (no cookies shared between tests); `page.context` is
    its context. Screenshot on failure: test-artifacts/screenshots/FAILED-<test>.png."""
    from tests.e2e.browser import new_page, screenshot

    page = new_page(chromium)
    try:
        yield page
        report = getattr(request.node, "_wharf_call_report", None)
        if report is not None and report.failed and not page.is_closed():
            with contextlib.suppress(Exception):  # a diagnostic: never a second error
                screenshot(page, f"FAILED-{request.node.name}")
    finally:
        page.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep the test call's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    if report.when == "call":
        item._wharf_call_report = report
    return report
