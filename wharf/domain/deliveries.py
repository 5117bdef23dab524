"""Delivered email: one MailLog per account, with an event for each message the outbox
delivered, so the account's history says what it was told and where (never the message, never
a link). An aggregate of its own, so the deliverer never races the account's own commands."""

from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.origin import Origin

NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/mail-log")


def mail_log_id(account_id: UUID) -> UUID:
    return uuid5(NAMESPACE, str(account_id))


class MailLog(WharfAggregate):
    TOPIC = "wharf:mail-log"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:mail-log:created"
        account_id: UUID

        def apply(self, log: "MailLog") -> None:
            log.account_id = self.account_id

    class EmailDelivered(WharfAggregate.Event):
        TOPIC = "wharf:mail-log:email-delivered"
        account_id: UUID
        message_id: str  # the outbox's id, also the message's Message-ID
        template: str
        recipient: str

        def apply(self, log: "MailLog") -> None:
            pass

    @classmethod
    def open(cls, origin: Origin, account_id: UUID) -> "MailLog":
        return cls._open(cls.Created, origin, mail_log_id(account_id), account_id=account_id)

    def record_delivery(self, origin: Origin, message_id: str, template: str,
                        recipient: str) -> None:
        self._record(self.EmailDelivered, origin, account_id=self.account_id,
                     message_id=message_id, template=template, recipient=recipient)
