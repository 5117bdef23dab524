"""Pending trusted publishers, on the Account aggregate: a publisher an account registers for a
project name nobody holds yet. The first run that matches it creates the project, with that
account as its Owner, and becomes the project's publisher; unused, it lapses after 30 days."""

from dataclasses import asdict
from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain import quotas
from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, NotFound
from wharf.domain.limits import DAY
from wharf.domain.origin import Origin
from wharf.domain.publishers import GitHubPublisher, GitLabPublisher, publisher_of

PENDING_LIFETIME = timedelta(days=30)
PENDING_PER_DAY = quotas.Rate(100, DAY)


class PendingPublishers:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class PendingPublisherAdded(WharfAggregate.Event):
        TOPIC = "wharf:account:pending-publisher-added"
        pending_id: UUID
        project_name: str  # as given; the project is created under it
        normalized_name: str
        publisher: dict  # a GitHubPublisher's or GitLabPublisher's fields
        expires_at: datetime

        def apply(self, account) -> None:
            account.pending_publishers[str(self.pending_id)] = {
                "project_name": self.project_name, "normalized_name": self.normalized_name,
                "publisher": dict(self.publisher), "expires_at": self.expires_at}
            account.pending_registrations = [
                *quotas.recent(account.pending_registrations, self.timestamp), self.timestamp]

    class PendingPublisherRemoved(WharfAggregate.Event):
        TOPIC = "wharf:account:pending-publisher-removed"
        pending_id: UUID
        project_name: str
        publisher: dict

        def apply(self, account) -> None:
            del account.pending_publishers[str(self.pending_id)]

    class PendingPublisherUsed(WharfAggregate.Event):
        """A run matched it: the project was created, the publisher is now the project's."""
        TOPIC = "wharf:account:pending-publisher-used"
        pending_id: UUID
        project_id: UUID
        project_name: str
        publisher_id: UUID  # its id on the project
        publisher: dict

        def apply(self, account) -> None:
            del account.pending_publishers[str(self.pending_id)]

    @property
    def pending_publishers(self) -> dict[str, dict]:
        """Pending id -> its project name, publisher fields and expiry (expired ones too)."""
        return self.__dict__.setdefault("_pending_publishers", {})  # older snapshots lack it

    @property
    def pending_registrations(self) -> list[datetime]:
        return self.__dict__.setdefault("_pending_registrations", [])

    @pending_registrations.setter
    def pending_registrations(self, times: list[datetime]) -> None:
        self.__dict__["_pending_registrations"] = times

    def add_pending_publisher(self, origin: Origin, pending_id: UUID, project_name: str,
                              normalized_name: str, publisher: GitHubPublisher | GitLabPublisher,
                              trusted_issuers: tuple[str, ...]) -> None:
        """The name's being free is the command's to check (a claim, outside this account)."""
        publisher.check(trusted_issuers)
        PENDING_PER_DAY.check(self.pending_registrations, origin.at,
                              "pending publishers registered by this account")
        if any(p["normalized_name"] == normalized_name and p["expires_at"] > origin.at
               and publisher_of(p["publisher"]).key == publisher.key
               for p in self.pending_publishers.values()):
            raise Conflict("you already registered that pending publisher for this name")
        self._record(self.PendingPublisherAdded, origin, pending_id=pending_id,
                     project_name=project_name, normalized_name=normalized_name,
                     publisher=asdict(publisher), expires_at=origin.at + PENDING_LIFETIME)

    def remove_pending_publisher(self, origin: Origin, pending_id: str) -> None:
        pending = self.pending_publishers.get(pending_id)
        if pending is None:
            raise NotFound("you have no such pending publisher")
        self._record(self.PendingPublisherRemoved, origin, pending_id=UUID(pending_id),
                     project_name=pending["project_name"], publisher=pending["publisher"])

    def use_pending_publisher(self, origin: Origin, pending_id: str, project_id: UUID,
                              publisher_id: UUID) -> None:
        pending = self.pending_publishers.get(pending_id)
        if pending is None or pending["expires_at"] <= origin.at:
            raise NotFound("this pending publisher was removed or has expired")
        self._record(self.PendingPublisherUsed, origin, pending_id=UUID(pending_id),
                     project_id=project_id, project_name=pending["project_name"],
                     publisher_id=publisher_id, publisher=pending["publisher"])
