"""Aggregates read back in one round trip on PostgreSQL: the latest snapshot and the events
after it in one statement, where eventsourcing's repository asks for one, then the other. A
command reads an aggregate or two (an address's claim, the account) before it saves."""

from itertools import chain
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.application import Repository as EventsourcingRepository
from eventsourcing.persistence import (
    EventStore,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

# The snapshot's row first (part 0), then the events after it in order.
LATEST = SQL(
    "WITH s AS (SELECT originator_version, topic, state FROM {schema}.{snapshots}"
    " WHERE originator_id = %(id)s ORDER BY originator_version DESC LIMIT 1)"
    " SELECT 0 AS part, originator_version, topic, state FROM s"
    " UNION ALL SELECT 1, originator_version, topic, state FROM {schema}.{events}"
    " WHERE originator_id = %(id)s"
    " AND originator_version > COALESCE((SELECT originator_version FROM s), -1)"
    " ORDER BY part, originator_version")


class Repository(EventsourcingRepository):
    def __init__(self, event_store: EventStore, snapshot_store: EventStore | None):
        super().__init__(event_store, snapshot_store=snapshot_store)
        events = event_store.recorder
        snapshots = snapshot_store.recorder if snapshot_store else None
        self._latest = None  # SQLite answers in-process: eventsourcing's two reads cost little
        if isinstance(events, PostgresAggregateRecorder) and isinstance(
                snapshots, PostgresAggregateRecorder):
            self._latest = LATEST.format(schema=Identifier(events.datastore.schema),
                                         snapshots=Identifier(snapshots.events_table_name),
                                         events=Identifier(events.events_table_name))

    def _reconstruct_aggregate(self, aggregate_id, version, projector_func) -> Any:
        if self._latest is None or version is not None:
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        snapshot, events = self._select_latest(aggregate_id)
        aggregate = projector_func(None, chain(
            [self.snapshot_store.mapper.to_domain_event(s) for s in snapshot],
            map(self.event_store.mapper.to_domain_event, events)))
        if aggregate is None:
            raise AggregateNotFoundError(f"Aggregate {aggregate_id!r} not found.")
        return aggregate

    # As eventsourcing retries its own reads while the store is away (see bootstrap.py).
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _select_latest(self, aggregate_id) -> tuple[list[StoredEvent], list[StoredEvent]]:
        with (self.event_store.recorder.datastore.get_connection() as conn,
              conn.cursor() as cur):
            cur.execute(self._latest, {"id": aggregate_id}, prepare=True)
            rows = cur.fetchall()
        parts: tuple[list, list] = ([], [])
        for row in rows:
            parts[row["part"]].append(StoredEvent(
                originator_id=aggregate_id, originator_version=row["originator_version"],
                topic=row["topic"], state=bytes(row["state"])))
        return parts
