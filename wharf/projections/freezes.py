"""Frozen accounts: the one table every credential check reads (a session's, an API token's),
so a freeze written by one worker is obeyed by the next request on any other."""

from functools import singledispatch

from wharf.domain.account import Account
from wharf.projections.database import stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS account_freezes ("
    " account_id TEXT PRIMARY KEY, reason TEXT NOT NULL, frozen_at TEXT NOT NULL)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.Frozen, cur) -> None:
    cur.execute("INSERT INTO account_freezes (account_id, reason, frozen_at) VALUES (?, ?, ?)",
                (str(event.originator_id), event.reason, stamp(event.timestamp)))


@process.register
def _(event: Account.Unfrozen, cur) -> None:
    cur.execute("DELETE FROM account_freezes WHERE account_id = ?", (str(event.originator_id),))


VIEW = View("freezes", SCHEMA, ["account_freezes"], process)

