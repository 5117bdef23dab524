"""Keeps every view in step with the event log, exactly once, and lets no event into the log
that the views cannot apply.

A command's events are stored and applied to the views in ONE transaction (`record`): views,
tracking position and events commit together, or nothing does. An event a view cannot apply
(a value the view cannot hold) rolls its own command back and never reaches the log, so no
single request can stop the writes of everyone else. `catch_up` applies what is in the log and
not yet in the views: events written by an older release, or before a view was reset; the
projection process calls it in a loop. Both run under the views lock.
"""

import logging
from collections.abc import Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Callable

from eventsourcing.application import Recording
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from wharf.domain.errors import Unrecordable, ViewsStuck
from wharf.projections import quarantine
from wharf.projections.database import STORE_ERRORS, Database
from wharf.projections.rebuild import NEXT_GENERATION, rebuild

log = logging.getLogger("wharf.projections")

BATCH = 500

TRACKING_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    # Counts the rebuilds and resets of any view, by any process: a tail kept in memory
    # (View.tail) is good only while this has not moved.
    "CREATE TABLE IF NOT EXISTS projection_generation ("
    " id SMALLINT PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)",
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
    # The memo key under which the view keeps its state after the last event it applied (a
    # chain's last hash, a tree's frontier): carried from one command to the next in this
    # process while no other writer came between and no view was rebuilt or reset, so that a
    # write need not read it again.
    tail: str | None = None

    def passes_over(self, topic: str, event_class: type) -> bool:
        """Whether this view makes nothing of such an event: not one of its topics, or no
        function its singledispatch process registered for the class.
        NOTE: a singledispatch process's base function must do nothing."""
        if self.topics and topic not in self.topics:
            return True
        registry = getattr(self.process, "registry", None)
        return (self.takes == EVENT and registry is not None
                and self.process.dispatch(event_class) is registry[object])

    def apply(self, notification, event, cur):
        if self.takes == STORED:
            return self.process(notification, cur)
        if self.takes == POSITIONED:
            return self.process(event, cur, notification.id)
        return self.process(event, cur)


class ApplyFailed(Exception):
    """A view could not apply the event at `position`; the transaction was rolled back."""

    def __init__(self, position: int, view: str, error: Exception):
        super().__init__(f"view {view} cannot apply the event at position {position}:"
                         f" {type(error).__name__}")
        self.position, self.view, self.error = position, view, error


class _Appends:
    """The rows append-only views produced during one batch, written together at its end."""

    def __init__(self):
        self._rows: dict[tuple[str, tuple[str, ...]], list] = {}  # (table, columns) -> rows
        self._first: int | None = None  # the batch's first position, to name in a failure

    def apply(self, view: View, notification, event, cur, into: str | None = None) -> None:
        """Apply one event to one view; `into` sends an append-only view's rows elsewhere."""
        try:
            rows = view.apply(notification, event, cur)
        except STORE_ERRORS:
            raise
        except Exception as error:
            raise ApplyFailed(notification.id, view.name, error) from error
        if view.appends:
            self._rows.setdefault((into or view.tables[0], view.appends), []).extend(rows)
            self._first = self._first or notification.id

    def flush(self, cur) -> None:
        batches = [(table, columns, rows) for (table, columns), rows in self._rows.items() if rows]
        if batches:
            try:
                cur.append_all(batches)  # a command's rows in one round trip
            except STORE_ERRORS:
                raise
            except Exception as error:
                raise ApplyFailed(self._first or 0, ", ".join(b[0] for b in batches),
                                  error) from error
        self._rows.clear()
        self._first = None


@contextmanager
def _refusals(first: int):
    """Views applied from `first` on, in a pipeline: a view's failed statement shows late, at
    any later statement or at the sync (its view unknown), and is still the views' refusal."""
    try:
        yield
    except (ApplyFailed, *STORE_ERRORS):  # outages pass
        raise
    except Exception as error:
        raise ApplyFailed(first, "a view's statement", error) from error


class Projector:
    def __init__(self, db: Database, recorder: ApplicationRecorder, mapper: Mapper,
                 views: Sequence[View], snapshots_table: str | None = None):
        self._db = db
        self._recorder = recorder
        self._snapshots_table = snapshots_table
        self._mapper = mapper
        self._views = {view.name: view for view in views}
        self._tail_keys = [view.tail for view in views if view.tail]
        self._takers: dict[str, list[View]] = {}  # topic -> the views its events may change
        # (position, generation, the views' tails after that position)
        self._tail: tuple[int, int, dict] = (-1, -1, {})

    def create_tables(self) -> None:
        statements = list(TRACKING_SCHEMA)
        for view in self._views.values():
            statements += view.schema
        self._db.execute_script(statements)
        with self._db.transaction(lock=True) as cur:
            for name in self._views:
                cur.execute("INSERT INTO projection_tracking (name, position) VALUES (?, 0)"
                            " ON CONFLICT (name) DO NOTHING", (name,))
            cur.execute("INSERT INTO projection_generation (id, generation) VALUES (1, 0)"
                        " ON CONFLICT (id) DO NOTHING")

    def position(self) -> int:
        row = self._db.query_one("SELECT MIN(position) AS p FROM projection_tracking")
        return row["p"] or 0

    def lag(self) -> int:
        """How many events of the log some view has not applied yet."""
        return (self._recorder.max_notification_id() or 0) - self.position()

    def record(self, events: Sequence, stored: Sequence, *, apply: bool = True,
               snapshots: Sequence = ()) -> list[Recording]:
        """Store a command's events (and the snapshots it took) and apply them to every view,
        in one transaction.

        Raises IntegrityError when another process saved one of these aggregate versions first,
        and Unrecordable when a view cannot apply one of them: either way nothing is stored.
        `apply=False` only stores them (a log repair, which must land while the views are stuck
        behind the event it names); the views then take them up with the rest of the log.
        Pipelined: round trips only to read the positions, to store the events, to see the
        views' writes through (`cur.sync()`) and to commit, and wherever a view reads.
        """
        with self._db.transaction(lock=True, pipeline=True) as cur:
            positions, generation = self._positions_and_generation(cur)
            tail_at, tail_generation, tails = self._tail
            if apply and set(positions.values()) == {tail_at} and generation == tail_generation:
                cur.memo.update(tails)  # no write, rebuild or reset since this process's last
            ids = cur.insert_events(self._recorder.events_table_name, stored)
            if snapshots:
                cur.insert_snapshots(self._snapshots_table, snapshots)
            notifications = [
                Notification(id=n, originator_id=s.originator_id, topic=s.topic, state=s.state,
                             originator_version=s.originator_version)
                for n, s in zip(ids, stored, strict=True)]
            if apply:
                self._catch_up_to(cur, positions, ids[0] - 1)
                self._apply_own(cur, notifications)
        if apply:  # committed: the views' tails now stand after this command's last event
            self._tail = (ids[-1], generation, {key: cur.memo[key] for key in self._tail_keys
                                                if key in cur.memo})
        return [Recording(event, notification)
                for event, notification in zip(events, notifications, strict=True)]

    def _apply_own(self, cur, notifications: list[Notification]) -> None:
        try:
            with _refusals(notifications[0].id):
                appends = _Appends()
                for notification in notifications:
                    event = self._mapper.to_domain_event(notification)  # as it will be read back
                    for view in self._takers_of(notification.topic, type(event)):
                        appends.apply(view, notification, event, cur)
                appends.flush(cur)
                cur.execute("UPDATE projection_tracking SET position = ? WHERE position < ?",
                            (notifications[-1].id, notifications[-1].id))
                cur.sync()
        except ApplyFailed as failure:
            log.error("refused a command: %s; nothing was recorded", failure)
            raise Unrecordable("the request holds a value that cannot be recorded") from None

    def _catch_up_to(self, cur, positions: dict[str, int], end: int) -> None:
        """Within a command's transaction: apply what the views lack before its own events."""
        if min(positions.values(), default=0) >= end:
            return
        try:
            with _refusals(min(positions.values(), default=0) + 1):
                self._catch_up(cur, positions, until=end)
                cur.sync()
        except ApplyFailed as failure:
            log.error("the views are stuck: %s (see README, 'A stuck view')", failure)
            raise ViewsStuck(failure.position) from None

    def catch_up(self, until: int | None = None) -> int:
        """Apply every event not yet in the views; return how many were applied.

        With `until`, return at once when the views are already past it. An event a view
        cannot apply stops the views there (ApplyFailed), unless the log records that event's
        quarantine (`wharf projections quarantine`): then the views that can apply it do, and
        the others pass over it.
        """
        try:
            return self._catch_up_in_transaction(until, skip=frozenset())
        except ApplyFailed as failure:
            skip = quarantine.positions(self._recorder, self._mapper)
            if failure.position not in skip:
                raise
            log.warning("passing over the quarantined event at position %d", failure.position)
            return self._catch_up_in_transaction(until, skip)

    def _catch_up_in_transaction(self, until: int | None, skip: frozenset[int]) -> int:
        """Pipelined (no round trip per statement), unless events are passed over (each in a
        savepoint). A pipeline shows an error late, naming no event: then everything is
        rolled back and done again one statement at a time, which names the event."""
        if not skip:
            try:
                return self._catch_up_once(until, skip, pipelined=True)
            except Exception:  # noqa: BLE001 - a store outage fails again below
                log.info("a pipelined catch-up failed; again, one statement at a time")
        return self._catch_up_once(until, skip, pipelined=False)

    def _catch_up_once(self, until: int | None, skip: frozenset[int], pipelined: bool) -> int:
        with self._db.transaction(lock=True) as cur:
            positions, _ = self._positions_and_generation(cur)
            if until is not None and min(positions.values(), default=0) >= until:
                return 0
            return self._catch_up(cur, positions, skip=skip, pipelined=pipelined)

    def _positions_and_generation(self, cur) -> tuple[dict[str, int], int]:
        rows = cur.execute("SELECT name, position, (SELECT generation FROM projection_generation)"
                           " AS generation FROM projection_tracking").fetchall()
        return {row["name"]: row["position"] for row in rows}, rows[0]["generation"]

    def _catch_up(self, cur, positions: dict[str, int], until: int | None = None,
                  skip: frozenset[int] = frozenset(), pipelined: bool = False) -> int:
        applied, start = 0, min(positions.values(), default=0)
        ahead = max(positions.values(), default=0)
        appends = _Appends()
        while True:
            notifications = self._recorder.select_notifications(
                start, BATCH, stop=until, inclusive_of_start=False)
            with cur.pipeline() if pipelined else nullcontext():
                for notification in notifications:
                    event = self._mapper.to_domain_event(notification)
                    takers = self._takers_of(notification.topic, type(event))
                    due = takers if notification.id > ahead else [
                        view for view in takers if positions[view.name] < notification.id]
                    if notification.id in skip:
                        appends.flush(cur)
                        quarantine.apply_carefully(due, notification, event, cur, _Appends)
                        continue
                    for view in due:
                        appends.apply(view, notification, event, cur)
            appends.flush(cur)  # after the pipeline: COPY cannot run in one
            if notifications:
                start = notifications[-1].id
                applied += len(notifications)
            if len(notifications) < BATCH:
                break
        if applied:
            cur.execute("UPDATE projection_tracking SET position = ? WHERE position < ?",
                        (start, start))
        return applied

    def _takers_of(self, topic: str, event_class: type) -> list[View]:
        try:
            return self._takers[topic]
        except KeyError:
            takers = [view for view in self._views.values()
                      if not view.passes_over(topic, event_class)]
            return self._takers.setdefault(topic, takers)

    def rebuild(self, name: str, progress: Callable[[int, int], None] = lambda done, of: None):
        """Rebuild one view from the log and compare it with the live one (rebuild.py)."""
        return rebuild(self._db, self._views[name], self._replay, progress)

    def _replay(self, view: View, cur, progress: Callable[[int, int], None],
                into: str | None) -> int:
        """Apply the whole log (the view's topics of it) to one view, passing over what a
        quarantined event cannot give it; return the position reached: the log's end when the
        replay began, or later."""
        position, last = 0, self._recorder.max_notification_id() or 0
        appends, skip = _Appends(), quarantine.positions(self._recorder, self._mapper)
        while notifications := self._recorder.select_notifications(
                position, BATCH, topics=view.topics, inclusive_of_start=False):
            for notification in notifications:
                event = self._mapper.to_domain_event(notification)
                if notification.id in skip:
                    appends.flush(cur)
                    quarantine.apply_carefully([view], notification, event, cur, _Appends, into)
                else:
                    appends.apply(view, notification, event, cur, into)
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
            cur.execute(NEXT_GENERATION)
