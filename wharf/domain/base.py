"""The base of every Wharf aggregate: each event records who acted, from where, and when."""

from dataclasses import KW_ONLY
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from wharf.domain.origin import Origin


class WharfAggregate(Aggregate):
    class Event(Aggregate.Event):
        # NOTE: events are forever: fields may be added (with defaults), never renamed or removed.
        actor_id: UUID | None
        ip: str
        user_agent: str
        _: KW_ONLY  # so that a field with a default may come before every event's own fields
        # The session or API token through which the actor acted (Origin.credential_id).
        # Recorded since 2026-12: older events, the command line's and anonymous ones have None.
        acting_credential_id: UUID | None = None

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _open(cls, event_class: type, origin: Origin, id: UUID, **fields: Any):
        return cls._create(event_class, id=id, **origin.as_event_fields(), **fields)

    def _record(self, event_class: type, origin: Origin, **fields: Any) -> None:
        self.trigger_event(event_class, **origin.as_event_fields(), **fields)
