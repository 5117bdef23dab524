"""Trusted publishers, as part of the Project aggregate: the CI workflows (GitHub Actions, or
an issuer that speaks its claims) allowed to exchange their identity token for a short-lived
upload token. Owners add and remove them; every Owner of that moment is named in the event, to
be emailed.
"""

import re
from dataclasses import asdict, dataclass
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, InvalidInput, NotFound
from wharf.domain.origin import Origin

MANAGE_PUBLISHERS = "manage its trusted publishers"  # what only an Owner may
OWNER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")  # GitHub's user and org names
REPOSITORY_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
OWNER_ID = re.compile(r"[1-9][0-9]{0,19}")
WORKFLOW = re.compile(r"[A-Za-z0-9._-]{1,200}\.ya?ml")
ENVIRONMENT = 255  # characters
GITHUB = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class GitHubPublisher:
    issuer: str
    repository_owner: str
    repository_owner_id: str
    repository: str  # the repository's name, without its owner
    workflow: str  # the workflow's file name, e.g. release.yml
    environment: str | None = None

    def check(self, trusted_issuers: tuple[str, ...]) -> "GitHubPublisher":
        if self.issuer not in trusted_issuers:
            raise InvalidInput("the issuer is not one this index trusts")
        for value, pattern, what in (
                (self.repository_owner, OWNER_NAME, "repository_owner, a GitHub user or org"),
                (self.repository_owner_id, OWNER_ID, "repository_owner_id, its numeric id"),
                (self.repository, REPOSITORY_NAME, "repository, a repository's name"),
                (self.workflow, WORKFLOW, "workflow, a file name ending .yml or .yaml")):
            if not pattern.fullmatch(value):
                raise InvalidInput(f"give {what}")
        environment = self.environment
        if environment is not None and (not environment.strip() or len(environment) > ENVIRONMENT
                                        or not environment.isprintable()):
            raise InvalidInput(f"environment, when given, is printable text of at most"
                               f" {ENVIRONMENT} characters")
        return self

    @property
    def key(self) -> tuple:
        """What makes two publishers the same (GitHub's names are case-insensitive)."""
        return (self.issuer, self.repository_owner_id, self.repository.lower(),
                self.workflow, (self.environment or "").lower())

    def mismatch(self, claims: dict) -> str | None:
        """Why an identity token's claims are not this publisher's run; None when they are."""
        repository = f"{self.repository_owner}/{self.repository}".lower()
        if claims.get("iss") != self.issuer:
            return "issuer"
        if str(claims.get("repository", "")).lower() != repository:
            return "repository"
        if str(claims.get("repository_owner_id", "")) != self.repository_owner_id:
            return "repository_owner_id"
        workflow_ref = str(claims.get("workflow_ref", "")).lower()
        if not workflow_ref.startswith(f"{repository}/.github/workflows/"
                                       f"{self.workflow.lower()}@"):
            return "workflow"
        if self.environment is not None and \
                str(claims.get("environment", "")).lower() != self.environment.lower():
            return "environment"
        return None


def describe_publisher(fields: dict) -> str:
    """A publisher as people name it: the workflow of a repository, and its environment."""
    described = (f"{fields['repository_owner']}/{fields['repository']}"
                 f" .github/workflows/{fields['workflow']}")
    if fields.get("environment"):
        described += f" (environment {fields['environment']})"
    return described if fields["issuer"] == GITHUB else f"{described} via {fields['issuer']}"


class Publishers:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class PublisherAdded(WharfAggregate.Event):
        TOPIC = "wharf:project:publisher-added"
        publisher_id: UUID
        publisher: dict  # GitHubPublisher's fields
        owners: list[str]  # account ids, emailed

        def apply(self, project) -> None:
            project.publishers[str(self.publisher_id)] = dict(self.publisher)

    class PublisherRemoved(WharfAggregate.Event):
        TOPIC = "wharf:project:publisher-removed"
        publisher_id: UUID
        publisher: dict
        owners: list[str]

        def apply(self, project) -> None:
            del project.publishers[str(self.publisher_id)]

    @property
    def publishers(self) -> dict[str, dict]:
        """Publisher id -> the publisher's fields (plain data, as snapshots keep it)."""
        return self.__dict__.setdefault("_publishers", {})  # older snapshots lack it

    def publisher(self, publisher_id: str) -> GitHubPublisher | None:
        fields = self.publishers.get(publisher_id)
        return GitHubPublisher(**fields) if fields is not None else None

    def add_publisher(self, origin: Origin, publisher_id: UUID, publisher: GitHubPublisher,
                      trusted_issuers: tuple[str, ...]) -> None:
        self.check_owner(origin, MANAGE_PUBLISHERS)
        publisher.check(trusted_issuers)
        if any(GitHubPublisher(**known).key == publisher.key
               for known in self.publishers.values()):
            raise Conflict("this project already has that trusted publisher")
        self._record(self.PublisherAdded, origin, publisher_id=publisher_id,
                     publisher=asdict(publisher), owners=self._owners())

    def remove_publisher(self, origin: Origin, publisher_id: str) -> None:
        """`publisher_id` as given (a path's text): Owners learn whether it exists, no one else."""
        self.check_owner(origin, MANAGE_PUBLISHERS)
        publisher = self.publishers.get(publisher_id)
        if publisher is None:
            raise NotFound("this project has no such trusted publisher")
        self._record(self.PublisherRemoved, origin, publisher_id=UUID(publisher_id),
                     publisher=dict(publisher), owners=self._owners())

    def _owners(self) -> list[str]:
        return sorted(account for account, role in self.roles.items() if role == "Owner")
