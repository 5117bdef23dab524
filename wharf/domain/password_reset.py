"""Forgotten passwords, on the Account aggregate: reset requests and their limits.

The emailed link holds no stored secret. It is an HMAC (wharf/security/tokens.py, ResetTokens)
over the account id, the request's time and two markers of the account's state: its last log-in
and its last password change. A log-in or a password change after the request moves a marker,
so the link dies; completing it changes the password, so it works once. The reset event itself
(`Account.PasswordReset`) is a kind of password change and lives beside `PasswordChanged`.
"""

from datetime import datetime, timedelta

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import InvalidToken, RateLimited
from wharf.domain.limits import DAY, HOUR, retry_after
from wharf.domain.origin import Origin

RESET_LINK_LIFETIME = timedelta(hours=6)
RESETS_PER_NAME = ((5, DAY),)   # per account, and per made-up name alike
RESETS_PER_IP = ((20, HOUR),)
TOO_MANY_RESETS = "too many password reset requests; try again later"
DEAD_LINK = ("this password reset link is invalid, has been used, or stopped working because "
             "the account logged in or changed its password since; ask for a new one")


class ResetRequests:
    """Reset request times of one name, real (Account) or made up (UnknownUsername), so the
    limits answer both alike and cannot tell which names exist."""

    def count_reset_request(self, at: datetime) -> None:
        self.reset_requests = [t for t in self.recent_reset_requests if t > at - DAY] + [at]

    @property
    def recent_reset_requests(self) -> list[datetime]:
        return getattr(self, "reset_requests", [])  # absent from snapshots of older releases

    def check_reset_limit(self, origin: Origin) -> None:
        wait = retry_after(self.recent_reset_requests, origin.at, RESETS_PER_NAME)
        if wait:
            raise RateLimited(TOO_MANY_RESETS, retry_after=wait)


class PasswordResets(ResetRequests):
    """The Account's side: the request event and the guards of a link."""

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class PasswordResetRequested(WharfAggregate.Event):
        TOPIC = "wharf:account:password-reset-requested"
        email: str  # where the message goes
        email_key: str
        verified: bool  # False: the message says to verify the address first, with no link
        last_login_at: datetime | None  # the markers the link is signed over (not secrets)
        password_changed_at: datetime | None

        def apply(self, account) -> None:
            account.count_reset_request(self.timestamp)

    @property
    def reset_markers(self) -> tuple[datetime | None, datetime | None]:
        """What a reset link is bound to: a log-in or a password change moves one."""
        return getattr(self, "last_login_at", None), getattr(self, "password_changed_at", None)

    def request_password_reset(self, origin: Origin, email_key: str | None) -> None:
        """Send the link to `email_key` (looked up by), or else to the primary address when it
        is verified, to another verified one when it is not, and only failing those (with no
        link) to the unverified primary."""
        self.check_reset_limit(origin)
        self.send_reset_link(origin, email_key)

    def send_reset_link(self, origin: Origin, email_key: str | None) -> None:
        """Record the request (no limit: a completed recovery case sends one too)."""
        ranked = sorted(self.emails.items(), key=lambda item: (not item[1]["verified"],
                                                               not item[1]["primary"]))
        key = email_key or next((k for k, _ in ranked), None)
        if key is None:
            return
        entry = self.emails[key]
        last_login_at, password_changed_at = self.reset_markers
        self._record(self.PasswordResetRequested, origin, email=entry["email"], email_key=key,
                     verified=entry["verified"], last_login_at=last_login_at,
                     password_changed_at=password_changed_at)

    def check_reset_link(self, origin: Origin, issued_at: datetime) -> None:
        """A genuine link (its HMAC matched the current markers) that is still young enough."""
        if not issued_at <= origin.at < issued_at + RESET_LINK_LIFETIME:
            raise InvalidToken("this password reset link has expired; ask for a new one")
