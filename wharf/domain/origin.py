"""Who did something, from where, and when: carried by every event."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Origin:
    actor_id: UUID | None
    ip: str
    user_agent: str
    at: datetime
    session_id: UUID | None = None  # the session acting, when there is one (its sudo window)
    credential_id: UUID | None = None  # the session or API token acting: recorded

    def as_event_fields(self) -> dict:
        return {"actor_id": self.actor_id, "ip": self.ip, "user_agent": self.user_agent,
                "timestamp": self.at, "acting_credential_id": self.credential_id}

    def acting_as(self, actor_id: UUID | None, credential_id: UUID | None = None) -> "Origin":
        return Origin(actor_id, self.ip, self.user_agent, self.at, self.session_id,
                      credential_id or self.credential_id)


def cli_origin(at: datetime) -> Origin:
    return Origin(actor_id=None, ip="", user_agent="wharf-cli", at=at)


def mail_origin(at: datetime) -> Origin:
    """The mail deliverer (the projection process), recording what it delivered."""
    return Origin(actor_id=None, ip="", user_agent="wharf-mail", at=at)
