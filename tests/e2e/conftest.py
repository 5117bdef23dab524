"""End-to-end fixtures: each test module gets its own PostgreSQL schema and real processes.

`wharf init` runs once per module; servers and the projection process are started on demand
and stopped (whole process groups) when the module ends, then the schema is dropped.
"""

import uuid

import psycopg
import pytest

from tests.e2e.client import Api, MailDirectory
from tests.e2e.processes import Deployment


@pytest.fixture(scope="module")
def deployment(postgres_url, tmp_path_factory):
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    deployment = Deployment(postgres_url, schema, tmp_path_factory.mktemp("wharf"))
    try:
        deployment.init()
        yield deployment
    finally:
        deployment.stop()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module")
def database(deployment, postgres_url):
    """A direct connection to the module's schema, for checking what the processes stored."""
    schema = deployment.environ["WHARF_DATABASE_SCHEMA"]
    with psycopg.connect(postgres_url, autocommit=True,
                         options=f"-c search_path={schema}") as conn:
        yield conn


@pytest.fixture(scope="module")
def mail(deployment) -> MailDirectory:
    """The projection process, and the outbox directory it delivers email into."""
    deployment.start_projections()
    return MailDirectory(deployment.outbox_dir)


@pytest.fixture(scope="module")
def web(deployment, mail) -> Api:
    """One gunicorn server with two workers."""
    server = deployment.start_server(workers=2)
    deployment.wait_until_ready(server)
    return Api(server.url)


@pytest.fixture(scope="module")
def two_servers(deployment, mail) -> tuple[Api, Api]:
    """Two separate gunicorn servers, one worker each, on the same store."""
    a, b = deployment.start_server(workers=1), deployment.start_server(workers=1)
    deployment.wait_until_ready(a, b)
    return Api(a.url), Api(b.url)
