"""Brute-force limits as moving windows over failure times (PyPI's figures, NIST's ceiling).

Attempts come in two classes: strangers, and recognised attempts (from an address the account
has logged in from before, or carrying the emailed unlock link). Strangers are held back by every
failure, as if there were one class; recognised attempts only by their own. So strangers' failures
can fill the windows and lock the account to strangers, while the holder, recognised, still gets
in, and no stranger gets more tries than before.
"""

import math
from datetime import datetime, timedelta

from wharf.domain.errors import AccountLocked

FIVE_MINUTES, HOUR, DAY = timedelta(minutes=5), timedelta(hours=1), timedelta(days=1)
PASSWORD_PER_ACCOUNT = ((10, FIVE_MINUTES),)
PASSWORD_PER_IP = ((10, FIVE_MINUTES),)
SECOND_FACTOR_PER_ACCOUNT = ((5, FIVE_MINUTES), (20, HOUR), (50, DAY))
SECOND_FACTOR_PER_IP = ((10, FIVE_MINUTES), (50, HOUR))
PASSWORD_IN_ALL = ((1000, FIVE_MINUTES),)  # the global ceiling on failed log-ins
PASSWORD, SECOND_FACTOR = "password", "second_factor"
LONGEST_WINDOW = DAY
MAX_CONSECUTIVE_FAILURES = 100  # NIST SP 800-63B 5.2.2, for each class of attempt
# A made-up name never logs in, so its run of failures would never end: it is forgotten after
# this long without one (the price of bounded storage: a real account's run is not).
MADE_UP_NAME_MEMORY = timedelta(days=30)
UNLOCK_LINK_LIFETIME = timedelta(days=7)  # alone it unlocks nothing: password and 2FA too
NEW_ADDRESSES, ALL_ADDRESSES = "new_addresses", "all_addresses"  # what a lock holds back


def retry_after(failures: list[datetime], now: datetime, windows) -> int | None:
    """Seconds until another attempt is allowed, or None when it is allowed now."""
    wait = 0.0
    for limit, window in windows:
        recent = sorted(t for t in failures if t > now - window)
        if len(recent) >= limit:
            frees_at = recent[len(recent) - limit] + window
            wait = max(wait, (frees_at - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else None


def per_name(kind: str):
    return PASSWORD_PER_ACCOUNT if kind == PASSWORD else SECOND_FACTOR_PER_ACCOUNT


def per_address(kind: str):
    return PASSWORD_PER_IP if kind == PASSWORD else SECOND_FACTOR_PER_IP


def locked() -> AccountLocked:
    """The one answer a locked name gets, real or made up."""
    return AccountLocked("too many failed log-ins in a row: this account is locked. Its holder "
                         "was emailed a link to unlock it; log-ins from addresses it has logged "
                         "in from before still work")


class FailureCounts:
    """Failure times and runs of failures in a row of one account: all of them (what strangers
    are held to), and the recognised attempts' own.

    State written by older releases has no recognised counts: the class attributes stand in,
    and are replaced, never changed in place.
    """

    recognised_failures: dict = {PASSWORD: (), SECOND_FACTOR: ()}  # noqa: RUF012
    consecutive_recognised_failures = 0

    def start_counting_failures(self) -> None:
        self.failures = {PASSWORD: [], SECOND_FACTOR: []}
        self.consecutive_failures = 0

    def count_failure(self, kind: str, at: datetime, recognised: bool = False) -> None:
        horizon = at - LONGEST_WINDOW
        self.failures[kind] = [t for t in self.failures[kind] if t > horizon] + [at]
        self.consecutive_failures += 1
        if recognised:
            kept = [t for t in self.recognised_failures[kind] if t > horizon]
            self.recognised_failures = {**self.recognised_failures, kind: [*kept, at]}
            self.consecutive_recognised_failures += 1

    def retry_after(self, kind: str, at: datetime, recognised: bool = False) -> int | None:
        """Seconds before this class of attempt may try `kind` again; None when it may now."""
        failures = (self.recognised_failures if recognised else self.failures)[kind]
        return retry_after(list(failures), at, per_name(kind))
