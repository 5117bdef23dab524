"""Who can upload to a project now, and with which credential: read from the projects, accounts,
two_factor, account_freezes, api_tokens and trusted_publishing views (no table of its own).

What an Owner is shown of another account: its role, standing, the kinds of its second
factors, and its tokens' descriptions, scopes and times. Never a secret, an IP address or a
user agent (those stay with the token's owner and the admins).
"""

import json
from datetime import datetime, timedelta
from uuid import UUID

from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.trusted_publishing import TrustedPublishing
from wharf.security.api_tokens import TokenKeys

STALE_AFTER = timedelta(days=90)  # a token unused this long is flagged

MEMBERS = (
    "SELECT r.account_id, r.username, r.role, r.granted_at,"
    " EXISTS (SELECT 1 FROM account_emails e WHERE e.account_id = r.account_id"
    "  AND e.is_primary = 1 AND e.verified = 1) AS email_verified,"
    " EXISTS (SELECT 1 FROM account_freezes f WHERE f.account_id = r.account_id) AS frozen"
    " FROM project_roles r WHERE r.project_id = ? ORDER BY r.granted_at, r.username")

TOKENS = (
    "SELECT t.id, t.account_id, t.description, t.project_ids, t.project_names, t.key_id,"
    " t.created_at, t.not_before, t.expires_at, t.last_used_at"
    " FROM api_tokens t JOIN project_roles r ON r.account_id = t.account_id"
    " WHERE r.project_id = ? AND t.revoked_at IS NULL ORDER BY t.created_at, t.id")

METHODS = (
    "SELECT DISTINCT m.account_id, m.method FROM two_factor_methods m"
    " JOIN project_roles r ON r.account_id = m.account_id WHERE r.project_id = ?"
    " ORDER BY m.method")


class Uploaders:
    def __init__(self, db: Database, publishers: TrustedPublishing, keys: TokenKeys,
                 require_2fa: bool):
        self._db = db
        self._publishers = publishers
        self._keys = keys
        self._require_2fa = require_2fa

    def of_project(self, project_id: str, now: datetime) -> dict:
        """Every member with their standing and the live tokens that reach the project, and its
        trusted publishers."""
        tokens, methods = {}, {}
        for row in self._db.query(TOKENS, (project_id,)):
            if self._reaches(row, project_id, now):
                tokens.setdefault(row["account_id"], []).append(_token(row, now))
        for row in self._db.query(METHODS, (project_id,)):
            methods.setdefault(row["account_id"], []).append(row["method"])
        accounts = [self._member(row, methods.get(row["account_id"], []),
                                 tokens.get(row["account_id"], []))
                    for row in self._db.query(MEMBERS, (project_id,))]
        return {"as_of": stamp(now), "stale_after_days": STALE_AFTER.days,
                "accounts": accounts, "publishers": self._publishers.of_project(project_id)}

    def _reaches(self, row: dict, project_id: str, now: datetime) -> bool:
        """Not expired, signed by a secret still held, scoped to the whole account or to this
        project. (A holder may narrow a token offline; Wharf cannot see that.)"""
        scope = row["project_ids"]
        return ((row["expires_at"] is None or now < unstamp(row["expires_at"]))
                and self._keys.key(UUID(row["id"]), row["key_id"]) is not None
                and (scope is None or project_id in json.loads(scope)))

    def _member(self, row: dict, methods: list[str], tokens: list[dict]) -> dict:
        blocked = _blocked(row, methods, self._require_2fa)
        if blocked is None and not any(t["valid_now"] for t in tokens):
            blocked = "no API token of theirs reaches the project now"
        return {"username": row["username"], "role": row["role"],
                "role_granted_at": row["granted_at"], "frozen": bool(row["frozen"]),
                "two_factor": methods, "can_upload": blocked is None, "blocked": blocked,
                "tokens": tokens}


def _blocked(row: dict, methods: list[str], require_2fa: bool) -> str | None:
    """Why this member cannot upload whatever token they hold, or None (both roles may)."""
    if row["frozen"]:
        return "the account is frozen"
    if not row["email_verified"]:
        return "no verified primary email address"
    if require_2fa and not methods:
        return "no second factor"
    return None


def _token(row: dict, now: datetime) -> dict:
    last_use = unstamp(row["last_used_at"] or row["created_at"])
    return {"id": row["id"], "description": row["description"],
            "scope": "account" if row["project_ids"] is None else "projects",
            "projects": None if row["project_ids"] is None else json.loads(row["project_names"]),
            "created_at": row["created_at"], "not_before": row["not_before"],
            "expires_at": row["expires_at"], "last_used_at": row["last_used_at"],
            "valid_now": row["not_before"] is None or unstamp(row["not_before"]) <= now,
            "unused_90_days": now - last_use >= STALE_AFTER}
