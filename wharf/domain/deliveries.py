"""Delivered email, on the Account aggregate: one event per message the outbox delivered, so
the account's history says what it was told and where (never the message, never a link)."""

from wharf.domain.base import WharfAggregate
from wharf.domain.origin import Origin


class Deliveries:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class EmailDelivered(WharfAggregate.Event):
        TOPIC = "wharf:account:email-delivered"
        message_id: str  # the outbox's id, also the message's Message-ID
        template: str
        recipient: str

        def apply(self, account) -> None:
            pass

    def record_delivery(self, origin: Origin, message_id: str, template: str,
                        recipient: str) -> None:
        self._record(self.EmailDelivered, origin, message_id=message_id, template=template,
                     recipient=recipient)
