"""Failed log-ins and password reset requests at a username (or address) no account holds.

They are logged like any other authentication attempt (OWASP ASVS 16.3.1), but with bounded
storage: one event per name and window, the first failure of the window, standing for every
failure at the name until `logged_until`. The failures themselves are counted for the limits in
the operational `login_failures` table. The name tried is kept only as a keyed digest: people
type passwords into the username field.
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.limits import FIVE_MINUTES, PASSWORD, FailureCounts
from wharf.domain.origin import Origin
from wharf.domain.password_reset import ResetRequests

NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/unknown-usernames")
LOGGED_WINDOW = FIVE_MINUTES


def unknown_username_id(name_digest: str) -> UUID:
    return uuid5(NAMESPACE, name_digest)


class UnknownUsername(ResetRequests, FailureCounts, WharfAggregate):
    TOPIC = "wharf:unknown-username"
    logged_until = None  # until when the last logged failure stands for the rest

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:unknown-username:created"
        name_digest: str

        def apply(self, aggregate: "UnknownUsername") -> None:
            aggregate.name_digest = self.name_digest
            aggregate.start_counting_failures()

    class FirstFailureLogged(WharfAggregate.Created):
        """The first failure at the name: it creates the aggregate, so one event, not two."""
        TOPIC = "wharf:unknown-username:first-failure-logged"
        name_digest: str
        logged_until: datetime

        def apply(self, aggregate: "UnknownUsername") -> None:
            aggregate.name_digest = self.name_digest
            aggregate.start_counting_failures()
            aggregate.logged_until = self.logged_until

    class LoginFailed(WharfAggregate.Event):
        TOPIC = "wharf:unknown-username:login-failed"  # written by older releases, one a failure
        reason: str  # unknown_username | rate_limited

        def apply(self, aggregate: "UnknownUsername") -> None:
            if self.reason != "rate_limited":
                aggregate.count_failure(PASSWORD, self.timestamp)

    class PasswordResetRequested(WharfAggregate.Event):
        """A reset asked for a name or address no account holds: recorded like a real one, so
        both answers cost the same and count against the same limits."""
        TOPIC = "wharf:unknown-username:password-reset-requested"

        def apply(self, aggregate: "UnknownUsername") -> None:
            aggregate.count_reset_request(self.timestamp)

    class FailuresLogged(WharfAggregate.Event):
        TOPIC = "wharf:unknown-username:failures-logged"
        logged_until: datetime

        def apply(self, aggregate: "UnknownUsername") -> None:
            aggregate.logged_until = self.logged_until

    @classmethod
    def create(cls, origin: Origin, name_digest: str) -> "UnknownUsername":
        return cls._open(cls.Created, origin, unknown_username_id(name_digest),
                         name_digest=name_digest)

    def request_password_reset(self, origin: Origin) -> None:
        self.check_reset_limit(origin)
        self._record(self.PasswordResetRequested, origin)

    @classmethod
    def first_failure(cls, origin: Origin, name_digest: str) -> "UnknownUsername":
        return cls._open(cls.FirstFailureLogged, origin, unknown_username_id(name_digest),
                         name_digest=name_digest, logged_until=origin.at + LOGGED_WINDOW)

    def logs(self, at: datetime) -> bool:
        """Whether a failure now is the first of a new window (the others are only counted)."""
        return self.logged_until is None or at >= self.logged_until

    def log_failure(self, origin: Origin) -> None:
        self._record(self.FailuresLogged, origin, logged_until=origin.at + LOGGED_WINDOW)
