"""Brute-force limits as moving windows over failure times (PyPI's figures, NIST's ceiling)."""

import math
from datetime import datetime, timedelta

from wharf.domain.errors import AccountLocked

FIVE_MINUTES, HOUR, DAY = timedelta(minutes=5), timedelta(hours=1), timedelta(days=1)
PASSWORD_PER_ACCOUNT = ((10, FIVE_MINUTES),)
PASSWORD_PER_IP = ((10, FIVE_MINUTES),)
SECOND_FACTOR_PER_ACCOUNT = ((5, FIVE_MINUTES), (20, HOUR), (50, DAY))
SECOND_FACTOR_PER_IP = ((10, FIVE_MINUTES), (50, HOUR))
PASSWORD, SECOND_FACTOR = "password", "second_factor"
LONGEST_WINDOW = DAY
MAX_CONSECUTIVE_FAILURES = 100  # NIST SP 800-63B 5.2.2: then the account needs an unlock


def retry_after(failures: list[datetime], now: datetime, windows) -> int | None:
    """Seconds until another attempt is allowed, or None when it is allowed now."""
    wait = 0.0
    for limit, window in windows:
        recent = sorted(t for t in failures if t > now - window)
        if len(recent) >= limit:
            frees_at = recent[len(recent) - limit] + window
            wait = max(wait, (frees_at - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else None


class FailureCounts:
    """Failure times and the consecutive count of one log-in name, real or not.

    Account and UnknownUsername both carry it, so the limits answer a made-up name exactly as
    they answer a real one: counting cannot tell an attacker which usernames exist.
    """

    def start_counting_failures(self) -> None:
        self.failures = {PASSWORD: [], SECOND_FACTOR: []}
        self.consecutive_failures = 0

    def count_failure(self, kind: str, at: datetime) -> None:
        horizon = at - LONGEST_WINDOW
        self.failures[kind] = [t for t in self.failures[kind] if t > horizon] + [at]
        self.consecutive_failures += 1

    def retry_after(self, kind: str, at: datetime) -> int | None:
        """Seconds before this name may try `kind` again; None when it may now."""
        if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES:
            raise AccountLocked("too many failed log-ins in a row: this account is locked "
                                "until an administrator unlocks it")
        windows = PASSWORD_PER_ACCOUNT if kind == PASSWORD else SECOND_FACTOR_PER_ACCOUNT
        return retry_after(self.failures[kind], at, windows)
