"""The administrators' switches as they stand: read by every request that would change
something, so a switch turned on one worker is obeyed by the next request on any other."""

from functools import singledispatch

from wharf.domain.errors import SwitchedOff
from wharf.domain.switches import REFUSALS, SWITCHES, Switchboard
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS switches ("
    " name TEXT PRIMARY KEY, is_on INTEGER NOT NULL, reason TEXT NOT NULL,"
    " changed_at TEXT NOT NULL, changed_by TEXT)",
]


@singledispatch
def process(event, cur) -> None:
    pass


def _turned(is_on: int):
    def turn(event, cur) -> None:
        cur.execute("INSERT INTO switches (name, is_on, reason, changed_at, changed_by)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                    " is_on = excluded.is_on, reason = excluded.reason,"
                    " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                    (event.switch, is_on, event.reason, stamp(event.timestamp),
                     str(event.actor_id) if event.actor_id else None))
    return turn


process.register(Switchboard.SwitchedOn, _turned(1))
process.register(Switchboard.SwitchedOff, _turned(0))

VIEW = View("switches", SCHEMA, ["switches"], process)


class Switches:
    def __init__(self, db: Database):
        self._db = db

    def check(self, *switches: str) -> None:
        """Refuse (SwitchedOff, 503) when any of these switches is on, naming the first."""
        marks = ", ".join("?" for _ in switches)
        on = {row["name"] for row in self._db.query(
            f"SELECT name FROM switches WHERE is_on = 1 AND name IN ({marks})", switches)}
        for switch in switches:
            if switch in on:
                raise SwitchedOff(REFUSALS[switch])

    def all(self) -> list[dict]:
        """Every switch, on or off, with its last change (admins see who made it)."""
        rows = {row["name"]: row for row in self._db.query(
            "SELECT s.name, s.is_on, s.reason, s.changed_at, a.username AS changed_by"
            " FROM switches s LEFT JOIN accounts a ON a.id = s.changed_by")}
        return [{"name": name, "on": bool(rows.get(name, {}).get("is_on")),
                 "reason": rows.get(name, {}).get("reason"),
                 "changed_at": rows.get(name, {}).get("changed_at"),
                 "changed_by": rows.get(name, {}).get("changed_by")} for name in SWITCHES]
