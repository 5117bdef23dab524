"""The SQL statements a piece of work sends to the store, counted at the drivers: a psycopg
cursor factory and SQLite's trace callback, installed on every connection opened while
`counting` is active (the views' pool and the event store's alike)."""

import sqlite3
from contextlib import contextmanager

import psycopg

# SQLite runs a transaction's edges and a new connection's settings as statements;
# PostgreSQL's BEGIN and COMMIT are psycopg's own commands, not a cursor's.
NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")


class Statements:
    def __init__(self):
        self.seen: list[str] = []
        self.on = False

    def record(self, sql) -> None:
        text = sql if isinstance(sql, str) else sql.as_string()  # eventsourcing's Composed
        if self.on and not text.lstrip().upper().startswith(NOT_COUNTED):
            self.seen.append(text)

    @contextmanager
    def during(self):
        """Only the statements sent inside the `with` count."""
        self.seen, self.on = [], True
        try:
            yield self.seen
        finally:
            self.on = False


@contextmanager
def counting(monkeypatch):
    """Every connection opened inside the `with` reports its statements to the Statements."""
    statements = Statements()

    class CountingCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            statements.record(query)
            return super().execute(query, params, **kwargs)

        def executemany(self, query, params_seq, **kwargs):
            statements.record(query)
            return super().executemany(query, params_seq, **kwargs)

        def copy(self, statement, params=None, **kwargs):
            statements.record(statement)
            return super().copy(statement, params, **kwargs)

    psycopg_connect, sqlite_connect = psycopg.Connection.connect.__func__, sqlite3.connect

    def connect_postgres(cls, *args, **kwargs):
        return psycopg_connect(cls, *args, **{**kwargs, "cursor_factory": CountingCursor})

    def connect_sqlite(*args, **kwargs):
        conn = sqlite_connect(*args, **kwargs)
        conn.set_trace_callback(statements.record)
        return conn

    with monkeypatch.context() as patch:
        patch.setattr(psycopg.Connection, "connect", classmethod(connect_postgres))
        patch.setattr(sqlite3, "connect", connect_sqlite)
        yield statements
