"""When runs of failed log-ins lock an account, to whom, and what lifts the lock.

A hundred failures in a row lock the account to new addresses: addresses it has logged in from
before, and the holder of the emailed unlock link, still get in. A hundred in a row from those
recognised attempts lock it to every address, until an administrator acts.
"""

import hmac

from wharf.domain.errors import InvalidToken
from wharf.domain.limits import (
    ALL_ADDRESSES,
    MAX_CONSECUTIVE_FAILURES,
    NEW_ADDRESSES,
    FailureCounts,
    locked,
)
from wharf.domain.origin import Origin


class Lockout(FailureCounts):
    lock = None  # {scope, nonce, expires_at} while locked; state from older releases has none

    def check_not_locked(self, recognised: bool) -> None:
        if self.locked_to(recognised):
            raise locked()

    def locked_to(self, recognised: bool) -> bool:
        scope = self.lock["scope"] if self.lock else None
        if recognised:
            return (scope == ALL_ADDRESSES
                    or self.consecutive_recognised_failures >= MAX_CONSECUTIVE_FAILURES)
        return scope is not None or self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES

    @property
    def lock_due(self) -> str | None:
        """The lock a run of failures calls for and the account does not hold yet."""
        scope = self.lock["scope"] if self.lock else None
        if (self.consecutive_recognised_failures >= MAX_CONSECUTIVE_FAILURES
                and scope != ALL_ADDRESSES):
            return ALL_ADDRESSES
        if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES and scope is None:
            return NEW_ADDRESSES
        return None

    def check_unlock_link(self, origin: Origin, nonce: str) -> None:
        lock = self.lock
        if lock is None or not lock["nonce"] or not hmac.compare_digest(lock["nonce"], nonce):
            raise InvalidToken("this unlock link is invalid or has already been used")
        if origin.at >= lock["expires_at"]:
            raise InvalidToken("this unlock link has expired; an administrator can unlock "
                               "the account")

    def end_runs_of_failures(self) -> None:
        """A log-in ends both runs, but not a lock: only its link or an administrator does."""
        self.consecutive_recognised_failures = 0
        if self.lock is None:
            self.consecutive_failures = 0

    def lift_lock(self) -> None:
        self.consecutive_failures = self.consecutive_recognised_failures = 0
        self.lock = None
