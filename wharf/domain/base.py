"""The base of every Wharf aggregate: each event records who acted, from where, and when."""

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

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _open(cls, event_class: type, origin: Origin, id: UUID, **fields: Any):
        return cls._create(event_class, id=id, **origin.as_event_fields(), **fields)

    def _record(self, event_class: type, origin: Origin, **fields: Any) -> None:
        self.trigger_event(event_class, **origin.as_event_fields(), **fields)
