"""The audit log as people read it: one row per public entry (audit_entries.py), indexed by the
account and the project it is about and by time, newest first, a page at a time.

Pages are cut by keyset (time, position, entry), never by OFFSET, so page 1000 costs what
page 1 costs and an entry arriving meanwhile neither repeats nor skips one.
"""

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import orjson

from wharf.domain.errors import InvalidInput
from wharf.projections.audit_entries import TOPICS, entries
from wharf.projections.audit_names import NAMES, PUBLIC
from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.projector import POSITIONED, View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS audit_log ("
    " position BIGINT NOT NULL, entry INTEGER NOT NULL, occurred_at TEXT NOT NULL,"
    " name TEXT NOT NULL, account_id TEXT, project_id TEXT, actor_id TEXT,"
    " ip TEXT NOT NULL, user_agent TEXT NOT NULL, two_factor_method TEXT, token_id TEXT,"
    " details TEXT NOT NULL, PRIMARY KEY (position, entry))",
    "CREATE INDEX IF NOT EXISTS audit_log_by_account"
    " ON audit_log (account_id, occurred_at, position, entry)",
    "CREATE INDEX IF NOT EXISTS audit_log_by_project"
    " ON audit_log (project_id, occurred_at, position, entry)",
    "CREATE INDEX IF NOT EXISTS audit_log_by_actor"
    " ON audit_log (actor_id, occurred_at, position, entry)",
    "CREATE INDEX IF NOT EXISTS audit_log_by_ip ON audit_log (ip, occurred_at, position, entry)",
    "CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log (occurred_at, position, entry)",
    # The public feed (public_feed.py): names as literals, so both stores see the index fits.
    "CREATE INDEX IF NOT EXISTS audit_log_public ON audit_log (position, entry)"
    f" WHERE name IN ({', '.join(repr(name) for name in PUBLIC)})",
]

COLUMNS = ("position", "entry", "occurred_at", "name", "account_id", "project_id", "actor_id",
           "ip", "user_agent", "two_factor_method", "token_id", "details")


def rows(event, cur, position: int) -> list[tuple]:
    # A containment's step (a revocation, a yank, a role back) names it, whatever the event.
    containment = getattr(event, "containment_id", None)
    linked = {"containment_id": str(containment)} if containment else {}
    return [(position, number, stamp(event.timestamp), entry.name, _text(entry.account_id),
             _text(entry.project_id), _text(event.actor_id), event.ip, event.user_agent,
             entry.two_factor_method, _text(entry.token_id),
             orjson.dumps({**entry.details, **linked}, option=orjson.OPT_SORT_KEYS).decode())
            for number, entry in enumerate(entries(event, cur))]


VIEW = View("audit_log", SCHEMA, ["audit_log"], rows, takes=POSITIONED, appends=COLUMNS,
            topics=TOPICS)


@dataclass(frozen=True)
class Viewer:
    """Who reads: other people's addresses are shown to admins only."""
    account_id: str | None
    is_admin: bool = False


@dataclass(frozen=True)
class Filters:
    since: datetime
    until: datetime | None = None
    names: tuple[str, ...] = ()
    account_id: str | None = None  # entries about this account
    project_id: str | None = None  # entries about this project
    involving: str | None = None  # entries about or by this account (the admin's filter)
    ip: str | None = None
    credential_id: str | None = None  # entries of what this session or token did

    def __post_init__(self):
        unknown = sorted(set(self.names) - NAMES.keys())
        if unknown:
            raise InvalidInput(f"unknown event name {unknown[0]!r}; see the list of names in"
                               f" the API documentation")
        if self.until is not None and self.until <= self.since:
            raise InvalidInput("'until' must be later than 'since'")


@dataclass(frozen=True)
class Page:
    entries: list[dict]
    next_cursor: str | None


class AuditLog:
    def __init__(self, db: Database):
        self._db = db

    def page(self, filters: Filters, viewer: Viewer, limit: int,
             cursor: str | None = None) -> Page:
        found = self._query(filters, _decode(cursor) if cursor else None, limit + 1)
        more = len(found) > limit
        found = found[:limit]
        return Page([_public(row, viewer) for row in found],
                    _encode(found[-1]) if more else None)

    def stream(self, filters: Filters, viewer: Viewer, batch: int = 500) -> Iterator[dict]:
        """Every matching entry, newest first, read a batch at a time (constant memory)."""
        after = None
        while True:
            found = self._query(filters, after, batch)
            yield from (_public(row, viewer) for row in found)
            if len(found) < batch:
                return
            after = _key(found[-1])

    def _query(self, filters: Filters, after: tuple | None, limit: int) -> list[dict]:
        where, params = ["l.occurred_at >= ?"], [stamp(filters.since)]
        if filters.until is not None:
            where.append("l.occurred_at < ?")
            params.append(stamp(filters.until))
        for column, value in (("l.account_id", filters.account_id),
                              ("l.project_id", filters.project_id), ("l.ip", filters.ip)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if filters.involving is not None:
            where.append("(l.account_id = ? OR l.actor_id = ?)")
            params += [filters.involving, filters.involving]
        if filters.credential_id is not None:
            where.append("l.position IN (SELECT a.position FROM credential_actions a"
                         " WHERE a.credential_id = ?)")
            params.append(filters.credential_id)
        if filters.names:
            where.append(f"l.name IN ({', '.join('?' * len(filters.names))})")
            params += list(filters.names)
        if after is not None:
            where.append("(l.occurred_at, l.position, l.entry) < (?, ?, ?)")
            params += list(after)
        return self._db.query(
            "SELECT l.*, actor.username AS actor_username, subject.username AS account_username,"
            " p.name AS project_name, leaf.idx AS log_index FROM audit_log l"
            " LEFT JOIN accounts actor ON actor.id = l.actor_id"
            " LEFT JOIN accounts subject ON subject.id = l.account_id"
            " LEFT JOIN projects p ON p.id = l.project_id"
            " LEFT JOIN log_tree leaf ON leaf.level = 0 AND leaf.position = l.position"
            f" WHERE {' AND '.join(where)}"
            " ORDER BY l.occurred_at DESC, l.position DESC, l.entry DESC LIMIT ?",
            (*params, limit))


def _public(row: dict, viewer: Viewer) -> dict:
    """An entry as a reader sees it. Where someone connected from is personal: a reader sees
    their own addresses and those of anonymous attempts on their account, admins see all."""
    own = row["actor_id"] == viewer.account_id or (
        row["actor_id"] is None and row["account_id"] == viewer.account_id)
    shown = viewer.is_admin or (own and viewer.account_id is not None)
    return {
        "id": f"{row['position']}.{row['entry']}",
        "log_index": row["log_index"],
        "time": row["occurred_at"],
        "name": row["name"],
        "actor": _named(row["actor_id"], row["actor_username"], "username"),
        "account": _named(row["account_id"], row["account_username"], "username"),
        "project": _named(row["project_id"], row["project_name"], "name"),
        "ip": row["ip"] if shown else None,
        "user_agent": row["user_agent"] if shown else None,
        "two_factor_method": row["two_factor_method"],
        "token_id": row["token_id"],
        "details": json.loads(row["details"]),
    }


def _named(id_: str | None, name: str | None, key: str) -> dict | None:
    return None if id_ is None else {"id": id_, key: name}


def _key(row: dict) -> tuple:
    return row["occurred_at"], row["position"], row["entry"]


def _encode(row: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(_key(row)).encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple:
    """The key a cursor names, refused unless it is one a page could have made: a stored time
    (so no NUL, nothing else) and numbers that fit the columns (BIGINT position, INTEGER
    entry), which a forged cursor's 10**30 would not."""
    try:
        occurred_at, position, entry = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(occurred_at, str) and stamp(unstamp(occurred_at)) == occurred_at
                and _fits(position, BIGINT) and _fits(entry, INTEGER)):
            raise ValueError
        return occurred_at, position, entry
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("invalid cursor: pass back the next_cursor of a page") from None


BIGINT, INTEGER = 2**63, 2**31


def _fits(number, bound: int) -> bool:
    return type(number) is int and 0 <= number < bound


def _text(value) -> str | None:
    return None if value is None else str(value)
