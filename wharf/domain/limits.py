"""Brute-force limits as moving windows over failure times (PyPI's figures, NIST's ceiling)."""

import math
from datetime import datetime, timedelta

FIVE_MINUTES, HOUR, DAY = timedelta(minutes=5), timedelta(hours=1), timedelta(days=1)
PASSWORD_PER_ACCOUNT = ((10, FIVE_MINUTES),)
PASSWORD_PER_IP = ((10, FIVE_MINUTES),)
SECOND_FACTOR_PER_ACCOUNT = ((5, FIVE_MINUTES), (20, HOUR), (50, DAY))
SECOND_FACTOR_PER_IP = ((10, FIVE_MINUTES), (50, HOUR))
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
