"""Each account's second factors and how many recovery codes it has left."""

from functools import singledispatch

from wharf.domain.two_factor import TOTP, TwoFactor
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS two_factor_accounts ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL UNIQUE,"
    " recovery_codes_left INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS two_factor_methods ("
    " account_id TEXT NOT NULL, method TEXT NOT NULL, label TEXT NOT NULL,"
    " added_at TEXT NOT NULL, PRIMARY KEY (account_id, method, label))",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: TwoFactor.Created, cur) -> None:
    cur.execute("INSERT INTO two_factor_accounts (id, account_id) VALUES (?, ?)",
                (str(event.originator_id), str(event.account_id)))


@process.register
def _(event: TwoFactor.TotpEnabled, cur) -> None:
    account_id = account_of(cur, event.originator_id)
    cur.execute("DELETE FROM two_factor_methods WHERE account_id = ? AND method = ?",
                (account_id, TOTP))
    cur.execute("INSERT INTO two_factor_methods (account_id, method, label, added_at)"
                " VALUES (?, ?, ?, ?)", (account_id, TOTP, event.label, stamp(event.timestamp)))


@process.register
def _(event: TwoFactor.TotpDisabled, cur) -> None:
    cur.execute("DELETE FROM two_factor_methods WHERE account_id = ? AND method = ?",
                (account_of(cur, event.originator_id), TOTP))


@process.register
def _(event: TwoFactor.RecoveryCodesGenerated, cur) -> None:
    cur.execute("UPDATE two_factor_accounts SET recovery_codes_left = ? WHERE id = ?",
                (len(event.digests), str(event.originator_id)))


@process.register
def _(event: TwoFactor.RecoveryCodeUsed, cur) -> None:
    cur.execute("UPDATE two_factor_accounts SET recovery_codes_left = ? WHERE id = ?",
                (event.remaining, str(event.originator_id)))


def account_of(cur, two_factor_id) -> str:
    """The account a TwoFactor aggregate belongs to (other views' projections use this too)."""
    return cur.execute("SELECT account_id FROM two_factor_accounts WHERE id = ?",
                       (str(two_factor_id),)).fetchone()["account_id"]


VIEW = View("two_factor", SCHEMA, ["two_factor_accounts", "two_factor_methods"], process)


class TwoFactorMethods:
    def __init__(self, db: Database):
        self._db = db

    def recovery_codes_left(self, account_id) -> int:
        row = self._db.query_one("SELECT recovery_codes_left FROM two_factor_accounts"
                                 " WHERE account_id = ?", (str(account_id),))
        return row["recovery_codes_left"] if row else 0
