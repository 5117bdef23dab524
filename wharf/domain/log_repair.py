"""Repairs of the log itself, recorded like everything else: events are never edited.

An event that a view cannot apply can only be in the log if an older release wrote it (since
then a command's events reach the log only together with their views). Such an event stops the
views where it stands until an operator quarantines it: the views that can apply it still do,
the others pass over it, and the quarantine itself is in the log for everyone to read.
"""

from uuid import NAMESPACE_URL, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import InvalidInput
from wharf.domain.origin import Origin

LOG_REPAIR_ID = uuid5(NAMESPACE_URL, "https://wharf.invalid/log-repair")
REASON_LENGTH = 500


class LogRepair(WharfAggregate):
    TOPIC = "wharf:log-repair"

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:log-repair:created"

    class EventQuarantined(WharfAggregate.Event):
        # NOTE: events are forever: fields may be added (with defaults), never renamed or removed.
        TOPIC = "wharf:log-repair:event-quarantined"
        position: int
        topic: str  # the quarantined event's topic, as the log holds it
        reason: str

    @classmethod
    def open(cls, origin: Origin) -> "LogRepair":
        return cls._open(cls.Created, origin, LOG_REPAIR_ID)

    def quarantine(self, origin: Origin, position: int, topic: str, reason: str) -> None:
        reason = reason.strip()
        if not reason or len(reason) > REASON_LENGTH or "\x00" in reason:
            raise InvalidInput(f"give a reason of 1 to {REASON_LENGTH} characters")
        self._record(self.EventQuarantined, origin, position=position, topic=topic,
                     reason=reason)


QUARANTINED_TOPIC = LogRepair.EventQuarantined.TOPIC
