"""The moments a request may name: timezone-aware, and within years every view can hold.

An offset can push a moment that reads as valid past what UTC can express
(9999-12-31T23:59:59-12:00 is year 10000 in UTC), so a moment is checked after it is moved
to UTC, never as written.
"""

from datetime import UTC, datetime

from wharf.domain.errors import InvalidInput

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)  # far past any token's life; far from year 9999


def check_moment(moment: datetime, name: str) -> datetime:
    """The moment in UTC, or InvalidInput naming `name`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{name} must carry a time zone")
    try:
        in_utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise InvalidInput(f"{name} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
                           " (UTC)")
    return in_utc
