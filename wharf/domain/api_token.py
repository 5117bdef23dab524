"""An API token: issued once to an account, scoped to it or to some of its projects, revoked
for good. The secret itself is never here: only the id of the server secret it derives from.
"""

from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.moments import check_moment
from wharf.domain.errors import Conflict, InvalidInput, NotFound
from wharf.domain.names import free_text
from wharf.domain.origin import Origin

# Why a token stopped working (Revoked.reason).
BY_USER, BY_ITSELF, ROLE_LOST, LEAKED = "user", "self", "role_lost", "leaked"
PASSWORD_RESET = "password_reset"  # the owner reset a forgotten password and asked for it
REMIND_BEFORE = timedelta(days=3)  # the owner is emailed this long before a token expires


class ApiToken(WharfAggregate):
    TOPIC = "wharf:api-token"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:api-token:created"  # the base of Issued, never recorded itself

    class Issued(Created):
        TOPIC = "wharf:api-token:issued"
        account_id: UUID
        description: str
        project_ids: list[UUID] | None  # None: the whole account
        project_names: list[str]  # normalised, as when issued
        not_before: datetime | None
        expires_at: datetime | None
        key_id: str  # which server secret the token's key derives from

        def apply(self, token: "ApiToken") -> None:
            token.account_id = self.account_id
            token.description = self.description
            token.project_ids = self.project_ids
            token.project_names = self.project_names
            token.not_before = self.not_before
            token.expires_at = self.expires_at
            token.revoked = False

    class Revoked(WharfAggregate.Event):
        TOPIC = "wharf:api-token:revoked"
        reason: str
        url: str | None = None  # where a leaked token was found
        containment_id: UUID | None = None  # the containment that revoked it (containment.py)

        def apply(self, token: "ApiToken") -> None:
            token.revoked = True

    class ExpiryReminded(WharfAggregate.Event):
        TOPIC = "wharf:api-token:expiry-reminded"
        expires_at: datetime

        def apply(self, token: "ApiToken") -> None:
            token.expiry_reminded = True

    expiry_reminded = False  # tokens issued before reminders existed were never reminded

    @classmethod
    def issue(cls, origin: Origin, token_id: UUID, description: str,
              projects: list[tuple[UUID, str]] | None, not_before: datetime | None,
              expires_at: datetime | None, key_id: str) -> "ApiToken":
        not_before = not_before and check_moment(not_before, "not_before")
        expires_at = expires_at and check_moment(expires_at, "expires_at")
        if not_before and expires_at and expires_at <= not_before:
            raise InvalidInput("a token must expire after it becomes valid")
        if expires_at and expires_at <= origin.at:
            raise InvalidInput("a token's expiry must be in the future")
        return cls._open(cls.Issued, origin, token_id, account_id=origin.actor_id,
                         description=description,
                         project_ids=[p[0] for p in projects] if projects is not None else None,
                         project_names=[p[1] for p in projects or ()],
                         not_before=not_before, expires_at=expires_at, key_id=key_id)

    @property
    def account_wide(self) -> bool:
        return self.project_ids is None

    def revoke(self, origin: Origin, reason: str, url: str | None = None,
               containment_id: UUID | None = None) -> None:
        if reason in (BY_USER, BY_ITSELF) and origin.actor_id != self.account_id:
            raise NotFound("no such token")
        if self.revoked:
            raise NotFound("this token is already revoked")
        self._record(self.Revoked, origin, reason=reason, url=url,
                     containment_id=containment_id)


    def reminder_due(self, now: datetime) -> bool:
        """A live token expiring within REMIND_BEFORE whose owner was not reminded yet."""
        return (not self.revoked and not self.expiry_reminded and self.expires_at is not None
                and now < self.expires_at <= now + REMIND_BEFORE)

    def remind_expiry(self, origin: Origin) -> None:
        if not self.reminder_due(origin.at):
            raise Conflict("this token's owner is not due a reminder of its expiry")
        self._record(self.ExpiryReminded, origin, expires_at=self.expires_at)


def check_description(description: str) -> str:
    return free_text(description, "a token's description", 100)

