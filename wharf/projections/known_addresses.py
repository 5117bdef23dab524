"""The client addresses each account has logged in from: they get in while strangers are locked
out (wharf/domain/lockout.py). A row per account and address, from the log's successful
log-ins, so a rebuild gives the same rows and each log-in counts once."""

from functools import singledispatch
from uuid import UUID

from wharf.domain.account import Account
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS known_addresses ("
    " account_id TEXT NOT NULL, ip TEXT NOT NULL, first_at TEXT NOT NULL,"
    " PRIMARY KEY (account_id, ip))",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.LoggedIn, cur) -> None:
    cur.execute("INSERT INTO known_addresses (account_id, ip, first_at) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id, ip) DO NOTHING",
                (str(event.originator_id), event.ip, stamp(event.timestamp)))


VIEW = View("known_addresses", SCHEMA, ["known_addresses"], process,
            topics=(Account.LoggedIn.TOPIC,))


class KnownAddresses:
    def __init__(self, db: Database):
        self._db = db

    def includes(self, account_id: UUID | None, ip: str) -> bool:
        """Asked for made-up names too (with no account), so both take one query's time."""
        return self._db.query_one(
            "SELECT 1 AS known FROM known_addresses WHERE account_id = ? AND ip = ?",
            (str(account_id) if account_id else "", ip)) is not None
