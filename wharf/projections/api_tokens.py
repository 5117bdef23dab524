"""API tokens: who holds which, their scope and last use, and the one query an upload needs."""

import json
from functools import singledispatch

from wharf.domain.api_token import ApiToken
from wharf.domain.project import Project
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS api_tokens ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, description TEXT NOT NULL,"
    " project_ids TEXT, project_names TEXT NOT NULL, key_id TEXT NOT NULL,"
    " created_at TEXT NOT NULL, not_before TEXT, expires_at TEXT, revoked_at TEXT,"
    " last_used_at TEXT, last_used_ip TEXT, last_used_user_agent TEXT)",
    "CREATE INDEX IF NOT EXISTS api_tokens_account ON api_tokens (account_id)",
]

# Everything an upload's decision needs, in one statement: the token, its owner's standing
# (a verified primary email, a second factor, frozen or not) and their role on the project being
# uploaded to. Only what decides: the owner's name, for a refusal's message, is read then.
FOR_UPLOAD = (
    "SELECT t.account_id, t.key_id, t.project_ids, t.revoked_at,"
    " EXISTS (SELECT 1 FROM account_emails e WHERE e.account_id = t.account_id"
    "  AND e.is_primary = 1 AND e.verified = 1) AS email_verified,"
    " EXISTS (SELECT 1 FROM two_factor_methods m WHERE m.account_id = t.account_id)"
    "  AS two_factor_methods,"
    " EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_id = t.account_id) AS frozen,"
    " p.id AS project_id, r.role"
    " FROM api_tokens t LEFT JOIN projects p ON p.normalized_name = ?"
    " LEFT JOIN project_roles r ON r.project_id = p.id AND r.account_id = t.account_id"
    " WHERE t.id = ?")


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: ApiToken.Issued, cur) -> None:
    project_ids = None if event.project_ids is None else [str(p) for p in event.project_ids]
    cur.execute("INSERT INTO api_tokens (id, account_id, description, project_ids,"
                " project_names, key_id, created_at, not_before, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), str(event.account_id), event.description,
                 json.dumps(project_ids) if project_ids is not None else None,
                 json.dumps(event.project_names), event.key_id, stamp(event.timestamp),
                 stamp(event.not_before), stamp(event.expires_at)))


@process.register
def _(event: ApiToken.Revoked, cur) -> None:
    cur.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?",
                (stamp(event.timestamp), str(event.originator_id)))


@process.register
def _(event: Project.FileAdded, cur) -> None:
    if event.token_id is not None:
        cur.execute("UPDATE api_tokens SET last_used_at = ?, last_used_ip = ?,"
                    " last_used_user_agent = ? WHERE id = ?",
                    (stamp(event.timestamp), event.ip, event.user_agent, str(event.token_id)))


VIEW = View("api_tokens", SCHEMA, ["api_tokens"], process)


class ApiTokens:
    def __init__(self, db: Database):
        self._db = db

    def for_upload(self, token_id, project_key: str) -> dict | None:
        return self._db.query_one(FOR_UPLOAD, (project_key, str(token_id)))

    def owner_name(self, account_id: str) -> str:
        """The username a refusal names (FOR_UPLOAD leaves it out: only refusals need it)."""
        return self._db.query_one("SELECT username FROM accounts WHERE id = ?",
                                  (account_id,))["username"]

    def active_for_account(self, account_id) -> list[dict]:
        rows = self._db.query(
            "SELECT id, description, project_names, project_ids, created_at, not_before,"
            " expires_at, last_used_at, last_used_ip, last_used_user_agent FROM api_tokens"
            " WHERE account_id = ? AND revoked_at IS NULL ORDER BY created_at, id",
            (str(account_id),))
        return [{**row, "projects": None if row["project_ids"] is None
                 else json.loads(row["project_names"])} for row in rows]

    def expiring(self, after, until) -> list[str]:
        """Ids of live tokens expiring after `after`, by `until`, soonest first."""
        rows = self._db.query("SELECT id FROM api_tokens WHERE revoked_at IS NULL"
                              " AND expires_at > ? AND expires_at <= ? ORDER BY expires_at, id",
                              (stamp(after), stamp(until)))
        return [row["id"] for row in rows]

    def scoped_to(self, account_id, project_id) -> list[str]:
        """Ids of the account's live tokens whose scope names this project."""
        rows = self._db.query("SELECT id, project_ids FROM api_tokens WHERE account_id = ?"
                              " AND revoked_at IS NULL AND project_ids IS NOT NULL",
                              (str(account_id),))
        return [row["id"] for row in rows if str(project_id) in json.loads(row["project_ids"])]
