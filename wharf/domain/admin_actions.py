"""What administrators do to an account, on the Account aggregate: freeze it, unfreeze it,
revoke its admin rights (granting them is `Account.AdminGranted`).

A frozen account is refused everywhere it would act: log-in (after the right password, so a
guesser learns nothing), every session (ended by the freeze), every API token (refused, never
revoked: unfreezing restores them) and so every upload. The guard of the views is one table,
`account_freezes` (wharf/projections/freezes.py), read by every credential check.
"""

from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import AccountFrozen, Conflict, InvalidInput
from wharf.domain.origin import Origin

REASON = 500  # characters
FROZEN = "frozen"  # SessionEnded.reason and LoginFailed.reason of a frozen account
FROZEN_DETAIL = ("this account is frozen by the administrators: it cannot log in, and its"
                 " sessions and API tokens are refused; contact them")


class AdminActions:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.
    frozen = None  # {reason, at} while frozen; state from older releases has none

    class Frozen(WharfAggregate.Event):
        TOPIC = "wharf:account:frozen"
        reason: str

        def apply(self, account) -> None:
            account.frozen = {"reason": self.reason, "at": self.timestamp}
            account.tickets = {}  # a log-in half done stops here
            account.device_holds.clear()  # and one held for its new device's emailed link

    class Unfrozen(WharfAggregate.Event):
        TOPIC = "wharf:account:unfrozen"
        reason: str

        def apply(self, account) -> None:
            account.frozen = None

    class AdminRevoked(WharfAggregate.Event):
        TOPIC = "wharf:account:admin-revoked"

        def apply(self, account) -> None:
            account.is_admin = False

    def freeze(self, origin: Origin, reason: str) -> None:
        """Freeze the account and end every live session of it."""
        _check_reason(reason)
        if self.frozen:
            raise Conflict(f"{self.username} is already frozen")
        if origin.actor_id == self.id:
            raise Conflict("an administrator cannot freeze their own account")
        self._record(self.Frozen, origin, reason=reason)
        for session_id, session in list(self.sessions.items()):
            if session["expires_at"] > origin.at:
                self._record(self.SessionEnded, origin, session_id=UUID(session_id),
                             reason=FROZEN)

    def unfreeze(self, origin: Origin, reason: str) -> None:
        _check_reason(reason)
        if not self.frozen:
            raise Conflict(f"{self.username} is not frozen")
        self._record(self.Unfrozen, origin, reason=reason)

    def revoke_admin(self, origin: Origin) -> None:
        if not self.is_admin:
            raise Conflict(f"{self.username} is not an admin")
        self._record(self.AdminRevoked, origin)

    def check_not_frozen(self) -> None:
        if self.frozen:
            raise AccountFrozen(FROZEN_DETAIL)


def _check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > REASON or "\x00" in reason:
        raise InvalidInput(f"give a reason, of at most {REASON} characters")
