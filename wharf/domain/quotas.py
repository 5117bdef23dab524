"""Limits on what costs someone else something: verification emails landing in a mailbox,
projects taking names. PyPI's figures by default, each configurable as Warehouse's are
("2 per day"). Over one, the answer is 429 and nothing is recorded."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from wharf.domain.errors import RateLimited
from wharf.domain.limits import DAY, retry_after

LONGEST_WINDOW = DAY  # what aggregates and views keep; no configured window is longer
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
RATE = re.compile(r"\s*(\d{1,6})\s+per\s+(?:(\d{1,6})\s+)?(second|minute|hour|day)s?\s*")


@dataclass(frozen=True)
class Rate:
    count: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'2 per day', '3 per 6 hours': at least one, over at most a day."""
        match = RATE.fullmatch(text)
        if not match:
            raise ValueError(f"a rate reads like '3 per 6 hours', not {text!r}")
        count, times, unit = int(match[1]), int(match[2] or 1), match[3]
        window = timedelta(seconds=times * UNITS[unit])
        if count < 1 or not timedelta(0) < window <= LONGEST_WINDOW:
            raise ValueError(f"a rate counts at least 1 over at most a day, not {text!r}")
        return cls(count, window)

    def check(self, times: list[datetime], at: datetime, what: str) -> None:
        """Refuse (RateLimited) when `times` already fill the window ending at `at`."""
        wait = retry_after(times, at, ((self.count, self.window),))
        if wait:
            raise RateLimited(f"too many {what}; try again later", retry_after=wait)


@dataclass(frozen=True)
class Quotas:
    emails_added_per_ip: Rate = Rate(2, DAY)
    verification_emails: Rate = Rate(3, timedelta(hours=6))  # per account and per recipient
    projects_per_account: Rate = Rate(20, timedelta(hours=1))
    projects_per_ip: Rate = Rate(40, timedelta(hours=1))


def recent(times: list[datetime], at: datetime) -> list[datetime]:
    """The times an aggregate keeps: those a window ending at `at` can still count."""
    return [t for t in times if t > at - LONGEST_WINDOW]
