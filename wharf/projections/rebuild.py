"""Rebuild one view from the log in one transaction and compare it, in SQL, with the live one.

An append-only view is rebuilt into a bare copy (no index to keep up) which replaces the live
rows only where they differ; any other is replayed over its emptied tables, against a copy of
the live rows. Readers see the live rows until it commits.
"""

from dataclasses import dataclass
from typing import Callable

from wharf.projections.database import Database

# Any process's tail of a view kept in memory (projector.View.tail) is stale after this.
NEXT_GENERATION = "UPDATE projection_generation SET generation = generation + 1"


@dataclass(frozen=True)
class Difference:
    only_live: tuple[int, list[dict]]  # how many rows, and the first few
    only_rebuilt: tuple[int, list[dict]]

    def __bool__(self) -> bool:
        return bool(self.only_live[0] or self.only_rebuilt[0])


def rebuild(db: Database, view, replay: Callable, progress: Callable[[int, int], None],
            ) -> dict[str, Difference]:
    """Leave the log's version of `view` and return, per table that differed, what only the
    live view had and what only the rebuilt one has."""
    with db.transaction(lock=True) as cur:
        pairs = [(table, f"rebuilt_{table}") if view.appends else (f"live_{table}", table)
                 for table in view.tables]
        for live, rebuilt in pairs:
            copied = rebuilt if view.appends else live
            source = live if view.appends else rebuilt
            cur.execute(f"CREATE TEMPORARY TABLE {copied} AS SELECT * FROM {source}"
                        + (" WHERE 1 = 0" if view.appends else ""))
            if not view.appends:
                cur.execute(f"DELETE FROM {source}")
        position = replay(view, cur, progress, pairs[0][1] if view.appends else None)
        cur.execute("UPDATE projection_tracking SET position = ? WHERE name = ?",
                    (position, view.name))
        cur.execute(NEXT_GENERATION)
        differences = {}
        for (live, rebuilt), table in zip(pairs, view.tables, strict=True):
            difference = _difference(cur, live, rebuilt)
            if difference:
                differences[table] = difference
            if difference and view.appends:
                cur.execute(f"DELETE FROM {table}")
                cur.execute(f"INSERT INTO {table} SELECT * FROM {rebuilt}")
            cur.execute(f"DROP TABLE {rebuilt if view.appends else live}")
    return differences


def _difference(cur, live: str, rebuilt: str) -> Difference:
    """What only each side holds. The live rows are distinct (every view table has a primary
    key), so when the rebuilt side is as large and holds all of them, the two are equal: the
    second, costly, EXCEPT is needed only when they are not."""
    only_live = _except(cur, live, rebuilt)
    sizes = [cur.execute(f"SELECT COUNT(*) AS n FROM {t}").fetchone()["n"] for t in (live, rebuilt)]
    if not only_live[0] and sizes[0] == sizes[1]:
        return Difference(only_live, (0, []))
    return Difference(only_live, _except(cur, rebuilt, live))


def _except(cur, table: str, other: str, sample: int = 5) -> tuple[int, list[dict]]:
    rows = f"SELECT * FROM {table} EXCEPT SELECT * FROM {other}"
    count = cur.execute(f"SELECT COUNT(*) AS n FROM ({rows}) AS d").fetchone()["n"]
    return count, cur.execute(f"{rows} LIMIT {sample}").fetchall() if count else []
