"""Brings every view up to date with the event log, exactly once.

Any process may call `catch_up`: writers call it right after saving, so a command's response
returns only once its views show the change (read-your-writes across processes); the projection
process calls it in a loop to repair what a crashed writer left behind. Catch-up runs under the
views lock; each view's rows and its tracking position are written in one transaction, so an
event is applied once whichever process gets there first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable

from eventsourcing.persistence import ApplicationRecorder, Mapper

from wharf.projections.database import Database

BATCH = 500

TRACKING_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
]


# What a view's `process` is given, besides the cursor.
EVENT = "event"  # process(event, cur): the domain event
STORED = "stored"  # process(notification, cur): the stored bytes, as the log holds them
POSITIONED = "positioned"  # process(event, cur, position): the event and its place in the log


@dataclass(frozen=True)
class View:
    name: str
    schema: list[str]
    tables: list[str]
    process: Callable
    takes: str = EVENT
    # An append-only view (one table) names the columns it fills; its process then returns the
    # rows to add, and the projector writes a whole batch of them at once (COPY on PostgreSQL).
    appends: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # the only events it makes rows of; empty: any event

    def apply(self, notification, event, cur):
        if self.takes == STORED:
            return self.process(notification, cur)
        if self.takes == POSITIONED:
            return self.process(event, cur, notification.id)
        return self.process(event, cur)


class _Appends:
    """The rows append-only views produced during one batch, written together at its end."""

    def __init__(self):
        self._rows: dict[tuple[str, tuple[str, ...]], list] = {}  # (table, columns) -> rows

    def apply(self, view: View, notification, event, cur, into: str | None = None) -> None:
        """Apply one event to one view; `into` sends an append-only view's rows elsewhere."""
        rows = view.apply(notification, event, cur)
        if view.appends:
            self._rows.setdefault((into or view.tables[0], view.appends), []).extend(rows)

    def flush(self, cur) -> None:
        for (table, columns), rows in self._rows.items():
            if rows:
                cur.append(table, columns, rows)
        self._rows.clear()


class Projector:
    def __init__(self, db: Database, recorder: ApplicationRecorder, mapper: Mapper,
                 views: Sequence[View]):
        self._db = db
        self._recorder = recorder
        self._mapper = mapper
        self._views = {view.name: view for view in views}

    def create_tables(self) -> None:
        statements = list(TRACKING_SCHEMA)
        for view in self._views.values():
            statements += view.schema
        self._db.execute_script(statements)
        with self._db.transaction(lock=True) as cur:
            for name in self._views:
                cur.execute("INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
                            " ON CONFLICT (name) DO NOTHING", (name,))

    def position(self) -> int:
        row = self._db.query_one("SELECT MIN(position) AS p FROM projection_tracking")
        return row["p"] or 0

    def lag(self) -> int:
        """How many events of the log some view has not applied yet."""
        return (self._recorder.max_notification_id() or 0) - self.position()

    def catch_up(self, until: int | None = None) -> int:
        """Apply every event not yet in the views; return how many were applied.

        With `until`, return at once when the views are already past it (another process
        caught them up while we waited for the lock).
        """
        applied = 0
        with self._db.transaction(lock=True) as cur:
            rows = cur.execute("SELECT name, position FROM projection_tracking").fetchall()
            positions = {row["name"]: row["position"] for row in rows}
            start = min(positions.values(), default=0)
            if until is not None and start >= until:
                return 0
            appends = _Appends()
            while True:
                notifications = self._recorder.select_notifications(
                    start, BATCH, inclusive_of_start=False)
                for notification in notifications:
                    event = self._mapper.to_domain_event(notification)
                    for name, view in self._views.items():
                        if positions[name] < notification.id:
                            appends.apply(view, notification, event, cur)
                appends.flush(cur)
                if notifications:
                    start = notifications[-1].id
                    applied += len(notifications)
                if len(notifications) < BATCH:
                    break
            if applied:
                cur.execute("UPDATE projection_tracking SET position = ? WHERE position < ?",
                            (start, start))
        return applied

    def rebuild(self, name: str, progress: Callable[[int, int], None] = lambda done, of: None,
                ) -> dict[str, "Difference"]:
        """Rebuild one view from the log in one transaction and compare it, in SQL, with the live
        one; leave the log's version and return, per table that differed, what only the live
        view had and what only the rebuilt one has. Readers see the live rows until it commits.

        An append-only view is rebuilt into a bare copy (no index to keep up) which replaces the
        live rows only where they differ; any other is replayed over its emptied tables, against
        a copy of the live rows.
        """
        view = self._views[name]
        with self._db.transaction(lock=True) as cur:
            pairs = [(table, f"rebuilt_{table}") if view.appends else (f"live_{table}", table)
                     for table in view.tables]
            for live, rebuilt in pairs:
                copied = rebuilt if view.appends else live
                source = live if view.appends else rebuilt
                cur.execute(f"CREATE TEMPORARY TABLE {copied} AS SELECT * FROM {source}"
                            + (" WHERE 1 = 0" if view.appends else ""))
                if not view.appends:
                    cur.execute(f"DELETE FROM {source}")
            position = self._replay(view, cur, progress, pairs[0][1] if view.appends else None)
            cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?",
                        (position, name))
            differences = {}
            for (live, rebuilt), table in zip(pairs, view.tables, strict=True):
                difference = _difference(cur, live, rebuilt)
                if difference:
                    differences[table] = difference
                if difference and view.appends:
                    cur.execute(f"DELETE FROM {table}")
                    cur.execute(f"INSERT INTO {table} SELECT * FROM {rebuilt}")
                cur.execute(f"DROP TABLE {rebuilt if view.appends else live}")
        return differences

    def _replay(self, view: View, cur, progress: Callable[[int, int], None],
                into: str | None) -> int:
        """Apply the whole log (the view's topics of it) to one view; return the position
        reached: the log's end when the replay began, or later."""
        position, last = 0, self._recorder.max_notification_id() or 0
        appends = _Appends()
        while notifications := self._recorder.select_notifications(
                position, BATCH, topics=view.topics, inclusive_of_start=False):
            for notification in notifications:
                appends.apply(view, notification, self._mapper.to_domain_event(notification),
                              cur, into)
            appends.flush(cur)
            position = notifications[-1].id
            progress(position, max(last, position))
        progress(max(last, position), max(last, position))
        return max(last, position)  # events between that a view's topics skip make no rows

    def reset(self, name: str) -> None:
        """Empty one view and rewind it, so the next catch-up rebuilds it from the log."""
        view = self._views[name]
        with self._db.transaction(lock=True) as cur:
            for table in view.tables:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (name,))


@dataclass(frozen=True)
class Difference:
    only_live: tuple[int, list[dict]]  # how many rows, and the first few
    only_rebuilt: tuple[int, list[dict]]

    def __bool__(self) -> bool:
        return bool(self.only_live[0] or self.only_rebuilt[0])


def _difference(cur, live: str, rebuilt: str) -> Difference:
    """What only each side holds. The live rows are distinct (every view table has a primary
    key), so when the rebuilt side is as large and holds all of them, the two are equal: the
    second, costly, EXCEPT is needed only when they are not."""
    only_live = _except(cur, live, rebuilt)
    sizes = [cur.execute(f"SELECT COUNT(*) AS n FROM {t}").fetchone()["n"] for t in (live, rebuilt)]
    if not only_live[0] and sizes[0] == sizes[1]:
        return Difference(only_live, (0, []))
    return Difference(only_live, _except(cur, rebuilt, live))


def _except(cur, table: str, other: str, sample: int = 5) -> tuple[int, list[dict]]:
    rows = f"SELECT * FROM {table} EXCEPT SELECT * FROM {other}"
    count = cur.execute(f"SELECT COUNT(*) AS n FROM ({rows}) AS d").fetchone()["n"]
    return count, cur.execute(f"{rows} LIMIT {sample}").fetchall() if count else []
