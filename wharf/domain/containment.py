"""A containment: one stolen credential's doings since a moment, undone in one command by its
account (or an admin). This aggregate records the containment itself (who, why, when, the plan
applied); each step is an event of the token, account or project it changed, carrying this
containment's id, so every history shows the step linked to it."""

from datetime import datetime
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.names import free_text
from wharf.domain.origin import Origin

CONTAINED = "contained"  # why a token was revoked or a session ended (their `reason`)
REASON = 500  # characters


class Containment(WharfAggregate):
    TOPIC = "wharf:containment"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:containment:created"  # the base of Applied, never recorded itself

    class Applied(Created):
        TOPIC = "wharf:containment:applied"
        account_id: UUID | None  # whose credential it was (None: a trusted publisher's token)
        credential_id: UUID
        credential_kind: str  # session | api_token | publisher_token
        since: datetime
        reason: str
        steps: list[dict]  # as planned (projections/containment.py), each applied in this save
        project: str | None = None  # the one project it kept to (applied by its Owners)
        # Recorded since 2026-12-07 (older containments: none of these, and no message):
        project_id: UUID | None = None  # that project's id, or a trusted publisher's token's
        by: str = ""  # who applied it: "account" (the credential's own), "admin" or "owner"
        told: tuple[str, ...] = ()  # the accounts emailed: the credential's, the project's Owners

        def apply(self, containment: "Containment") -> None:
            containment.account_id = self.account_id
            containment.steps = self.steps

    @classmethod
    def apply_plan(cls, origin: Origin, containment_id: UUID, credential: dict,
                   account_id: UUID | None, since: datetime, reason: str, steps: list[dict],
                   by: str, owners: tuple[str, ...] = (), project: str | None = None,
                   project_id: UUID | None = None) -> "Containment":
        """`account_id`: the credential's (None: a trusted publisher's token); `owners`: the
        Owners of `project_id`, told with that account."""
        told = tuple(dict.fromkeys([*([str(account_id)] if account_id else []), *owners]))
        return cls._open(cls.Applied, origin, containment_id, account_id=account_id,
                         credential_id=UUID(credential["id"]),
                         credential_kind=credential["kind"], since=since,
                         reason=check_reason(reason), steps=steps, project=project,
                         project_id=project_id, by=by, told=told)


def check_reason(reason: str) -> str:
    return free_text(reason, "a containment's reason", REASON)
