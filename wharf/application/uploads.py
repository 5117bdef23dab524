"""Uploads: the decision whether a token may upload to a project, and recording the file.

The decision reads the views (one statement), which every command updates before it answers,
so a token revoked on one worker is refused by the next request on any other.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from wharf.application.base import Commands, retrying
from wharf.domain.claim import Claim, claim_id
from wharf.domain.errors import Forbidden, NotFound
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.releases import UPLOAD_ROLES
from wharf.domain.switches import NEW_PROJECTS_OFF
from wharf.projections.api_tokens import ApiTokens
from wharf.security import api_tokens
from wharf.security.api_tokens import TokenKeys, TokenRefused, TokenRevoked
from wharf.uploads.errors import FileExists

FILE = "file"  # the claim kind that keeps a file name to one upload, forever


class UploadForbidden(TokenRefused):
    """A genuine token whose owner may not upload there: no role, email or second factor."""

    code = "upload_forbidden"


class FrozenAccountToken(TokenRefused):
    """A genuine token of an account the administrators froze: refused, not revoked."""

    code = "account_frozen"


@dataclass(frozen=True)
class Uploader:
    """A token that passed every check for one project (which may not exist yet)."""
    token_id: UUID
    account_id: UUID
    account_wide: bool


class UploadAuthority:
    def __init__(self, tokens: ApiTokens, keys: TokenKeys, prefix: str, require_2fa: bool):
        self._tokens = tokens
        self._keys = keys
        self._prefix = prefix
        self._require_2fa = require_2fa

    def identify(self, token: str) -> tuple[UUID, UUID]:
        """(token id, account id) of a live, genuine token, valid now or not (a leak report
        revokes an expired token too)."""
        parsed, row = self._genuine(token, "")
        return parsed.token_id, UUID(row["account_id"])

    def authenticate(self, token: str, now: datetime) -> tuple[UUID, UUID]:
        """(token id, account id) of a genuine token valid now for its user, before the project
        it will be used for is known: every caveat but the project's holds."""
        parsed, row = self._usable(token, "")
        account_id = UUID(row["account_id"])
        api_tokens.check_caveats(parsed.caveats, now=now, user_id=account_id, project_key=None,
                                 project_id=None)
        return parsed.token_id, account_id

    def decide(self, token: str, project_key: str, now: datetime) -> Uploader:
        """Checks in a fixed order, each with its own message: the token, its signature, its
        caveats, the owner's role on the project, their verified email, their second factor."""
        parsed, row = self._usable(token, project_key)
        user = row["username"]
        project_id = UUID(row["project_id"]) if row["project_id"] else None
        api_tokens.check_caveats(parsed.caveats, now=now, user_id=UUID(row["account_id"]),
                                 project_key=project_key, project_id=project_id)
        if project_id is not None and row["role"] not in UPLOAD_ROLES:
            raise UploadForbidden(f"The user '{user}' isn't allowed to upload to project"
                                  f" '{project_key}'.")
        if project_id is None and row["project_ids"] is not None:
            raise UploadForbidden(f"Invalid API Token: a token scoped to projects cannot create"
                                  f" the new project '{project_key}'")
        if not row["email_verified"]:
            raise UploadForbidden(f"User '{user}' does not have a verified primary email"
                                  f" address. Please add a verified primary email before"
                                  f" attempting to upload.")
        if self._require_2fa and not row["two_factor_methods"]:
            raise UploadForbidden(f"User '{user}' does not have two-factor authentication"
                                  f" enabled. Please enable two-factor authentication before"
                                  f" attempting to upload.")
        return Uploader(parsed.token_id, UUID(row["account_id"]), row["project_ids"] is None)

    def _usable(self, token: str, project_key: str):
        """A genuine token whose account is not frozen (a leak report may still revoke it)."""
        parsed, row = self._genuine(token, project_key)
        if row["frozen"]:
            raise FrozenAccountToken(f"Invalid API Token: the account '{row['username']}' is"
                                     f" frozen by the administrators")
        return parsed, row

    def _genuine(self, token: str, project_key: str):
        parsed = api_tokens.parse(token, self._prefix)
        row = self._tokens.for_upload(parsed.token_id, project_key)
        if row is None:
            raise TokenRefused("Invalid API Token: the token is not known")
        if row["revoked_at"]:
            raise TokenRevoked("Invalid API Token: the token has been revoked")
        key = self._keys.key(parsed.token_id, row["key_id"])
        if key is None:
            raise TokenRefused("Invalid API Token: the token's signing key has been retired")
        api_tokens.verify_signature(parsed, key)
        return parsed, row


class UploadCommands(Commands):
    def upload_limit(self, normalized_name: str, default: int) -> int:
        """The largest file the project takes: what an admin allowed it, else `default`."""
        project = self._project(normalized_name)
        limit = project.max_file_bytes if project is not None else None
        return default if limit is None else limit

    def check_new_file(self, distribution, at: datetime) -> None:
        """Refuse, before its bytes are read, a file the project's releases cannot take."""
        project = self._project(distribution.normalized_name)
        if project is None:
            self.switches.check(NEW_PROJECTS_OFF)  # add_file asks again, at the end
        else:
            project.check_new_file(distribution.filename, distribution.version, at)

    @retrying
    def change_upload_limit(self, origin: Origin, project_name: str, max_file_bytes: int,
                            ) -> None:
        """An admin's decision, from the command line (recorded, with its audit name)."""
        project = self._project(project_key(project_name))
        if project is None:
            raise NotFound("no such project")
        project.change_upload_limit(origin, max_file_bytes)
        self._save(project)

    @retrying
    def add_file(self, origin: Origin, uploader: Uploader, distribution, stored,
                 metadata_sha256: str | None = None) -> None:
        """Record an uploaded (and already stored) file; a new name creates the project."""
        if self._find(claim_id(FILE, distribution.filename)) is not None:
            raise FileExists()
        holder = self._holder("project", distribution.normalized_name)
        created = []
        if holder is None:
            if not uploader.account_wide:
                raise Forbidden("a token scoped to projects cannot create a project")
            created = self._new_project(origin, distribution.name)
            project = created[0]
        else:
            project = self._find(holder)
        project.add_file(origin, distribution, stored, uploader.token_id, metadata_sha256)
        file_claim = Claim.create(origin, FILE, distribution.filename, project.id)
        self._save(project, file_claim, *created[1:])

    def _project(self, normalized_name: str):
        holder = self._holder("project", normalized_name)
        return self._find(holder) if holder is not None else None
