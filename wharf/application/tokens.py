"""API token commands: mint, revoke (by the user, by the token itself, when leaked), the
revocation of tokens whose every project is lost with a role, and reminders of expiry."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from wharf.application.base import Commands, retrying
from wharf.domain.api_token import (
    BY_ITSELF,
    BY_USER,
    LEAKED,
    REMIND_BEFORE,
    ROLE_LOST,
    ApiToken,
    check_description,
)
from wharf.domain.claim import claim_id
from wharf.domain.errors import Conflict, Forbidden, NotFound
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.project import Project
from wharf.security import api_tokens

DESCRIPTION = "api-token-description"  # the claim kind keeping descriptions unique per account
NO_EXPIRY = 253402300799  # 9999-12-31T23:59:59Z, for a token with a start but no end


@dataclass(frozen=True)
class MintedToken:
    token_id: UUID
    token: str  # shown once

    def __repr__(self) -> str:
        return f"MintedToken(token_id={self.token_id!r})"


class TokenCommands(Commands):
    @retrying
    def mint_token(self, origin: Origin, description: str, project_names: list[str] | None,
                   not_before: datetime | None, expires_at: datetime | None) -> MintedToken:
        account = self._sensitive(origin)
        description = check_description(description)
        token_id = uuid4()
        claim = self._claim(origin, DESCRIPTION, _description_key(account.id, description),
                            token_id, Conflict, f"you already have a token described"
                            f" {description!r} (descriptions are compared ignoring case)")
        projects = None if project_names is None else self._uploadable(origin, project_names)
        for project in projects or ():
            project.scope_token(origin, token_id)  # conflicts with a role removal in flight
        token = ApiToken.issue(origin, token_id, description,
                               None if projects is None else
                               [(p.id, p.normalized_name) for p in projects],
                               not_before, expires_at, self.token_keys.current)
        secret = api_tokens.mint(self.token_prefix, self.token_location, token_id,
                                 self.token_keys.key(token_id, self.token_keys.current),
                                 _caveats(token, not_before, expires_at, origin))
        self._save(token, claim, *(projects or ()))
        return MintedToken(token_id, secret)

    @retrying
    def revoke_token(self, origin: Origin, token_id: UUID) -> None:
        self._account(origin.actor_id).check_sudo(origin)
        self._revoke(origin, token_id, BY_USER)

    @retrying
    def revoke_own_token(self, origin: Origin, token_id: UUID) -> None:
        self._revoke(origin, token_id, BY_ITSELF)

    @retrying
    def revoke_leaked_token(self, origin: Origin, token_id: UUID, url: str) -> bool:
        """Revoke a token reported as public; False when it was already revoked."""
        token = self._find(token_id)
        if not isinstance(token, ApiToken) or token.revoked:
            return False
        self._revoke(origin, token_id, LEAKED, url)
        return True

    def remind_expiring_tokens(self, origin: Origin) -> int:
        """Email each live token's owner once, REMIND_BEFORE it expires; how many were."""
        expiring = self.api_tokens.expiring(origin.at, origin.at + REMIND_BEFORE)
        return sum(self._remind(origin, UUID(token_id)) for token_id in expiring)

    @retrying
    def _remind(self, origin: Origin, token_id: UUID) -> bool:
        token = self._find(token_id)
        if not token.reminder_due(origin.at):
            return False  # reminded already, by an earlier run or one racing this one
        token.remind_expiry(origin)
        self._save(token)
        return True

    def _revoke(self, origin: Origin, token_id: UUID, reason: str, url: str | None = None):
        token = self._find(token_id)
        if not isinstance(token, ApiToken):
            raise NotFound("no such token")
        token.revoke(origin, reason, url)
        self._save(token, *self._release_description(origin, token))

    def _release_description(self, origin: Origin, token: ApiToken) -> list:
        claim = self._find(claim_id(DESCRIPTION,
                                    _description_key(token.account_id, token.description)))
        if claim is None:
            return []
        claim.release(origin, token.id)
        return [claim]

    def _tokens_lost_with_role(self, origin: Origin, project: Project,
                               account_id: UUID) -> list:
        """Revoke the account's tokens that can reach no project it can still upload to: those
        the view lists, and those the project itself recorded (the view may not have them
        yet when their mint was saved a moment ago, by another process)."""
        changed = []
        for token_id in dict.fromkeys([*self.api_tokens.scoped_to(account_id, project.id),
                                       *project.scoped_tokens.get(str(account_id), [])]):
            token = self._find(UUID(token_id))
            if token.revoked:
                continue
            reachable = [p for p in token.project_ids if p != project.id
                         and self._find(p).can_upload(account_id)]
            if not reachable:
                token.revoke(origin, ROLE_LOST)
                changed += [token, *self._release_description(origin, token)]
        return changed

    def _uploadable(self, origin: Origin, names: list[str]) -> list[Project]:
        """The projects a token's scope names, each recording the token (Owners and
        Maintainers only): a project that does not exist is refused alike."""
        scope = []
        for name in dict.fromkeys(project_key(n) for n in names):
            holder = self._holder("project", name)
            project = self._find(holder) if holder else None
            if project is None:
                raise Forbidden(f"you cannot upload to project '{name}', so no token can")
            scope.append(project)
        return scope


def _description_key(account_id: UUID, description: str) -> str:
    return f"{account_id}:{description.casefold()}"


def _caveats(token: ApiToken, not_before, expires_at, origin: Origin) -> list:
    if token.account_wide:
        caveats = [[3, str(token.account_id)]]
    else:
        caveats = [[1, token.project_names], [2, [str(p) for p in token.project_ids]]]
    if not_before or expires_at:
        caveats.append([0, int(expires_at.timestamp()) if expires_at else NO_EXPIRY,
                        int((not_before or origin.at).timestamp())])
    return caveats
