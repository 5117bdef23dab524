"""Trusted publishers, as part of the Project aggregate: the CI workflows (GitHub Actions,
GitLab CI/CD, or an issuer that speaks one of their claim sets) allowed to exchange their
identity token for a short-lived upload token. Owners add and remove them; every Owner of that
moment is named in the event, to be emailed. Events keep a publisher as its fields; a GitLab
publisher's are told apart by its `namespace`.
"""

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit
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
GITLAB = "https://gitlab.com"
GITLAB_PATH = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}"  # a group's, a user's or a project's
GITLAB_NAMESPACE = re.compile(rf"{GITLAB_PATH}(?:/{GITLAB_PATH})*")  # with its subgroups
GITLAB_PROJECT = re.compile(GITLAB_PATH)
CI_FILE = re.compile(r"(?:[A-Za-z0-9_.][A-Za-z0-9_.-]*/)*[A-Za-z0-9_.][A-Za-z0-9_.-]*\.ya?ml")


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
        _check_environment(self.environment)
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

    @property
    def path(self) -> str:
        """The repository as its runs' claims name it (`repository`), lower-cased."""
        return f"{self.repository_owner}/{self.repository}".lower()


@dataclass(frozen=True)
class GitLabPublisher:
    """A GitLab CI/CD pipeline, matched on Warehouse's claims: `project_path`, `sub` and
    `ci_config_ref_uri` (HOST/NAMESPACE/PROJECT//CI_FILE@ref_path or @sha)."""
    namespace: str  # a group or user, with its subgroups: group/subgroup
    project: str
    workflow_filepath: str  # the CI file's path in the project, e.g. .gitlab-ci.yml
    environment: str | None = None
    issuer: str = GITLAB

    def check(self, trusted_issuers: tuple[str, ...]) -> "GitLabPublisher":
        if self.issuer not in trusted_issuers:
            raise InvalidInput("the issuer is not one this index trusts")
        for value, pattern, what in (
                (self.namespace, GITLAB_NAMESPACE, "namespace, a GitLab group or user"),
                (self.project, GITLAB_PROJECT, "project, a GitLab project's path"),
                (self.workflow_filepath, CI_FILE, "workflow_filepath, the CI file's path in"
                                                  " the project, ending .yml or .yaml")):
            if len(value) > 255 or not pattern.fullmatch(value) \
                    or {".", ".."} & set(value.split("/")):
                raise InvalidInput(f"give {what}")
        _check_environment(self.environment)
        return self

    @property
    def key(self) -> tuple:
        return (self.issuer, self.path, self.workflow_filepath, (self.environment or "").lower())

    @property
    def path(self) -> str:
        """The project as its pipelines' claims name it (`project_path`), lower-cased."""
        return f"{self.namespace}/{self.project}".lower()

    def mismatch(self, claims: dict) -> str | None:
        if claims.get("iss") != self.issuer:
            return "issuer"
        project_path = str(claims.get("project_path", ""))
        if project_path.lower() != self.path:
            return "project_path"
        if not str(claims.get("sub", "")).lower().startswith(f"project_path:{self.path}:"):
            return "sub"
        config = f"{urlsplit(self.issuer).netloc}/{project_path}//{self.workflow_filepath}"
        refs = {f"{config}@{claims[name]}" for name in ("ref_path", "sha") if claims.get(name)}
        if claims.get("ci_config_ref_uri") not in refs:
            return "ci_config_ref_uri"
        if self.environment is not None and \
                str(claims.get("environment", "")).lower() != self.environment.lower():
            return "environment"
        return None


def _check_environment(environment: str | None) -> None:
    if environment is not None and (not environment.strip() or len(environment) > ENVIRONMENT
                                    or not environment.isprintable()):
        raise InvalidInput(f"environment, when given, is printable text of at most"
                           f" {ENVIRONMENT} characters")


def publisher_of(fields: dict) -> GitHubPublisher | GitLabPublisher:
    """A publisher from the fields an event or a view keeps."""
    return GitLabPublisher(**fields) if "namespace" in fields else GitHubPublisher(**fields)


def describe_publisher(fields: dict) -> str:
    """A publisher as people name it: the workflow of a repository, and its environment."""
    if "namespace" in fields:
        described = f"{fields['namespace']}/{fields['project']} {fields['workflow_filepath']}"
        default = GITLAB
    else:
        described = (f"{fields['repository_owner']}/{fields['repository']}"
                     f" .github/workflows/{fields['workflow']}")
        default = GITHUB
    if fields.get("environment"):
        described += f" (environment {fields['environment']})"
    return described if fields["issuer"] == default else f"{described} via {fields['issuer']}"


class Publishers:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class PublisherAdded(WharfAggregate.Event):
        TOPIC = "wharf:project:publisher-added"
        publisher_id: UUID
        publisher: dict  # a GitHubPublisher's or GitLabPublisher's fields
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

    def publisher(self, publisher_id: str) -> GitHubPublisher | GitLabPublisher | None:
        fields = self.publishers.get(publisher_id)
        return publisher_of(fields) if fields is not None else None

    def add_publisher(self, origin: Origin, publisher_id: UUID,
                      publisher: GitHubPublisher | GitLabPublisher,
                      trusted_issuers: tuple[str, ...]) -> None:
        self.check_owner(origin, MANAGE_PUBLISHERS)
        publisher.check(trusted_issuers)
        if any(publisher_of(known).key == publisher.key
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
