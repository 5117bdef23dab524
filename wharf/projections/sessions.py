"""Sessions: which token hash opens which account, until when, with which sudo window.

`session_activity` is operational, not a view: last-seen times are written by requests
(at most once a minute per session) and are not events, so a rebuild does not restore them.
"""

from datetime import datetime, timedelta
from functools import singledispatch

from wharf.domain.account import Account
from wharf.projections import accounts
from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sessions ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
    " created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ip TEXT NOT NULL,"
    " user_agent TEXT NOT NULL, sudo_until TEXT, ended_at TEXT)",
    "CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account_id)",
    "CREATE TABLE IF NOT EXISTS session_activity ("
    " session_id TEXT PRIMARY KEY, last_seen TEXT NOT NULL, ip TEXT NOT NULL)",
]
TOUCH_INTERVAL = timedelta(minutes=1)


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.LoggedIn, cur) -> None:
    cur.execute("INSERT INTO sessions (id, account_id, token_hash, created_at, expires_at, ip,"
                " user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(event.session_id), str(event.originator_id), event.token_hash,
                 stamp(event.timestamp), stamp(event.expires_at), event.ip, event.user_agent))


@process.register
def _(event: Account.Reauthenticated, cur) -> None:
    cur.execute("UPDATE sessions SET sudo_until = ? WHERE id = ?",
                (stamp(event.sudo_until), str(event.session_id)))


@process.register
def _(event: Account.SessionEnded, cur) -> None:
    _end(cur, [event.session_id], event.timestamp)


@process.register
def _(event: Account.PasswordChanged, cur) -> None:
    _end(cur, event.ended_session_ids, event.timestamp)


def _end(cur, session_ids, at) -> None:
    for session_id in session_ids:
        cur.execute("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                    (stamp(at), str(session_id)))


VIEW = View("sessions", SCHEMA, ["sessions"], process)


# A live session by its token's hash, and (`with_profile`) its account's profile in the same
# statement: one round trip for the session check and the page or API read behind it.
ACTIVE_FROM = (" FROM sessions s JOIN accounts a ON a.id = s.account_id"
               " LEFT JOIN session_activity act ON act.session_id = s.id")
ACTIVE_WHERE = " WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?"
SESSION_COLUMNS = "s.id AS session_id, s.account_id, s.sudo_until, s.expires_at, act.last_seen"
ACTIVE = f"SELECT {SESSION_COLUMNS}, a.username, a.is_admin{ACTIVE_FROM}{ACTIVE_WHERE}"
ACTIVE_WITH_PROFILE = (f"SELECT {SESSION_COLUMNS}, {accounts.PROFILE_COLUMNS}{ACTIVE_FROM}"
                       f" {accounts.PROFILE_JOINS}{ACTIVE_WHERE}"
                       f" ORDER BY {accounts.PROFILE_ORDER}")


class Sessions:
    def __init__(self, db: Database):
        self._db = db

    def active_by_token_hash(self, token_hash: str, now: datetime, *,
                             with_profile: bool = False) -> dict | None:
        """The live session; with its account's profile under "profile" when asked for."""
        rows = self._db.query(ACTIVE_WITH_PROFILE if with_profile else ACTIVE,
                              (token_hash, stamp(now)))
        if not rows:
            return None
        row = rows[0]
        session = {"id": row["session_id"], "account_id": row["account_id"],
                   "username": row["username"], "is_admin": row["is_admin"],
                   "expires_at": row["expires_at"], "sudo_until": unstamp(row["sudo_until"]),
                   "last_seen": unstamp(row["last_seen"])}
        if with_profile:
            session["profile"] = accounts.profile(rows)
        return session

    def active_for_account(self, account_id, now: datetime) -> list[dict]:
        return self._db.query(
            "SELECT s.id, s.created_at, s.expires_at, s.ip, s.user_agent, s.sudo_until,"
            " COALESCE(a.last_seen, s.created_at) AS last_seen,"
            " COALESCE(a.ip, s.ip) AS last_ip"
            " FROM sessions s LEFT JOIN session_activity a ON a.session_id = s.id"
            " WHERE s.account_id = ? AND s.ended_at IS NULL AND s.expires_at > ?"
            " ORDER BY s.created_at DESC", (str(account_id), stamp(now)))

    def touch(self, session: dict, ip: str, now: datetime) -> None:
        """Record activity, at most once per TOUCH_INTERVAL, so reads stay cheap."""
        if session["last_seen"] and now - session["last_seen"] < TOUCH_INTERVAL:
            return
        self._db.query(
            "INSERT INTO session_activity (session_id, last_seen, ip) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id) DO UPDATE SET last_seen = excluded.last_seen,"
            " ip = excluded.ip WHERE session_activity.last_seen < ?",
            (session["id"], stamp(now), ip, stamp(now - TOUCH_INTERVAL)))
