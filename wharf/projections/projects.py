"""Projects by normalised name, and who holds which role on them."""

from functools import singledispatch

from wharf.domain.project import OWNER, Project
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS projects ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, normalized_name TEXT NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS project_roles ("
    " project_id TEXT NOT NULL, account_id TEXT NOT NULL, username TEXT NOT NULL,"
    " role TEXT NOT NULL, granted_at TEXT NOT NULL, PRIMARY KEY (project_id, account_id))",
    "CREATE INDEX IF NOT EXISTS project_roles_account ON project_roles (account_id)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Project.Created, cur) -> None:
    project_id = str(event.originator_id)
    cur.execute("INSERT INTO projects (id, name, normalized_name, created_at) VALUES (?, ?, ?, ?)",
                (project_id, event.name, event.normalized_name, stamp(event.timestamp)))
    _grant(cur, project_id, event.owner_id, event.owner_username, OWNER, event.timestamp)


@process.register
def _(event: Project.RoleGranted, cur) -> None:
    _grant(cur, str(event.originator_id), event.account_id, event.username, event.role,
           event.timestamp)


@process.register
def _(event: Project.RoleChanged, cur) -> None:
    cur.execute("UPDATE project_roles SET role = ? WHERE project_id = ? AND account_id = ?",
                (event.role, str(event.originator_id), str(event.account_id)))


@process.register
def _(event: Project.RoleRemoved, cur) -> None:
    cur.execute("DELETE FROM project_roles WHERE project_id = ? AND account_id = ?",
                (str(event.originator_id), str(event.account_id)))


def _grant(cur, project_id: str, account_id, username: str, role: str, at) -> None:
    cur.execute("INSERT INTO project_roles (project_id, account_id, username, role, granted_at)"
                " VALUES (?, ?, ?, ?, ?)", (project_id, str(account_id), username, role, stamp(at)))


VIEW = View("projects", SCHEMA, ["projects", "project_roles"], process)


class Projects:
    def __init__(self, db: Database):
        self._db = db

    def by_normalized_name(self, normalized_name: str) -> dict | None:
        """The project with its roles, read in one statement (one consistent snapshot)."""
        rows = self._db.query(
            "SELECT p.id, p.name, p.normalized_name, p.created_at, r.account_id, r.username,"
            " r.role, r.granted_at FROM projects p"
            " JOIN project_roles r ON r.project_id = p.id"
            " WHERE p.normalized_name = ? ORDER BY r.granted_at, r.username", (normalized_name,))
        if not rows:
            return None
        first = rows[0]
        return {
            "id": first["id"], "name": first["name"], "normalized_name": first["normalized_name"],
            "created_at": first["created_at"],
            "roles": [{key: r[key] for key in ("account_id", "username", "role", "granted_at")}
                      for r in rows],
        }
