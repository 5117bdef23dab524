"""Recovery cases, on the Account aggregate: the way back for a maintainer who lost every
second factor.

An administrator opens a case (a reason and a ticket reference). Every verified address is
emailed at once with a link that cancels it, and the account's pages show it to any session.
After the waiting period the case completes: the second factors and recovery codes are removed
(`TwoFactor.Cleared`), the password is disabled, every session ends, and a password reset link
goes to the verified addresses' first. The holder can cancel at any time before; a stolen
identity at the help desk is stopped by the real holder reading their email.
"""

import hmac
from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, InvalidToken
from wharf.domain.names import free_text
from wharf.domain.origin import Origin

DEFAULT_WAIT = timedelta(days=7)
REASON, TICKET = 500, 200  # characters
RECOVERED = "recovered"  # SessionEnded.reason when a case completes
CANCELLED_BY = ("link", "session")
DEAD_LINK = "this link is invalid, or the recovery case it names is no longer open"


class Recoveries:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class RecoveryCaseOpened(WharfAggregate.Event):
        TOPIC = "wharf:account:recovery-case-opened"
        reason: str
        ticket: str
        nonce: str  # the emailed cancel link is derived from it; the link is never stored
        completes_at: datetime
        told: tuple[str, ...]  # the verified addresses emailed

        def apply(self, account) -> None:
            account.recovery_case = {"reason": self.reason, "ticket": self.ticket,
                                     "nonce": self.nonce, "opened_at": self.timestamp,
                                     "completes_at": self.completes_at}

    class RecoveryCaseCancelled(WharfAggregate.Event):
        TOPIC = "wharf:account:recovery-case-cancelled"
        by: str  # "link" (the emailed link) or "session" (logged in)
        told: tuple[str, ...]

        def apply(self, account) -> None:
            account.recovery_case = None

    class RecoveryCaseCompleted(WharfAggregate.Event):
        TOPIC = "wharf:account:recovery-case-completed"
        reason: str
        ticket: str

        def apply(self, account) -> None:
            account.recovery_case = None
            account.password_hash = None  # no password verifies until the reset link is used
            account.password_changed_at = self.timestamp  # older reset links die
            account.tickets = {}

    @property
    def open_recovery_case(self) -> dict | None:
        return getattr(self, "recovery_case", None)  # absent from older snapshots

    def open_recovery(self, origin: Origin, reason: str, ticket: str, nonce: str,
                      wait: timedelta) -> None:
        if self.open_recovery_case:
            raise Conflict(f"{self.username} already has an open recovery case")
        if origin.actor_id == self.id:
            raise Conflict("an administrator cannot open a recovery case for their own account")
        told = self.verified_addresses
        if not told:
            raise Conflict(f"{self.username} has no verified email address: a recovery case"
                           " needs one to warn the holder and to send the reset link")
        self._record(self.RecoveryCaseOpened, origin, reason=free_text(reason, "a reason", REASON),
                     ticket=free_text(ticket, "a ticket reference", TICKET), nonce=nonce,
                     completes_at=origin.at + wait, told=told)

    def cancel_recovery(self, origin: Origin, by: str, nonce: str | None = None) -> None:
        """Cancel the open case: `by` the emailed link (whose nonce must match) or a session."""
        case = self.open_recovery_case
        if case is None:
            if by == "link":
                raise InvalidToken(DEAD_LINK)
            raise Conflict("there is no open recovery case")
        if by == "link" and not hmac.compare_digest(case["nonce"], nonce or ""):
            raise InvalidToken(DEAD_LINK)
        self._record(self.RecoveryCaseCancelled, origin, by=by, told=self.verified_addresses)

    def complete_recovery(self, origin: Origin) -> None:
        """Disable the password, end every session and send a reset link (the caller clears
        the second factors in the same save)."""
        case = self.open_recovery_case
        if case is None:
            raise Conflict("there is no open recovery case")
        if origin.at < case["completes_at"]:
            raise Conflict(f"the recovery case completes at {case['completes_at'].isoformat()}")
        live = [UUID(sid) for sid, s in self.sessions.items() if s["expires_at"] > origin.at]
        self._record(self.RecoveryCaseCompleted, origin, reason=case["reason"],
                     ticket=case["ticket"])
        for session_id in live:
            self._record(self.SessionEnded, origin, session_id=session_id, reason=RECOVERED)
        self.send_reset_link(origin, None)

    def recovery_due(self, at: datetime) -> bool:
        case = self.open_recovery_case
        return bool(case and case["completes_at"] <= at)

    @property
    def verified_addresses(self) -> tuple[str, ...]:
        ranked = sorted(self.emails.values(), key=lambda e: not e["primary"])
        return tuple(e["email"] for e in ranked if e["verified"])

