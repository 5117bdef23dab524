"""The public feed: who was given which role on which project, in log order, for anyone (a
dependency bot, a package's users) to read and prove against a signed checkpoint.

Read from the audit_log view (audit_names.PUBLIC) and the log_tree view: usernames and project
names only, which the index shows publicly anyway; never an address, an email or a token.
"""

import json

from wharf.projections.audit_names import PUBLIC
from wharf.projections.database import Database

_NAMES = ", ".join(repr(name) for name in PUBLIC)  # literals: the partial index fits them


class PublicFeed:
    def __init__(self, db: Database):
        self._db = db

    def entries(self, since: int, size: int, limit: int) -> list[dict]:
        """The public entries of log indexes since <= i < size, oldest first."""
        if since >= size:
            return []
        rows = self._db.query(
            "SELECT l.occurred_at, l.name, l.details, leaf.idx AS log_index,"
            " leaf.hash AS leaf_hash, actor.username AS actor, subject.username AS username,"
            " p.name AS project FROM audit_log l"
            " JOIN log_tree leaf ON leaf.level = 0 AND leaf.position = l.position"
            " LEFT JOIN accounts actor ON actor.id = l.actor_id"
            " LEFT JOIN accounts subject ON subject.id = l.account_id"
            " LEFT JOIN projects p ON p.id = l.project_id"
            f" WHERE l.name IN ({_NAMES}) AND l.position >="
            " (SELECT position FROM log_tree WHERE level = 0 AND idx = ?)"
            " AND leaf.idx < ? ORDER BY l.position, l.entry LIMIT ?", (since, size, limit))
        return [_public(row) for row in rows]


def _public(row: dict) -> dict:
    details = json.loads(row["details"])
    return {"log_index": row["log_index"], "leaf_hash": bytes(row["leaf_hash"]),
            "time": row["occurred_at"], "name": row["name"],
            "project": row["project"] or details.get("name"), "actor": row["actor"],
            "username": row["username"] or details.get("username"), "role": details.get("role")}
