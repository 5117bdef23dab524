"""The views' database: the same SQLite file or PostgreSQL database that holds the event log.

SQL is written once with `?` placeholders; rows come back as dicts. `query` runs one statement
on its own (no BEGIN/COMMIT round trips: the hot read path); `transaction` groups several, and
`transaction(lock=True)` serialises writers of views across processes (BEGIN IMMEDIATE on
SQLite, a transaction-level advisory lock on PostgreSQL). `transaction(pipeline=True)` sends
PostgreSQL its statements without waiting for each answer (psycopg's pipeline mode): a round
trip only where a result is read, at `cur.sync()` and at COMMIT; an error then shows there.
"""

import fcntl
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from psycopg.pq import ExecStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

STORE_TIMEOUT = 5  # seconds
TUPLES_OK = ExecStatus.TUPLES_OK

# The store failed, not the data: nothing was decided, and the caller may retry. The drivers'
# errors, and eventsourcing's own for the same, raised by its recorders.
STORE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, sqlite3.OperationalError,
                OperationalError, InterfaceError)


class Database:
    def __init__(self):
        self._rooms = [threading.Lock() for _ in range(256)]  # see _waiting_room

    def transaction(self, *, lock: bool = False,
                    pipeline: bool = False):  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, sql: str, params=()) -> list[dict]:  # pragma: no cover - interface
        raise NotImplementedError

    def exclusive(self, name: str):  # pragma: no cover - interface
        """A mutex named `name`, shared by every process on the store, held for a `with`."""
        raise NotImplementedError

    def lease(self, name: str) -> "Lease | None":  # pragma: no cover - interface
        """Become the one holder of `name` among every process and host on this store, until
        released or until this process dies; None while another holds it."""
        raise NotImplementedError

    def _waiting_room(self, name: str) -> threading.Lock:
        """This process's lock for `name` (one of 256), taken before the store's: the threads
        or greenlets of one process queue here, so at most one of them waits on the store (a
        wait that blocks the whole process under gevent, or holds a pooled connection)."""
        return self._rooms[hashlib.sha256(name.encode()).digest()[0]]

    def query_one(self, sql: str, params=()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def close(self) -> None:
        pass

    def execute_script(self, statements: list[str], attempts: int = 3) -> None:
        """Run DDL in one transaction; again when PostgreSQL ended it as a deadlock (with an
        autovacuum's ANALYZE of a table the script names: the script is idempotent)."""
        for attempt in range(attempts):
            try:
                with self.transaction(lock=True) as cur:
                    for statement in statements:
                        cur.execute(statement)
                return
            except psycopg.errors.DeadlockDetected:
                if attempt == attempts - 1:
                    raise


class Lease:
    def __init__(self, alive, release):
        self._alive, self._release = alive, release

    def alive(self) -> bool:
        """Still held: False once the store forgot it (its connection broke)."""
        try:
            return self._alive()
        except (OSError, psycopg.Error):
            return False

    def release(self) -> None:
        try:
            self._release()
        except (OSError, psycopg.Error):
            pass  # a broken connection has released it already


class SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor
        self.memo = {}  # what a view carries from one event to the next in this transaction

    def execute(self, sql: str, params=()) -> "SQLiteCursor":
        self._cursor.execute(sql, params)
        return self

    def sync(self) -> None:
        """Every statement so far has run (SQLite runs each at once)."""

    def append_all(self, batches: list[tuple[str, tuple[str, ...], list[tuple]]]) -> None:
        for batch in batches:
            self.append(*batch)

    def append(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        self._cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)})"
                                 f" VALUES ({', '.join('?' * len(columns))})", rows)

    def pipeline(self) -> AbstractContextManager:
        return nullcontext()  # in-process: no round trips to save

    def insert_events(self, table: str, stored_events) -> list[int]:
        """Append stored events to eventsourcing's table; return their positions (rowids)."""
        ids = []
        try:
            for event in stored_events:
                self._cursor.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", (
                    event.originator_id.hex, event.originator_version, event.topic, event.state))
                ids.append(self._cursor.lastrowid)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(error) from error
        return ids

    def insert_snapshots(self, table: str, snapshots) -> None:
        """Add stored snapshots to eventsourcing's snapshots table."""
        self._cursor.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", [
            (s.originator_id.hex, s.originator_version, s.topic, s.state) for s in snapshots])

    def fetchone(self) -> dict | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None

    def fetchall(self) -> list[dict]:
        return [dict(row) for row in self._cursor.fetchall()]

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class SQLiteDatabase(Database):
    def __init__(self, path: Path):
        super().__init__()
        self._path = path
        self._local = threading.local()
        self._locks = path.parent / "locks"
        self._locks.mkdir(parents=True, exist_ok=True)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, timeout=30,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, *, lock: bool = False, pipeline: bool = False,
                    ) -> Iterator[SQLiteCursor]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
        try:
            yield SQLiteCursor(conn.cursor())
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params=()) -> list[dict]:
        return [dict(row) for row in self._connection().execute(sql, params).fetchall()]

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        bucket = hashlib.sha256(name.encode()).hexdigest()[:2]  # 256 lock files at most
        with self._waiting_room(name), open(self._locks / f"{bucket}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def lease(self, name: str) -> Lease | None:
        handle = open(self._locks / f"lease-{hashlib.sha256(name.encode()).hexdigest()[:16]}",
                      "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return Lease(lambda: True, handle.close)  # closing the file drops the lock

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@cache
def _to_pyformat(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


MAX_PARAMETERS = 65535  # in one PostgreSQL statement


class PostgresCursor:
    def __init__(self, cursor: psycopg.Cursor, pipeline: psycopg.Pipeline | None = None):
        self._cursor = cursor
        self._pipeline = pipeline
        self.memo = {}  # what a view carries from one event to the next in this transaction

    def execute(self, sql: str, params=()) -> "PostgresCursor":
        self._cursor.execute(_to_pyformat(sql), params)
        return self

    def sync(self) -> None:
        """Wait until every statement sent so far has run; raise the first one's error."""
        if self._pipeline is not None:
            self._pipeline.sync()

    def append_all(self, batches: list[tuple[str, tuple[str, ...], list[tuple]]]) -> None:
        """Rows for several tables: a command's few in one statement (one round trip, where a
        COPY takes two per table), a catch-up's many by COPY, or in a pipeline (which has no
        COPY) by as many statements as they take, sent without waiting."""
        if sum(len(columns) * len(rows) for _, columns, rows in batches) > 2000:
            for table, columns, rows in batches:
                if self._pipeline is None:
                    self.append(table, columns, rows)
                    continue
                per_statement = MAX_PARAMETERS // len(columns)
                for start in range(0, len(rows), per_statement):
                    self._insert([(table, columns, rows[start:start + per_statement])])
            return
        self._insert(batches)

    def _insert(self, batches: list[tuple[str, tuple[str, ...], list[tuple]]]) -> None:
        inserts = [f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                   + ", ".join([f"({', '.join(['%s'] * len(columns))})"] * len(rows))
                   for table, columns, rows in batches]
        *earlier, last = inserts  # PostgreSQL runs every data-modifying WITH, referenced or not
        with_clause = ", ".join(f"a{n} AS ({sql})" for n, sql in enumerate(earlier))
        self._cursor.execute((f"WITH {with_clause} " if earlier else "") + last,
                             [value for _, _, rows in batches for row in rows for value in row])

    def append(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Many rows at once, by COPY: no statement per row."""
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def pipeline(self) -> AbstractContextManager:
        """Statements sent without waiting for each one's answer (psycopg's pipeline mode), up
        to a fetch or the end of the block. An error then shows at that point, not at the
        statement that caused it; COPY cannot run inside."""
        return self._cursor.connection.pipeline()

    def insert_events(self, table: str, stored_events) -> list[int]:
        """Append stored events to eventsourcing's table; return their notification ids. The
        table lock is eventsourcing's own: its writers (an older release's, in a rolling
        upgrade) and ours then commit in the order of their ids, so no reader skips one."""
        self._cursor.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
        try:  # in a pipeline, the error shows when the ids are read
            self._insert_stored(table, stored_events, " RETURNING notification_id")
            return [row["notification_id"] for row in self._cursor.fetchall()]
        except psycopg.errors.UniqueViolation as error:
            raise IntegrityError(error) from error

    def insert_snapshots(self, table: str, snapshots) -> None:
        """Add stored snapshots to eventsourcing's snapshots table."""
        self._insert_stored(table, snapshots)

    def _insert_stored(self, table: str, stored, returning: str = "") -> None:
        values = ", ".join(["(%s, %s, %s, %s)"] * len(stored))
        params = [value for e in stored
                  for value in (e.originator_id, e.originator_version, e.topic, e.state)]
        self._cursor.execute(f'INSERT INTO "{table}" (originator_id, originator_version, topic,'
                             f" state) VALUES {values}{returning}", params)

    def fetchone(self) -> dict | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[dict]:
        return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


@contextmanager
def _plain(conn: psycopg.Connection) -> Iterator[None]:
    with conn.transaction():
        yield None


@contextmanager
def _pipelined(conn: psycopg.Connection) -> Iterator[psycopg.Pipeline]:
    """A transaction in pipeline mode whose BEGIN and COMMIT travel with the statements beside
    them: psycopg's own `conn.transaction()` waits for each of them alone."""
    try:
        with conn.pipeline() as batch:
            conn.execute("BEGIN")
            yield batch
            conn.execute("COMMIT")
    except BaseException:
        with suppress(psycopg.Error):  # a broken connection: the pool discards it
            conn.execute("ROLLBACK")
        raise


class PostgresDatabase(Database):
    def __init__(self, conninfo: str, schema: str, max_size: int = 4, check: bool = False):
        super().__init__()
        self._conninfo = conninfo
        # Advisory locks are per database, so their names carry the schema: two Wharfs in two
        # schemas of one database never wait for each other.
        self._scope = f"wharf:{schema}:"
        # A request waits at most STORE_TIMEOUT for a connection, then is told to retry (503).
        self._pool = ConnectionPool(
            conninfo, min_size=1, max_size=max_size, open=True, timeout=STORE_TIMEOUT,
            check=ConnectionPool.check_connection if check else None,
            kwargs={"row_factory": dict_row, "options": f"-c search_path={schema}",
                    "autocommit": True, "connect_timeout": STORE_TIMEOUT},
        )
        self._lock_pool = ConnectionPool(
            conninfo, min_size=0, max_size=max_size, open=True, timeout=STORE_TIMEOUT,
            check=ConnectionPool.check_connection if check else None,
            kwargs={"autocommit": True, "connect_timeout": STORE_TIMEOUT})
        self._lock_holders = threading.BoundedSemaphore(max_size)  # queue here, not on the pool

    @contextmanager
    def transaction(self, *, lock: bool = False, pipeline: bool = False,
                    ) -> Iterator[PostgresCursor]:
        with (self._pool.connection() as conn,
              _pipelined(conn) if pipeline else _plain(conn) as batch,
              conn.cursor() as cur):
            if lock:
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                            (self._scope + "views",))
            yield PostgresCursor(cur, batch)

    def query(self, sql: str, params=()) -> list[dict]:
        with self._pool.connection() as conn, conn.execute(_to_pyformat(sql), params) as cur:
            # Not `cur.description`: it builds a Column per field, on every read.
            return cur.fetchall() if cur.pgresult.status == TUPLES_OK else []

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        # Its own pool: a holder also needs the query pool, which waiters must not drain; and
        # a queue in front of it, so a burst waits its turn instead of timing out (503).
        with (self._waiting_room(name), self._lock_holders,
              self._lock_pool.connection() as conn):
            conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 1))", (self._scope + name,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 1))",
                             (self._scope + name,))

    def lease(self, name: str) -> Lease | None:
        """A session-level advisory lock on a connection of its own: PostgreSQL drops it when
        that connection closes, so a holder that dies (even by kill -9) frees it at once."""
        conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=STORE_TIMEOUT)
        held = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 2))",
                            (self._scope + name,)).fetchone()[0]
        if not held:
            conn.close()
            return None
        return Lease(lambda: conn.execute("SELECT 1").fetchone() is not None, conn.close)

    def close(self) -> None:
        self._pool.close()
        self._lock_pool.close()


def stamp(moment) -> str | None:
    """Times are stored as fixed-width UTC text, so they sort and compare the same everywhere."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def unstamp(text: str | None):
    """A stamp read back (fromisoformat, a fraction of strptime's cost; it reads the Z as UTC)."""
    return None if text is None else datetime.fromisoformat(text)
