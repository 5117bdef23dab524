"""A short-lived upload token minted for a trusted publisher's run: one project, 15 minutes,
burnt by the client when its upload is done. The secret itself is never here."""

from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import NotFound
from wharf.domain.origin import Origin

LIFETIME = timedelta(minutes=15)
RUN_CLAIMS = ("repository", "workflow_ref", "ref", "sha", "run_id", "run_attempt", "environment",
              "project_path", "ci_config_ref_uri", "ref_path", "pipeline_id", "job_id")  # GitLab


class PublisherToken(WharfAggregate):
    TOPIC = "wharf:publisher-token"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:publisher-token:created"  # the base of Minted, never recorded itself

    class Minted(Created):
        TOPIC = "wharf:publisher-token:minted"
        project_id: UUID
        publisher_id: UUID
        expires_at: datetime
        key_id: str  # which server secret the token's key derives from
        run: dict  # the run's claims (RUN_CLAIMS), recorded with each upload it makes

        def apply(self, token: "PublisherToken") -> None:
            token.project_id = self.project_id
            token.publisher_id = self.publisher_id
            token.expires_at = self.expires_at
            token.run = self.run
            token.burned = False

    class Burned(WharfAggregate.Event):
        TOPIC = "wharf:publisher-token:burned"
        # Thrown away by a containment (its project's Owners, or an admin), not by its run.
        containment_id: UUID | None = None

        def apply(self, token: "PublisherToken") -> None:
            token.burned = True

    @classmethod
    def mint(cls, origin: Origin, token_id: UUID, project_id: UUID, publisher_id: UUID,
             claims: dict, key_id: str) -> "PublisherToken":
        run = {name: str(claims[name])[:500] for name in RUN_CLAIMS if claims.get(name)}
        return cls._open(cls.Minted, origin, token_id, project_id=project_id,
                         publisher_id=publisher_id, expires_at=origin.at + LIFETIME,
                         key_id=key_id, run=run)

    def burn(self, origin: Origin, containment_id: UUID | None = None) -> None:
        if self.burned:
            raise NotFound("this token is already burned")
        self._record(self.Burned, origin, containment_id=containment_id)
