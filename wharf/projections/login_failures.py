"""Failed log-ins counted for the brute-force limits: by client address, at made-up usernames,
and in all (the global ceiling).

Operational, not a view: the request that failed writes its rows (under the per-address mutex)
and they are never rebuilt from the log, which holds a made-up name's failures only once per
window. Each row carries its own expiry, and expired rows go as new ones arrive. A made-up
name's count also has a version, bumped by each failure at it, so two processes counting at once
behave as two writers of one aggregate do: one of them must start again.
"""

from dataclasses import dataclass
from datetime import datetime

from wharf.domain import limits
from wharf.projections.database import Database, stamp, unstamp

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS login_failures ("
    " subject TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, expires_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS login_failures_subject ON login_failures (subject, kind, at)",
    "CREATE INDEX IF NOT EXISTS login_failures_expiry ON login_failures (expires_at)",
    "CREATE TABLE IF NOT EXISTS made_up_names ("
    " subject TEXT PRIMARY KEY, version BIGINT NOT NULL, expires_at TEXT NOT NULL)",
]
EVERYONE = "*"
CEILING, CEILING_WINDOW = limits.PASSWORD_IN_ALL[0]
KEPT = {"ip": limits.LONGEST_WINDOW, "name": limits.MADE_UP_NAME_MEMORY}


def by_address(ip: str) -> str:
    return f"ip:{ip}"


def at_name(name_digest: str) -> str:
    return f"name:{name_digest}"


@dataclass(frozen=True)
class Standing:
    """What the counts said before an attempt."""
    by_address: list[datetime]
    at_name: list[datetime]  # a made-up name's failures it still remembers
    name_version: int
    ceiling_frees_at: datetime | None  # while failures in all are at the ceiling


class LoginFailures:
    def __init__(self, db: Database):
        self._db = db

    def standing(self, ip: str, kind: str, at: datetime, name: str | None = None) -> Standing:
        """One read, the same for every attempt, whatever it is at."""
        rows = self._db.query(
            "SELECT 'ip' AS what, at FROM login_failures"
            " WHERE subject = ? AND kind = ? AND at > ?"
            " UNION ALL SELECT 'name', at FROM login_failures"
            " WHERE subject = ? AND kind = ? AND at > ?"
            " UNION ALL SELECT 'version', CAST(version AS TEXT) FROM made_up_names"
            " WHERE subject = ? AND expires_at > ?"
            " UNION ALL SELECT 'ceiling', at FROM (SELECT at FROM login_failures"
            "  WHERE subject = ? AND kind = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?) c",
            (by_address(ip), kind, stamp(at - limits.LONGEST_WINDOW),
             at_name(name or ""), kind, stamp(at - limits.MADE_UP_NAME_MEMORY),
             at_name(name or ""), stamp(at),
             EVERYONE, limits.PASSWORD, stamp(at - CEILING_WINDOW), CEILING - 1))
        found = {"ip": [], "name": [], "version": [], "ceiling": []}
        for row in rows:
            found[row["what"]].append(row["at"])
        return Standing([unstamp(t) for t in found["ip"]], [unstamp(t) for t in found["name"]],
                        int(found["version"][0]) if found["version"] else 0,
                        unstamp(found["ceiling"][0]) + CEILING_WINDOW if found["ceiling"]
                        else None)

    def count(self, ip: str, kind: str, at: datetime, *, name: str | None = None,
              name_version: int = 0, in_all: bool = False) -> bool:
        """Count one failure by the address (and at the made-up name, and in all); False, with
        nothing written, when the name's count moved since `name_version` was read."""
        try:
            with self._db.transaction() as cur:
                if name is not None:
                    _count_at_name(cur, at_name(name), kind, name_version, at)
                cur.execute("INSERT INTO login_failures (subject, kind, at, expires_at)"
                            " VALUES (?, ?, ?, ?)",
                            (by_address(ip), kind, stamp(at), stamp(at + KEPT["ip"])))
                if in_all:
                    cur.execute("INSERT INTO login_failures (subject, kind, at, expires_at)"
                                " VALUES (?, ?, ?, ?)", (EVERYONE, limits.PASSWORD, stamp(at),
                                                         stamp(at + CEILING_WINDOW)))
                cur.execute("DELETE FROM login_failures WHERE expires_at <= ?", (stamp(at),))
                cur.execute("DELETE FROM made_up_names WHERE expires_at <= ?", (stamp(at),))
        except _Moved:
            return False
        return True


class _Moved(Exception):
    """Rolls the count back: another process counted a failure at the name first."""


def _count_at_name(cur, subject: str, kind: str, version: int, at: datetime) -> None:
    """Bump the name's version from the one read, or give up; its failures are all forgotten
    together, MADE_UP_NAME_MEMORY after the last."""
    expires_at = stamp(at + KEPT["name"])
    if version == 0:
        cur.execute("DELETE FROM made_up_names WHERE subject = ? AND expires_at <= ?",
                    (subject, stamp(at)))
        cur.execute("INSERT INTO made_up_names (subject, version, expires_at) VALUES (?, 1, ?)"
                    " ON CONFLICT (subject) DO NOTHING", (subject, expires_at))
    else:
        cur.execute("UPDATE made_up_names SET version = version + 1, expires_at = ?"
                    " WHERE subject = ? AND version = ?", (expires_at, subject, version))
    if cur.rowcount != 1:
        raise _Moved
    cur.execute("UPDATE login_failures SET expires_at = ? WHERE subject = ?",
                (expires_at, subject))
    cur.execute("INSERT INTO login_failures (subject, kind, at, expires_at) VALUES (?, ?, ?, ?)",
                (subject, kind, stamp(at), expires_at))
