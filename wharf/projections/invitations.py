"""Role invitations waiting for their invitee's answer: listed to the project's Owners and to
the invitee. A lapsed one stays until answered, revoked or replaced, but is not listed."""

from functools import singledispatch

from wharf.domain.project import Project
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS role_invitations ("
    " project_id TEXT NOT NULL, account_id TEXT NOT NULL, username TEXT NOT NULL,"
    " role TEXT NOT NULL, invited_by TEXT, invited_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL, PRIMARY KEY (project_id, account_id))",
    "CREATE INDEX IF NOT EXISTS role_invitations_account ON role_invitations (account_id)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Project.RoleInvited, cur) -> None:
    _end(event, cur)  # a lapsed invitation it replaces
    cur.execute("INSERT INTO role_invitations (project_id, account_id, username, role,"
                " invited_by, invited_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), str(event.account_id), event.username, event.role,
                 str(event.actor_id), stamp(event.timestamp), stamp(event.expires_at)))


@process.register(Project.InvitationAccepted)
@process.register(Project.InvitationDeclined)
@process.register(Project.InvitationRevoked)
def _end(event, cur) -> None:
    cur.execute("DELETE FROM role_invitations WHERE project_id = ? AND account_id = ?",
                (str(event.originator_id), str(event.account_id)))


VIEW = View("invitations", SCHEMA, ["role_invitations"], process)


class Invitations:
    def __init__(self, db: Database):
        self._db = db

    def for_project(self, project_id: str, now) -> list[dict]:
        """The project's pending invitations, with who sent each."""
        return self._db.query(
            "SELECT i.username, i.role, i.invited_at, i.expires_at, a.username AS invited_by"
            " FROM role_invitations i LEFT JOIN accounts a ON a.id = i.invited_by"
            " WHERE i.project_id = ? AND i.expires_at > ? ORDER BY i.invited_at, i.username",
            (project_id, stamp(now)))

    def for_account(self, account_id, now) -> list[dict]:
        """The invitations waiting for this account's answer, with each project's name."""
        return self._db.query(
            "SELECT p.name AS project, p.normalized_name, i.role, i.invited_at, i.expires_at,"
            " a.username AS invited_by FROM role_invitations i"
            " JOIN projects p ON p.id = i.project_id"
            " LEFT JOIN accounts a ON a.id = i.invited_by"
            " WHERE i.account_id = ? AND i.expires_at > ? ORDER BY i.invited_at, p.name",
            (str(account_id), stamp(now)))
