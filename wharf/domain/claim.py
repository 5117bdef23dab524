"""A claim on a unique name (username, email, project name).

A claim is an aggregate whose id is derived from the name, so two processes claiming the same
name write version 1 (or the same next version) of the same aggregate, and the store lets only
one of them commit. That is how uniqueness holds across processes and hosts.
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain import quotas
from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict
from wharf.domain.origin import Origin

CLAIM_NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/claims")


def claim_id(kind: str, key: str) -> UUID:
    return uuid5(CLAIM_NAMESPACE, f"{kind}:{key}")


class Claim(WharfAggregate):
    TOPIC = "wharf:claim"

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:claim:created"
        kind: str
        key: str
        holder_id: UUID

        def apply(self, claim: "Claim") -> None:
            claim.kind = self.kind
            claim.key = self.key
            claim.holder_id = self.holder_id
            claim.takes = [self.timestamp]

    class Taken(WharfAggregate.Event):
        TOPIC = "wharf:claim:taken"
        holder_id: UUID

        def apply(self, claim: "Claim") -> None:
            claim.holder_id = self.holder_id
            claim.takes = [*quotas.recent(claim.takes, self.timestamp), self.timestamp]

    class Released(WharfAggregate.Event):
        TOPIC = "wharf:claim:released"

        def apply(self, claim: "Claim") -> None:
            claim.holder_id = None

    @classmethod
    def create(cls, origin: Origin, kind: str, key: str, holder_id: UUID) -> "Claim":
        return cls._open(cls.Created, origin, claim_id(kind, key), kind=kind, key=key,
                         holder_id=holder_id)

    def take(self, origin: Origin, holder_id: UUID, error: type[Conflict], detail: str) -> None:
        if self.holder_id not in (None, holder_id):
            raise error(detail)
        if self.holder_id is None:
            self._record(self.Taken, origin, holder_id=holder_id)

    def take_over(self, origin: Origin, holder_id: UUID) -> None:
        """Hand the name to `holder_id`, the current holder having given it up."""
        self._record(self.Released, origin)
        self._record(self.Taken, origin, holder_id=holder_id)

    def release(self, origin: Origin, holder_id: UUID) -> None:
        if self.holder_id == holder_id:
            self._record(self.Released, origin)

    @property
    def takes(self) -> list[datetime]:
        """When the name was taken lately (for an email address: a verification email each)."""
        return self.__dict__.setdefault("_takes", [])  # older snapshots lack it

    @takes.setter
    def takes(self, times: list[datetime]) -> None:
        self.__dict__["_takes"] = times
