"""Trusted publishing's commands: Owners add and remove a project's publishers (sudo window),
an account its pending publishers of names nobody holds yet; a verified identity token is
exchanged, once, for a short-lived token of the one project whose publisher its claims match
(a pending publisher's run creates that project first); the client burns that token when done.

A pending publisher creates its project at the exchange, as on PyPI, not at the upload: the
minted token is the project's like any other (its id in the caveats, its publisher checked by
every upload), and the name is taken the moment a run proves itself, so nobody can take it
between the exchange and the upload."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from wharf.application.base import retrying
from wharf.application.projects import ProjectCommands
from wharf.domain.claim import Claim, claim_id
from wharf.domain.errors import DomainError, NotFound, ProjectNameTaken
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.publisher_token import PublisherToken
from wharf.domain.publishers import (
    MANAGE_PUBLISHERS,
    GitHubPublisher,
    GitLabPublisher,
    publisher_of,
)
from wharf.domain.switches import NEW_PROJECTS_OFF
from wharf.security import api_tokens
from wharf.security.oidc import MalformedToken, OidcRefused

SPENT = "oidc-jti"  # the claim kind that spends an identity token: once, on any worker
MAX_JTI = 200  # characters


class NoPublisher(OidcRefused):
    code = "invalid-publisher"


class TokenReused(OidcRefused):
    code = "invalid-reuse-token"


@dataclass(frozen=True)
class PublisherTokenMinted:
    token: str  # shown once
    expires_at: datetime

    def __repr__(self) -> str:
        return f"PublisherTokenMinted(expires_at={self.expires_at!r})"


class TrustedPublishingCommands(ProjectCommands):
    @retrying
    def add_publisher(self, origin: Origin, project_name: str,
                      publisher: GitHubPublisher | GitLabPublisher) -> UUID:
        project = self._owned(origin, project_name, MANAGE_PUBLISHERS)
        publisher_id = uuid4()
        project.add_publisher(origin, publisher_id, publisher, self.oidc_issuers)
        self._save(project)
        return publisher_id

    @retrying
    def remove_publisher(self, origin: Origin, project_name: str, publisher_id: str) -> None:
        project = self._owned(origin, project_name, MANAGE_PUBLISHERS)
        project.remove_publisher(origin, publisher_id)
        self._save(project)

    @retrying
    def require_trusted_publishing(self, origin: Origin, project_name: str,
                                   enabled: bool) -> None:
        """Turn "trusted publishing only" on (API-token uploads refused) or off."""
        project = self._owned(origin, project_name, MANAGE_PUBLISHERS)
        project.require_trusted_publishing(origin, enabled)
        self._save(project)

    @retrying
    def add_pending_publisher(self, origin: Origin, project_name: str,
                              publisher: GitHubPublisher | GitLabPublisher) -> UUID:
        """For a name nobody holds (a project's Owners add its publishers themselves)."""
        account = self._sensitive(origin)
        self.switches.check(NEW_PROJECTS_OFF)
        key = project_key(project_name)
        if self._holder("project", key) is not None:
            raise ProjectNameTaken(f"a project named {key!r} already exists: its Owners add"
                                   f" its trusted publishers")
        pending_id = uuid4()
        account.add_pending_publisher(origin, pending_id, project_name, key, publisher,
                                      self.oidc_issuers)
        self._save(account)
        return pending_id

    @retrying
    def remove_pending_publisher(self, origin: Origin, pending_id: str) -> None:
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        account.remove_pending_publisher(origin, pending_id)
        self._save(account)

    @retrying
    def mint_publisher_token(self, origin: Origin, claims: dict) -> PublisherTokenMinted:
        """`claims`: a verified identity token's (wharf.security.oidc)."""
        match = self._publisher_matching(claims, origin)
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI:
            raise MalformedToken("the token's jti is not an identifier")
        key = f"{claims['iss']} {jti}"
        if self._find(claim_id(SPENT, key)) is not None:
            raise TokenReused("this identity token was already exchanged; each is used once")
        created = self._project_of_pending(origin, match) if "account_id" in match else ()
        token_id = uuid4()
        spent = Claim.create(origin, SPENT, key, token_id)  # a second saver loses the race
        project = created[0] if created else self._find(UUID(match["project_id"]))
        token = PublisherToken.mint(origin, token_id, project.id, UUID(match["id"]), claims,
                                    self.token_keys.current)
        caveats = [[1, [project.normalized_name]], [2, [str(project.id)]],
                   [0, int(token.expires_at.timestamp()), int(origin.at.timestamp())],
                   [4, match["id"]]]  # NOTE: the publisher's caveat comes after the others
        secret = api_tokens.mint(self.token_prefix, self.token_location, token_id,
                                 self.token_keys.key(token_id, self.token_keys.current), caveats)
        self._save(*created, token, spent)
        return PublisherTokenMinted(secret, token.expires_at)

    @retrying
    def burn_publisher_token(self, origin: Origin, token_id: UUID) -> None:
        """`token_id`: of a genuine publisher token (UploadAuthority.authenticate)."""
        token = self._find(token_id)
        if not isinstance(token, PublisherToken):
            raise NotFound("no such token")
        token.burn(origin)
        self._save(token)

    def _project_of_pending(self, origin: Origin, match: dict) -> tuple:
        """A pending publisher's first run: its project, created with the account that
        registered it as Owner and the publisher as the project's; `match["id"]` becomes the
        project's publisher id. (The project, its name's claim, the account.)"""
        account = self._account(UUID(match["account_id"]))
        acting = origin.acting_as(account.id)
        try:
            project, claim = self._new_project(acting, match["project_name"])
        except ProjectNameTaken:
            raise NoPublisher(f"the project name {match['project_name']!r} of this pending"
                              f" publisher was taken meanwhile") from None
        except DomainError as error:  # email unverified, too many projects, switched off
            raise NoPublisher(f"the pending publisher cannot create"
                              f" {match['project_name']!r}: {error}") from None
        publisher_id = uuid4()
        project.add_publisher(acting, publisher_id, publisher_of(match["publisher"]),
                              self.oidc_issuers)
        account.use_pending_publisher(acting, match["id"], project.id, publisher_id)
        match["id"], match["project_id"] = str(publisher_id), str(project.id)
        return project, claim, account

    def _publisher_matching(self, claims: dict, origin: Origin) -> dict:
        """The one publisher, or pending publisher (it has an "account_id"), the run is."""
        repository = claims.get("repository") or claims.get("project_path")  # GitHub, GitLab
        if not isinstance(repository, str) or not repository:
            raise NoPublisher("the token names no repository")
        candidates = [*self.trusted_publishing.for_repository(claims["iss"], repository),
                      *self.trusted_publishing.pending_for_repository(claims["iss"], repository,
                                                                     origin.at)]
        if not candidates:
            raise NoPublisher(f"no trusted publisher for repository {repository[:200]!r}")
        reasons = {c["id"]: publisher_of(c["publisher"]).mismatch(claims)
                   for c in candidates}
        matches = [c for c in candidates if reasons[c["id"]] is None]
        if not matches:
            wrong = ", ".join(sorted(set(reasons.values())))
            raise NoPublisher(f"the run does not match any trusted publisher of repository"
                              f" {repository[:200]!r} (wrong {wrong})")
        if len(matches) > 1:
            raise NoPublisher("the run matches more than one trusted publisher")
        return matches[0]
