"""Shared fixtures: every integration test runs once on SQLite and once on PostgreSQL."""

import gc
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher

from tests.saved_stores import SavedStore, connection, restore, save, sequences, tables
from tests.seaweedfs import SeaweedFS
from wharf.bootstrap import bootstrap, initialise
from wharf.security.passwords import Passwords
from wharf.settings import Settings

POSTGRES_URL = os.environ.get("WHARF_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("WHARF_REQUIRE_POSTGRES") == "1"
# The fuzz tests (hypothesis, schemathesis) draw the same examples every run, unless
# WHARF_FUZZ_SEED=N: then they draw from seed N, and the same N draws the same examples again.
FUZZ_SEED = int(os.environ["WHARF_FUZZ_SEED"]) if os.environ.get("WHARF_FUZZ_SEED") else None
DERANDOMIZE = FUZZ_SEED is None


class Clock:
    """An injected clock that only moves when a test moves it."""

    def __init__(self, start: datetime = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def pytest_collection_finish(session) -> None:
    """What is imported and collected lives until the end of the run: frozen, Python's garbage
    collector no longer walks it on each full collection, a pause that grew with every test
    module imported."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before hypothesis's plugin reads its --hypothesis-seed
def pytest_configure(config) -> None:
    if FUZZ_SEED is not None:
        config.option.hypothesis_seed = str(FUZZ_SEED)


def pytest_report_header(config) -> str:
    if DERANDOMIZE:
        return "fuzzing: derandomized (WHARF_FUZZ_SEED=N draws from seed N)"
    return f"fuzzing: from seed {FUZZ_SEED} (WHARF_FUZZ_SEED={FUZZ_SEED} replays it)"


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    if not postgres_available():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_session_schema(postgres_url):
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        saved = [row[0] for row in conn.execute(  # tests/saved_stores.py's copies
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{schema}_saved_%",))]
        for name in (schema, *saved):
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def postgres_schema(postgres_session_schema, postgres_url):
    """The session's own schema, emptied: every test starts from nothing, and emptying the
    tables costs a fraction of creating a schema and its tables for each test."""
    empty_schema(postgres_url, postgres_session_schema)
    return postgres_session_schema


def empty_schema(postgres_url: str, schema: str) -> None:
    """Every table of the schema emptied, its sequences restarted, in one round trip. DELETE,
    not TRUNCATE: the tables hold a test's few rows, and TRUNCATE gives each table and index new
    files, half a second for the lot (no table references another, so the order is free)."""
    conn = connection(postgres_url)
    statements = [f'DELETE FROM "{schema}"."{table}"' for table in tables(conn, schema)]
    statements += [f"""SELECT setval('"{schema}"."{sequence}"', 1, false)"""
                   for sequence in sequences(conn, schema)]
    if statements:
        conn.execute("; ".join(statements))  # no parameters: one simple query


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path: Path) -> Settings:
    base = Settings(data_dir=tmp_path / "var", secret_key=b"test-secret-key-0123456789",
                    secure_cookies=True)
    if request.param == "sqlite":
        return base
    schema = request.getfixturevalue("postgres_schema")
    return Settings(data_dir=base.data_dir, secret_key=base.secret_key,
                    database_url=request.getfixturevalue("postgres_url"),
                    database_schema=schema)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """One real SeaweedFS server (S3 gateway) for the whole session, on loopback ports."""
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


def fast_passwords() -> Passwords:
    """Cheap argon2id parameters so the suite stays quick; production uses the library defaults."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wiring(settings, clock, tmp_path_factory):
    initialised(settings, tmp_path_factory)
    wiring = bootstrap(settings, clock, passwords=fast_passwords())
    yield wiring
    wiring.close()


INITIALISED: dict[str, SavedStore] = {}  # a store, as `initialise` first left it


def initialised(settings: Settings, tmp_path_factory) -> None:
    """`initialise(settings)`, once per store and process: each later test gets a copy of what
    it left (an SQLite file; on PostgreSQL, the rows of the views' tracking positions, into
    its emptied schema), in a fraction of the time its DDL and catch-up take."""
    store = settings.database_schema if settings.uses_postgres else "sqlite"
    saved = INITIALISED.get(store)
    if saved is not None and restore(saved, settings):
        return
    initialise(settings)
    INITIALISED[store] = save(settings, tmp_path_factory.mktemp("initialised") / "var")
