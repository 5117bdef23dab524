"""Recent actions that cost someone else something, by client address and by account: email
addresses added, projects created, password resets asked for. Their limits (wharf.domain.quotas) count these rows, which
every process shares; rows older than the longest window go as new ones of their kind arrive.
"""

from datetime import datetime
from functools import singledispatch

from wharf.domain import quotas
from wharf.domain.account import Account
from wharf.domain.project import Project
from wharf.domain.unknown_username import UnknownUsername
from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.projector import View

EMAIL_ADDED, PROJECT_CREATED = "email_added", "project_created"
RESET_REQUESTED = "reset_requested"
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS client_actions ("
    " action TEXT NOT NULL, ip TEXT NOT NULL, account_id TEXT, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS client_actions_ip ON client_actions (action, ip, at)",
    "CREATE INDEX IF NOT EXISTS client_actions_account"
    " ON client_actions (action, account_id, at)",
    "CREATE INDEX IF NOT EXISTS client_actions_at ON client_actions (action, at)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.EmailAdded, cur) -> None:
    if not event.primary:  # an addition, not the sign-up's own address
        _record(cur, EMAIL_ADDED, event.ip, event.originator_id, event.timestamp)


@process.register
def _(event: Project.Created, cur) -> None:
    _record(cur, PROJECT_CREATED, event.ip, event.owner_id, event.timestamp)


@process.register(Account.PasswordResetRequested)
@process.register(UnknownUsername.PasswordResetRequested)
def _(event, cur) -> None:
    _record(cur, RESET_REQUESTED, event.ip, event.originator_id, event.timestamp)


def _record(cur, action: str, ip: str, account_id, at: datetime) -> None:
    cur.execute("DELETE FROM client_actions WHERE action = ? AND at < ?",
                (action, stamp(at - quotas.LONGEST_WINDOW)))
    cur.execute("INSERT INTO client_actions (action, ip, account_id, at) VALUES (?, ?, ?, ?)",
                (action, ip, str(account_id), stamp(at)))


VIEW = View("client_actions", SCHEMA, ["client_actions"], process)


class ClientActions:
    def __init__(self, db: Database):
        self._db = db

    def by_ip(self, action: str, ip: str, since: datetime) -> list[datetime]:
        return self._times("ip", action, ip, since)

    def by_account(self, action: str, account_id, since: datetime) -> list[datetime]:
        return self._times("account_id", action, str(account_id), since)

    def _times(self, column: str, action: str, value: str, since: datetime) -> list[datetime]:
        rows = self._db.query(f"SELECT at FROM client_actions WHERE action = ? AND {column} = ?"
                              " AND at > ?", (action, value, stamp(since)))
        return [unstamp(row["at"]) for row in rows]
