"""Tamper evidence: a hash chain over the ordered log, kept beside the views.

Each entry's hash covers the previous hash and the event's stored bytes (position, aggregate,
version, topic, state), so changing, deleting or reordering a stored event breaks the chain
from there on. Whoever can write the store could rebuild the chain too, so keep the head
(`wharf audit head`) somewhere else and give it to `wharf audit verify --head`.
"""

import hashlib
from dataclasses import dataclass

from wharf.projections.database import Database
from wharf.projections.projector import STORED, View

GENESIS = "0" * 64
BATCH = 1000

SCHEMA = ["CREATE TABLE IF NOT EXISTS audit_chain ("
          " position BIGINT PRIMARY KEY, hash TEXT NOT NULL)"]


def entry(notification) -> bytes:
    """A stored event's bytes as the chain and the Merkle tree (log_tree.py) commit to them:
    position, aggregate, version and topic, each length-prefixed, then the state."""
    parts = (str(notification.id), str(notification.originator_id),
             str(notification.originator_version), notification.topic)
    return b"".join(len(part).to_bytes(4, "big") + part.encode() for part in parts) + bytes(
        notification.state)


def link(previous: str, notification) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + entry(notification)).hexdigest()


# The hash before a position. The log_tree view, applied just before, reads it in the query it
# makes anyway and leaves it in the memo under ("audit_chain", position): a round trip less.
LAST_BEFORE = "SELECT hash FROM audit_chain WHERE position < ? ORDER BY position DESC LIMIT 1"


def process(notification, cur) -> list[tuple]:
    """The entry of one stored event. The hash before it was made earlier in this transaction
    (its row may not be written yet: rows go in a batch at a time) or is the last one stored."""
    previous = cur.memo.get("audit_chain") or cur.memo.pop(("audit_chain", notification.id),
                                                           None)
    if previous is None:
        row = cur.execute(LAST_BEFORE, (notification.id,)).fetchone()
        previous = row["hash"] if row else GENESIS
    cur.memo["audit_chain"] = link(previous, notification)
    return [(notification.id, cur.memo["audit_chain"])]


VIEW = View("audit_chain", SCHEMA, ["audit_chain"], process, takes=STORED,
            appends=("position", "hash"), tail="audit_chain")


@dataclass(frozen=True)
class Head:
    """An entry of the chain as `wharf audit head` prints it: `POSITION HASH`."""
    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position} {self.hash}"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    head: Head
    problem: str | None = None


def head(db: Database) -> Head:
    row = db.query_one("SELECT position, hash FROM audit_chain ORDER BY position DESC LIMIT 1")
    return Head(row["position"], row["hash"]) if row else Head(0, GENESIS)


def verify(db: Database, recorder, kept: Head | None = None) -> Verdict:
    """Walk the chain and the log together, up to the chain's head (later events are not
    chained yet); name the first entry where they part. A head kept outside is a prefix of the
    chain: its entry must have its hash, however many entries came after it."""
    reached, checked, after, met = Head(0, GENESIS), 0, 0, kept is None
    while True:
        chain = db.query("SELECT position, hash FROM audit_chain WHERE position > ?"
                         " ORDER BY position LIMIT ?", (after, BATCH))
        events = recorder.select_notifications(after, BATCH, inclusive_of_start=False)
        for entry, event in zip(chain, events, strict=False):
            if event.id != entry["position"]:
                return Verdict(False, checked, reached, _gap(entry["position"], event.id))
            reached = Head(event.id, link(reached.hash, event))
            if reached.hash != entry["hash"]:
                return Verdict(False, checked, reached,
                               f"entry {event.id} was altered or moved: its hash does not"
                               f" follow from the entries before it")
            checked, after = checked + 1, event.id
            if not met and kept.position == event.id:
                if kept != reached:
                    return Verdict(False, checked, reached, _rewritten(kept))
                met = True
        if len(chain) > len(events):
            return Verdict(False, checked, reached,
                           f"entry {chain[len(events)]['position']} is missing from the log")
        if len(chain) < BATCH:
            break
    problem = None if met else _not_met(kept, reached)
    return Verdict(problem is None, checked, reached, problem)


def _rewritten(kept: Head) -> str:
    return (f"entry {kept.position} does not have the hash kept outside: the log up to it was"
            f" rewritten and the chain made again")


def _not_met(kept: Head, reached: Head) -> str | None:
    """What it means that the walk never met the entry of the head kept outside."""
    if kept.position == 0:  # kept when the log was empty
        return None if kept.hash == GENESIS else _rewritten(kept)
    if kept.position > reached.position:
        return (f"the chain ends at entry {reached.position}, before the head kept outside"
                f" (entry {kept.position}): entries were removed from the end of the log")
    return (f"entry {kept.position}, the head kept outside, is not in the log: it was removed"
            f" and the chain made again")


def _gap(chained: int, stored: int) -> str:
    if stored > chained:
        return f"entry {chained} is missing from the log"
    return f"entry {stored} is in the log but was never chained: it was put there behind Wharf"
