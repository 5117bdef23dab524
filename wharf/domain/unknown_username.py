"""Failed log-ins and password reset requests at a username (or address) no account holds.

They are logged like any other authentication attempt (OWASP ASVS 16.3.1), and recording them
costs what recording a wrong password costs, so the two failures take the same time. The name
tried is kept only as a keyed digest: people type passwords into the username field.
"""

from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.limits import PASSWORD, FailureCounts
from wharf.domain.origin import Origin
from wharf.domain.password_reset import ResetRequests

NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/unknown-usernames")


def unknown_username_id(name_digest: str) -> UUID:
    return uuid5(NAMESPACE, name_digest)


class UnknownUsername(ResetRequests, FailureCounts, WharfAggregate):
    TOPIC = "wharf:unknown-username"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:unknown-username:created"
        name_digest: str

        def apply(self, aggregate: "UnknownUsername") -> None:
            aggregate.name_digest = self.name_digest
            aggregate.start_counting_failures()

    class LoginFailed(WharfAggregate.Event):
        TOPIC = "wharf:unknown-username:login-failed"
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

    @classmethod
    def create(cls, origin: Origin, name_digest: str) -> "UnknownUsername":
        return cls._open(cls.Created, origin, unknown_username_id(name_digest),
                         name_digest=name_digest)

    def fail_login(self, origin: Origin, reason: str = "unknown_username") -> None:
        self._record(self.LoginFailed, origin, reason=reason)

    def request_password_reset(self, origin: Origin) -> None:
        self.check_reset_limit(origin)
        self._record(self.PasswordResetRequested, origin)
