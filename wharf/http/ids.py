"""Ids that arrive in paths and forms: a malformed one names nothing, so it is not found."""

from uuid import UUID

from wharf.domain.errors import NotFound


def id_of(text: str | None, what: str) -> UUID:
    try:
        return UUID(text or "")
    except ValueError:
        raise NotFound(f"no such {what}") from None
