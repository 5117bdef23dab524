"""Open recovery cases: when each completes (for `wharf admin complete-recoveries`) and what
the holder's pages show."""

from functools import singledispatch

from wharf.domain.account import Account
from wharf.projections.database import Database, stamp, unstamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS recovery_cases ("
    " account_id TEXT PRIMARY KEY, opened_at TEXT NOT NULL, completes_at TEXT NOT NULL)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.RecoveryCaseOpened, cur) -> None:
    cur.execute("INSERT INTO recovery_cases (account_id, opened_at, completes_at)"
                " VALUES (?, ?, ?)", (str(event.originator_id), stamp(event.timestamp),
                                      stamp(event.completes_at)))


@process.register(Account.RecoveryCaseCancelled)
@process.register(Account.RecoveryCaseCompleted)
def _(event, cur) -> None:
    cur.execute("DELETE FROM recovery_cases WHERE account_id = ?", (str(event.originator_id),))


VIEW = View("recovery_cases", SCHEMA, ["recovery_cases"], process)


class RecoveryCases:
    def __init__(self, db: Database):
        self._db = db

    def due(self, at) -> list[str]:
        """Accounts whose case may complete now, oldest first."""
        return [row["account_id"] for row in self._db.query(
            "SELECT account_id FROM recovery_cases WHERE completes_at <= ?"
            " ORDER BY completes_at, account_id", (stamp(at),))]

    def of(self, account_id) -> dict | None:
        row = self._db.query_one("SELECT opened_at, completes_at FROM recovery_cases"
                                 " WHERE account_id = ?", (str(account_id),))
        return row and {key: unstamp(value) for key, value in row.items()}
