"""Uploads: the decision whether a token may upload to a project, and recording the file.

A token is a user's (its owner's role, email and second factor decide) or a trusted
publisher's, minted for one run (its project, its publisher still registered there, decide).

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
from wharf.projections.trusted_publishing import TrustedPublishing
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
    account_id: UUID | None  # None: a trusted publisher's token
    account_wide: bool
    publisher: dict | None = None  # {"publisher_id", "run"}: whose run uploads


class UploadAuthority:
    def __init__(self, tokens: ApiTokens, publishers: TrustedPublishing, keys: TokenKeys,
                 prefix: str, require_2fa: bool):
        self._tokens = tokens
        self._publishers = publishers
        self._keys = keys
        self._prefix = prefix
        self._require_2fa = require_2fa

    def identify(self, token: str) -> tuple[UUID, UUID]:
        """(token id, account id) of a live, genuine token, valid now or not (a leak report
        revokes an expired token too)."""
        parsed = api_tokens.parse(token, self._prefix)
        row = self._genuine(parsed, "")
        return parsed.token_id, UUID(row["account_id"])

    def authenticate(self, token: str, now: datetime) -> tuple[UUID, UUID | None]:
        """(token id, account id) of a genuine token valid now for its user, before the project
        it will be used for is known: every caveat but the project's holds."""
        parsed = api_tokens.parse(token, self._prefix)
        if api_tokens.publisher_of(parsed) is not None:
            self._publisher_decision(parsed, None, now)
            return parsed.token_id, None
        row = self._usable(parsed, "")
        account_id = UUID(row["account_id"])
        api_tokens.check_caveats(parsed.caveats, now=now, user_id=account_id, project_key=None,
                                 project_id=None)
        return parsed.token_id, account_id

    def decide(self, token: str, project_key: str, now: datetime) -> Uploader:
        """Checks in a fixed order, each with its own message: the token, its signature, its
        caveats, the owner's role on the project, their verified email, their second factor."""
        parsed = api_tokens.parse(token, self._prefix)
        if api_tokens.publisher_of(parsed) is not None:
            return self._publisher_decision(parsed, project_key, now)
        row = self._usable(parsed, project_key)
        account_id = UUID(row["account_id"])
        project_id = UUID(row["project_id"]) if row["project_id"] else None
        api_tokens.check_caveats(parsed.caveats, now=now, user_id=account_id,
                                 project_key=project_key, project_id=project_id)
        if project_id is not None and row["role"] not in UPLOAD_ROLES:
            raise UploadForbidden(f"The user '{self._owner(row)}' isn't allowed to upload to"
                                  f" project '{project_key}'.")
        if project_id is None and row["project_ids"] is not None:
            raise UploadForbidden(f"Invalid API Token: a token scoped to projects cannot create"
                                  f" the new project '{project_key}'")
        if not row["email_verified"]:
            raise UploadForbidden(f"User '{self._owner(row)}' does not have a verified primary"
                                  f" email address. Please add a verified primary email before"
                                  f" attempting to upload.")
        if self._require_2fa and not row["two_factor_methods"]:
            raise UploadForbidden(f"User '{self._owner(row)}' does not have two-factor"
                                  f" authentication enabled. Please enable two-factor"
                                  f" authentication before attempting to upload.")
        return Uploader(parsed.token_id, account_id, row["project_ids"] is None)

    def _publisher_decision(self, parsed, project_key: str | None, now: datetime) -> Uploader:
        """A trusted publisher's token: known, not burnt, signed, every caveat holding (its
        project among them), its publisher still the project's (the command checks that
        again, against a removal in flight)."""
        row = self._publishers.token(parsed.token_id)
        if row is None:
            raise TokenRefused("Invalid API Token: the token is not known")
        if row["burned_at"]:
            raise TokenRevoked("Invalid API Token: the token has been revoked")
        self._verify(parsed, row["key_id"])
        project_id = UUID(row["project_id"]) if project_key == row["normalized_name"] else None
        api_tokens.check_caveats(parsed.caveats, now=now, user_id=None, project_key=project_key,
                                 project_id=project_id, publisher_id=row["publisher_id"])
        if not row["publisher_present"]:
            raise UploadForbidden(f"The trusted publisher of this token was removed from project"
                                  f" '{row['normalized_name']}'.")
        return Uploader(parsed.token_id, None, False,
                        {"publisher_id": row["publisher_id"], "run": row["run"]})

    def _verify(self, parsed, key_id: str) -> None:
        key = self._keys.key(parsed.token_id, key_id)
        if key is None:
            raise TokenRefused("Invalid API Token: the token's signing key has been retired")
        api_tokens.verify_signature(parsed, key)

    def _usable(self, parsed, project_key: str) -> dict:
        """A genuine token whose account is not frozen (a leak report may still revoke it)."""
        row = self._genuine(parsed, project_key)
        if row["frozen"]:
            raise FrozenAccountToken(f"Invalid API Token: the account '{self._owner(row)}' is"
                                     f" frozen by the administrators")
        return row

    def _owner(self, row: dict) -> str:
        return self._tokens.owner_name(row["account_id"])

    def _genuine(self, parsed, project_key: str) -> dict:
        row = self._tokens.for_upload(parsed.token_id, project_key)
        if row is None:
            raise TokenRefused("Invalid API Token: the token is not known")
        if row["revoked_at"]:
            raise TokenRevoked("Invalid API Token: the token has been revoked")
        self._verify(parsed, row["key_id"])
        return row


class UploadCommands(Commands):
    def upload_limit(self, normalized_name: str, default: int) -> int:
        """The largest file the project takes: what an admin allowed it, else `default`."""
        project = self._project(normalized_name)
        limit = project.max_file_bytes if project is not None else None
        return default if limit is None else limit

    def check_new_file(self, distribution, uploader: Uploader, at: datetime) -> None:
        """Refuse, before its bytes are read, a file the project's releases, or its rules on
        who uploads, cannot take."""
        project = self._project(distribution.normalized_name)
        if project is None:
            self.switches.check(NEW_PROJECTS_OFF)  # add_file asks again, at the end
        else:
            project.check_uploader(uploader.publisher)
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
        project.add_file(origin, distribution, stored, uploader.token_id, metadata_sha256,
                         uploader.publisher)
        file_claim = Claim.create(origin, FILE, distribution.filename, project.id)
        self._save(project, file_claim, *created[1:])

    def _project(self, normalized_name: str):
        holder = self._holder("project", normalized_name)
        return self._find(holder) if holder is not None else None
