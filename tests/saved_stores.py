"""A store saved once and restored for each test that starts from the same state: the state
`initialise` leaves (conftest's `wiring`), or a module's costly cast of accounts,
sessions, keys and tokens (the authorisation matrix), restored in a fraction of the time it
takes to make.

What is saved is everything a wiring reads: the data directory (the SQLite file, copied with
SQLite's backup API so that its write-ahead log is included, the outbox, the files) and, on
PostgreSQL, every table of the schema with its sequences, copied into a schema of its own,
`<schema>_saved_<n>`, which conftest drops with the session's schema.
"""

import shutil
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from wharf.settings import Settings


@dataclass
class SavedStore:
    directory: Path
    schema: str | None = None  # PostgreSQL: where the tables were copied
    tables: frozenset[str] = frozenset()
    sequences: dict[str, tuple[int, bool]] = field(default_factory=dict)


def save(settings: Settings, into: Path) -> SavedStore:
    """A copy of the store as it is now; its wiring must be idle (no open transaction)."""
    if settings.data_dir.exists():
        shutil.copytree(settings.data_dir, into,
                        ignore=shutil.ignore_patterns(f"{settings.sqlite_path.name}*"))
    else:  # PostgreSQL, nothing written to the directory yet: nor will it be restored
        into.mkdir(parents=True)
    if not settings.uses_postgres:
        with closing(sqlite3.connect(settings.sqlite_path)) as source, \
                closing(sqlite3.connect(into / settings.sqlite_path.name)) as copy:
            source.backup(copy)
        return SavedStore(into)
    schema = settings.database_schema
    saved = SavedStore(into, schema=f"{schema}_saved_{uuid.uuid4().hex[:8]}")
    conn = connection(settings.database_url)
    saved.tables = frozenset(tables(conn, schema))
    conn.execute(f'CREATE SCHEMA "{saved.schema}"')
    for table in saved.tables:
        conn.execute(f'CREATE TABLE "{saved.schema}"."{table}" AS TABLE "{schema}"."{table}"')
    for sequence in sequences(conn, schema):
        saved.sequences[sequence] = conn.execute(
            f'SELECT last_value, is_called FROM "{schema}"."{sequence}"').fetchone()
    return saved


def restore(saved: SavedStore, settings: Settings) -> bool:
    """The saved store, into `settings`' data directory and (PostgreSQL) its schema, which must
    hold the saved tables, empty, as conftest's `postgres_schema` leaves them. False, and
    nothing restored, when a table is missing (a test dropped one)."""
    if saved.schema is not None:
        schema, conn = settings.database_schema, connection(settings.database_url)
        if not saved.tables <= set(tables(conn, schema)):
            return False
        statements = [f'INSERT INTO "{schema}"."{table}" SELECT * FROM '
                      f'"{saved.schema}"."{table}"' for table in saved.tables]
        statements += [f"""SELECT setval('"{schema}"."{sequence}"', {int(value)}, {called})"""
                       for sequence, (value, called) in saved.sequences.items()]
        conn.execute("; ".join(statements))  # no parameters: one simple query
    if any(saved.directory.iterdir()):
        shutil.copytree(saved.directory, settings.data_dir, dirs_exist_ok=True)
    return True


_CONNECTIONS: dict[str, psycopg.Connection] = {}


def connection(url: str) -> psycopg.Connection:
    """One connection per server and process, kept for the tests' own statements (emptying,
    saving, restoring): each new one costs the server a process. Autocommit, so it never holds
    a lock between statements; a lock it waits for fails it after 10 s."""
    conn = _CONNECTIONS.get(url)
    if conn is None or conn.closed or conn.broken:
        conn = _CONNECTIONS[url] = psycopg.connect(url, autocommit=True,
                                                   options="-c lock_timeout=10s")
    return conn


def tables(conn, schema: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]


def sequences(conn, schema: str) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = %s", (schema,))]
