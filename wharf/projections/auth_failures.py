"""Failed authentication attempts (and password reset requests) by client address, for the
per-IP limits.

Rows older than the longest limit window are dropped as new failures from that address arrive.
"""

from datetime import datetime
from functools import singledispatch

from wharf.domain import limits
from wharf.domain.account import FAILURE_KINDS, Account
from wharf.domain.limits import PASSWORD
from wharf.domain.password_reset import RESET_REQUEST
from wharf.domain.unknown_username import UnknownUsername
from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS auth_failures ("
    " ip TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS auth_failures_ip ON auth_failures (ip, kind, at)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.LoginFailed, cur) -> None:
    kind = FAILURE_KINDS.get(event.reason)
    if kind is not None:
        _record(cur, event.ip, kind, event.timestamp)


@process.register
def _(event: Account.ReauthenticationFailed, cur) -> None:
    _record(cur, event.ip, PASSWORD, event.timestamp)


@process.register
def _(event: UnknownUsername.LoginFailed, cur) -> None:
    _record(cur, event.ip, PASSWORD, event.timestamp)


def _record(cur, ip: str, kind: str, at: datetime) -> None:
    cur.execute("DELETE FROM auth_failures WHERE ip = ? AND at < ?",
                (ip, stamp(at - limits.LONGEST_WINDOW)))
    cur.execute("INSERT INTO auth_failures (ip, kind, at) VALUES (?, ?, ?)",
                (ip, kind, stamp(at)))


@process.register
def _(event: Account.PasswordResetRequested, cur) -> None:
    _record(cur, event.ip, RESET_REQUEST, event.timestamp)


@process.register
def _(event: UnknownUsername.PasswordResetRequested, cur) -> None:
    _record(cur, event.ip, RESET_REQUEST, event.timestamp)


VIEW = View("auth_failures", SCHEMA, ["auth_failures"], process)


class AuthFailures:
    def __init__(self, db: Database):
        self._db = db

    def recent(self, ip: str, kind: str, since: datetime) -> list[datetime]:
        rows = self._db.query("SELECT at FROM auth_failures WHERE ip = ? AND kind = ? AND at > ?",
                              (ip, kind, stamp(since)))
        return [unstamp(row["at"]) for row in rows]
