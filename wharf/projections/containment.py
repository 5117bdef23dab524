"""A containment plan: what undoing one credential's doings since a moment would take, read
from its trail in the audit log (and the trails of the tokens it minted: a stolen session's
token uploads for it) and from the views as they stand now. A dry run: nothing is
changed, and a step already done (a token revoked, a release yanked, a role back) is left out;
application/containment.py applies it.
"""

from datetime import UTC, datetime

from wharf.domain.names import project_key
from wharf.domain.project import MAINTAINER, OWNER
from wharf.projections.api_tokens import ApiTokens
from wharf.projections.audit_log import AuditLog, Filters, Viewer
from wharf.projections.credentials import API_TOKEN, PUBLISHER_TOKEN, SESSION
from wharf.projections.database import stamp, unstamp
from wharf.projections.files import Files
from wharf.projections.invitations import Invitations
from wharf.projections.projects import Projects
from wharf.projections.sessions import Sessions
from wharf.projections.trusted_publishing import TrustedPublishing

# In the order a plan takes them: stop the credential first, then what it left behind.
ACTIONS = ("revoke", "revoke_minted", "yank_uploads", "restore_roles", "remove_granted_roles")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
READER = Viewer(None, is_admin=True)  # the plan shows no address; it only reads the trail
ROLE_GIVEN = ("project:create", "project:role:add", "project:role:change",
              "project:role:restore")


class Containment:
    def __init__(self, audit_log: AuditLog, api_tokens: ApiTokens, sessions: Sessions,
                 projects: Projects, files: Files, invitations: Invitations,
                 trusted_publishing: TrustedPublishing):
        self._audit_log = audit_log
        self._trusted_publishing = trusted_publishing
        self._invitations = invitations
        self._api_tokens = api_tokens
        self._sessions = sessions
        self._projects = projects
        self._files = files

    def plan(self, credential: dict, since: datetime, actions: list[str],
             now: datetime) -> list[dict]:
        trail = self._trail(credential["id"], since)
        minted = [e["token_id"] for e in trail if e["name"] == "account:api_token:added"]
        for token_id in dict.fromkeys(minted):
            trail += self._trail(token_id, since)  # the worm's too: what its tokens did
        trail.sort(key=lambda entry: entry["time"])  # stable: oldest first
        steps = {}
        for action in ACTIONS:
            if action in actions:
                for step in getattr(self, f"_{action}")(credential, trail, now):
                    steps.setdefault(tuple(sorted(map(str, step.items()))), step)
        return list(steps.values())

    def _trail(self, credential_id: str, since: datetime) -> list[dict]:
        return list(self._audit_log.stream(Filters(since=since, credential_id=credential_id),
                                           READER))[::-1]  # oldest first

    def _revoke(self, credential: dict, trail: list[dict], now: datetime) -> list[dict]:
        """The credential itself, while it still works. A trusted publisher's token is thrown
        away (burned) as its run would: a step on its project, for that project's Owners."""
        if credential["kind"] == PUBLISHER_TOKEN:
            token = self._trusted_publishing.token(credential["id"])
            if token is None or token["burned_at"] or token["expires_at"] <= stamp(now):
                return []
            return [{"action": "burn_token", "token_id": credential["id"],
                     "project": token["normalized_name"]}]
        if credential["kind"] == API_TOKEN:
            return self._live_tokens(credential["account_id"], [credential["id"]])
        if credential["kind"] == SESSION and any(
                s["id"] == credential["id"]
                for s in self._sessions.active_for_account(credential["account_id"], now)):
            return [{"action": "end_session", "session_id": credential["id"]}]
        return []

    def _revoke_minted(self, credential: dict, trail: list[dict], now: datetime) -> list[dict]:
        minted = [e["token_id"] for e in trail if e["name"] == "account:api_token:added"]
        return self._live_tokens(credential["account_id"], minted)

    def _live_tokens(self, account_id: str | None, token_ids: list[str]) -> list[dict]:
        live = {t["id"] for t in self._api_tokens.active_for_account(account_id)}
        return [{"action": "revoke_token", "token_id": token_id}
                for token_id in dict.fromkeys(token_ids) if token_id in live]

    def _yank_uploads(self, credential: dict, trail: list[dict], now: datetime) -> list[dict]:
        uploaded: dict[tuple[str, str], list[str]] = {}
        for entry in trail:
            if entry["name"] == "file:add":
                key = (entry["project"]["name"], entry["details"]["version"])
                uploaded.setdefault(key, []).append(entry["details"]["filename"])
        steps = []
        for (project, version), filenames in uploaded.items():
            release = next((r for r in self._files.releases(project_key(project))
                            if r["version"] == version), None)
            if release is not None and release["yanked_reason"] is None:
                steps.append({"action": "yank_release", "project": project, "version": version,
                              "files": [f for f in filenames if f in release["files"]]})
        return steps

    def _restore_roles(self, credential: dict, trail: list[dict], now: datetime) -> list[dict]:
        steps = []
        for entry in trail:
            if entry["name"] == "project:role:remove" and self._role_now(entry) is None:
                steps.append({"action": "restore_role", "project": entry["project"]["name"],
                              "username": entry["details"]["username"],
                              "role": self._role_before(entry)})
        return steps

    def _remove_granted_roles(self, credential: dict, trail: list[dict],
                              now: datetime) -> list[dict]:
        """Roles its invitations gave (once accepted, by the invitee's own credential), and
        its invitations still waiting; a role given before invitations existed too."""
        steps = []
        for entry in trail:
            if entry["name"] not in ("project:role:invite", "project:role:add"):
                continue
            where = {"project": entry["project"]["name"], "username": entry["details"]["username"]}
            role = self._role_now(entry)
            if role is not None:
                steps.append({"action": "remove_role", **where, "role": role})
            elif entry["name"] == "project:role:invite" and self._waiting(entry, now):
                steps.append({"action": "revoke_invitation", **where,
                              "role": entry["details"]["role"]})
        return steps

    def _waiting(self, entry: dict, now: datetime) -> bool:
        return any(i["username"] == entry["details"]["username"]
                   for i in self._invitations.for_project(entry["project"]["id"], now))

    def _role_now(self, entry: dict) -> str | None:
        project = self._projects.by_normalized_name(project_key(entry["project"]["name"]))
        return next((r["role"] for r in project["roles"]
                     if r["account_id"] == entry["account"]["id"]), None)

    def _role_before(self, entry: dict) -> str:
        """The role the account held when it was removed: its last grant or change before (a
        project's creation made its creator Owner); none found, the lesser role."""
        given = self._audit_log.page(Filters(
            since=EPOCH, until=unstamp(entry["time"]), names=ROLE_GIVEN,
            project_id=entry["project"]["id"], account_id=entry["account"]["id"]), READER, 1)
        return given.entries[0]["details"].get("role", OWNER) if given.entries else MAINTAINER
