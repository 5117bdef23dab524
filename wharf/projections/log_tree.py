"""The log as an RFC 9162 Merkle tree, kept beside the views, so that outsiders can check it.

Leaf number i commits to the i-th stored event's bytes (audit_chain.entry): i is the event's
ordinal in the log, not its position, which may skip numbers (PostgreSQL spends a sequence value
on an insert that rolls back). Every perfect subtree is stored once, as it is completed: a leaf
adds its own row and, on average, one node, so appending is O(log n) and any proof is a handful
of rows read by their key. The tree's size and root are signed into checkpoints
(security/checkpoints.py, http/resources/log.py); a witness keeps them and checks that every
later one extends them.
"""

from dataclasses import dataclass

from wharf.domain.errors import InvalidInput
from wharf.projections.audit_chain import LAST_BEFORE, entry
from wharf.projections.database import Database
from wharf.projections.projector import STORED, View
from wharf.security import merkle
from wharf.security.checkpoints import Checkpoint

BATCH = 1000
LEVELS = 48  # a tree of up to 2**48 leaves: hundreds of years of any registry

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS log_tree ("
    " level SMALLINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, position BIGINT,"
    " PRIMARY KEY (level, idx))",
    # A leaf's position in the log (nodes have none).
    "CREATE UNIQUE INDEX IF NOT EXISTS log_tree_leaf_at ON log_tree (position) WHERE level = 0",
]
COLUMNS = ("level", "idx", "hash", "position")

# The tree before a position: its size (the last leaf before it, plus one) and its frontier,
# the perfect subtrees of that size (level L is one where bit L of the size is set), in one
# round trip; and, riding along, the hash chain's last hash before it (audit_chain.process
# takes it from the memo instead of asking again).
_FRONTIER = (
    "WITH last AS (SELECT idx + 1 AS n FROM log_tree WHERE level = 0 AND position < ?"
    " ORDER BY position DESC LIMIT 1),"
    f" levels (level) AS (VALUES {', '.join(f'({n})' for n in range(LEVELS))})"
    f" SELECT last.n, t.level, t.hash, ({LAST_BEFORE}) AS chain FROM last"
    " LEFT JOIN levels ON (last.n >> levels.level) & 1 = 1"
    " LEFT JOIN log_tree t ON t.level = levels.level AND t.idx = (last.n >> levels.level) - 1"
    " ORDER BY t.level DESC")


def process(notification, cur) -> list[tuple]:
    """The leaf of one stored event and the nodes it completes. The tree before it was grown
    earlier in this transaction (its rows may not be written yet) or is read from the table."""
    size, frontier = cur.memo.get("log_tree") or _before(cur, notification.id)
    frontier, made = merkle.append(frontier, size, merkle.leaf_hash(entry(notification)))
    cur.memo["log_tree"] = (size + 1, frontier)
    return [(level, index, hash_, notification.id if level == 0 else None)
            for level, index, hash_ in made]


def _before(cur, position: int) -> tuple[int, list[tuple[int, bytes]]]:
    rows = cur.execute(_FRONTIER, (position, position)).fetchall()
    if rows and rows[0]["chain"] is not None:
        cur.memo[("audit_chain", position)] = rows[0]["chain"]
    if not rows:
        return 0, []
    if any(row["hash"] is None for row in rows):
        raise LookupError(f"the tree of {rows[0]['n']} leaves lacks a subtree: rebuild it")
    return rows[0]["n"], [(row["level"], bytes(row["hash"])) for row in rows]


VIEW = View("log_tree", SCHEMA, ["log_tree"], process, takes=STORED, appends=COLUMNS,
            tail="log_tree")


@dataclass(frozen=True)
class Proof:
    """An inclusion proof (`first` is the leaf's index, `first_hash` its hash) or a
    consistency proof (`first` the earlier size, `first_hash` its root), to `size`."""
    first: int
    size: int
    first_hash: bytes
    root: bytes
    path: list[bytes]


class LogTree:
    """Sizes, roots and proofs, read from the stored subtrees: a proof is two queries (the
    size, then every subtree it needs), whatever the size of the log."""

    def __init__(self, db: Database):
        self._db = db

    def size(self) -> int:
        row = self._db.query_one("SELECT MAX(idx) AS last FROM log_tree WHERE level = 0")
        return 0 if row is None or row["last"] is None else row["last"] + 1

    def checkpoint(self, origin: str, size: int | None = None) -> Checkpoint:
        size = self._size(size)
        return Checkpoint(origin, size, self._read({}, [size])[1][size])

    def root(self, size: int) -> bytes:
        return self._read({}, [self._size(size)])[1][size]

    def inclusion(self, index: int, size: int | None = None) -> Proof:
        size = self._size(size)
        _check(0 <= index < size, f"there is no entry {index} in a tree of {size}")
        paths, roots, leaves = self._read({index: merkle.inclusion_ranges(index, size)}, [size],
                                          [index])
        return Proof(index, size, leaves[index], roots[size], paths[index])

    def inclusions(self, indexes: list[int], size: int) -> dict[int, list[bytes]]:
        """Each leaf's inclusion path in the tree of `size` leaves, read in one query."""
        return self._read({i: merkle.inclusion_ranges(i, size) for i in indexes}, [])[0]

    def consistency(self, first: int, second: int | None = None) -> Proof:
        second = self._size(second)
        _check(1 <= first <= second, "sizes must satisfy 1 <= from <= to <= the log's size")
        paths, roots, _ = self._read({0: merkle.consistency_ranges(first, second)},
                                     [first, second])
        return Proof(first, second, roots[first], roots[second], paths[0])

    def index_of(self, position: int) -> int | None:
        row = self._db.query_one("SELECT idx FROM log_tree WHERE level = 0 AND position = ?",
                                 (position,))
        return None if row is None else row["idx"]

    def _size(self, size: int | None) -> int:
        now = self.size()
        _check(size is None or size <= now, f"the log has fewer than {size} entries")
        return now if size is None else size

    def _read(self, ranges: dict[int, list[tuple[int, int]]], roots: list[int],
              leaves: list[int] = ()) -> tuple[dict, dict, dict]:
        """Paths of ranges, roots of sizes and leaves, from one query of their subtrees."""
        pieces = {r: merkle.subtrees(*r) for rs in ranges.values() for r in rs}
        pieces.update({(0, size): merkle.frontier_nodes(size) for size in roots})
        found = self.hashes({key for keys in pieces.values() for key in keys}
                            | {(0, leaf) for leaf in leaves})
        memo = {}
        hash_of = {r: merkle.range_hash(*r, found, memo) for r in pieces}
        return ({i: [hash_of[r] for r in rs] for i, rs in ranges.items()},
                {size: hash_of[(0, size)] for size in roots},
                {leaf: found[(0, leaf)] for leaf in leaves})

    def hashes(self, keys) -> dict[tuple[int, int], bytes]:
        """The stored subtrees (level, index) asked for."""
        keys = sorted(set(keys))
        found = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self._db.query(
                "SELECT level, idx, hash FROM log_tree WHERE (level, idx) IN"
                f" (VALUES {', '.join(['(?, ?)'] * len(chunk))})",
                [value for key in chunk for value in key])
            found.update({(row["level"], row["idx"]): bytes(row["hash"]) for row in rows})
        return found


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise InvalidInput(problem)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    root: bytes
    problem: str | None = None


def verify(db: Database, recorder) -> Verdict:
    """Grow the tree again from the log and compare every stored leaf and node with it; name
    the first entry where they part."""
    tree, frontier, checked, after = LogTree(db), [], 0, 0
    while True:
        leaves = db.query("SELECT idx, position, hash FROM log_tree WHERE level = 0 AND idx >= ?"
                          " ORDER BY idx LIMIT ?", (checked, BATCH))
        events = recorder.select_notifications(after, BATCH, inclusive_of_start=False)
        made = {}
        for leaf, event in zip(leaves, events, strict=False):
            if leaf["position"] != event.id:
                return Verdict(False, checked, merkle.root_of(frontier),
                               _gap(leaf["position"], event.id, checked))
            frontier, nodes = merkle.append(frontier, checked,
                                            merkle.leaf_hash(entry(event)))
            made.update({(level, index): hash_ for level, index, hash_ in nodes})
            if made[(0, checked)] != bytes(leaf["hash"]):
                return Verdict(False, checked, merkle.root_of(frontier),
                               f"entry {event.id} (leaf {checked}) was altered or moved:"
                               f" its bytes are not those the tree holds")
            checked, after = checked + 1, event.id
        stored = tree.hashes(made)
        wrong = sorted(key for key, hash_ in made.items() if stored.get(key) != hash_)
        if wrong:
            return Verdict(False, checked, merkle.root_of(frontier),
                           f"the tree's node {wrong[0]} (level, index) is not the hash of its"
                           f" leaves")
        if len(leaves) > len(events):
            return Verdict(False, checked, merkle.root_of(frontier),
                           f"entry {leaves[len(events)]['position']} (leaf {checked}) is missing"
                           f" from the log")
        if len(leaves) < BATCH:
            return Verdict(True, checked, merkle.root_of(frontier))


def _gap(in_tree: int, stored: int, leaf: int) -> str:
    if stored > in_tree:
        return f"entry {in_tree} (leaf {leaf}) is missing from the log"
    return f"entry {stored} is in the log but not in the tree: it was put there behind Wharf"
