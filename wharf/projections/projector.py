"""Brings every view up to date with the event log, exactly once.

Any process may call `catch_up`: writers call it right after saving, so a command's response
returns only once its views show the change (read-your-writes across processes); the projection
process calls it in a loop to repair what a crashed writer left behind. Catch-up runs under the
views lock; each view's rows and its tracking position are written in one transaction, so an
event is applied once whichever process gets there first.
"""

from collections import Counter
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

    def apply(self, notification, event, cur) -> None:
        if self.takes == STORED:
            self.process(notification, cur)
        elif self.takes == POSITIONED:
            self.process(event, cur, notification.id)
        else:
            self.process(event, cur)


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
            while True:
                notifications = self._recorder.select_notifications(
                    start, BATCH, inclusive_of_start=False)
                for notification in notifications:
                    event = self._mapper.to_domain_event(notification)
                    for name, view in self._views.items():
                        if positions[name] < notification.id:
                            view.apply(notification, event, cur)
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
                ) -> dict[str, tuple[list, list]]:
        """Rebuild one view from the log in one transaction (readers keep the live rows until it
        commits); return, per table, the rows only the live view had and those only the
        rebuilt one has (nothing when they agree)."""
        view = self._views[name]
        with self._db.transaction(lock=True) as cur:
            live = {table: _rows(cur, table) for table in view.tables}
            for table in view.tables:
                cur.execute(f"DELETE FROM {table}")
            position, last = 0, self._recorder.max_notification_id() or 0
            while notifications := self._recorder.select_notifications(
                    position, BATCH, inclusive_of_start=False):
                for notification in notifications:
                    view.apply(notification, self._mapper.to_domain_event(notification), cur)
                position = notifications[-1].id
                progress(position, max(last, position))
            cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?",
                        (position, name))
            rebuilt = {table: _rows(cur, table) for table in view.tables}
        return {table: (_minus(live[table], rebuilt[table]), _minus(rebuilt[table], live[table]))
                for table in view.tables if live[table] != rebuilt[table]}

    def reset(self, name: str) -> None:
        """Empty one view and rewind it, so the next catch-up rebuilds it from the log."""
        view = self._views[name]
        with self._db.transaction(lock=True) as cur:
            for table in view.tables:
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE projection_tracking SET position = 0 WHERE name = ?", (name,))


def _rows(cur, table: str) -> list[tuple]:
    return sorted(tuple(sorted(row.items())) for row in
                  cur.execute(f"SELECT * FROM {table}").fetchall())


def _minus(rows: list[tuple], others: list[tuple]) -> list[tuple]:
    return sorted((Counter(rows) - Counter(others)).elements())
