"""Each account's second factors, its security keys, and how many recovery codes it has left."""

from functools import singledispatch

from wharf.domain.security_keys import WEBAUTHN
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
    "CREATE TABLE IF NOT EXISTS security_keys ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, label TEXT NOT NULL, aaguid TEXT NOT NULL,"
    " transports TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT)",
    "CREATE INDEX IF NOT EXISTS security_keys_by_account ON security_keys (account_id)",
    # The security keys that are passkeys: how a log-in with no username finds its account.
    "CREATE TABLE IF NOT EXISTS passkeys (key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL)",
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
def _(event: TwoFactor.SecurityKeyAdded, cur) -> None:
    account_id = account_of(cur, event.originator_id)
    cur.execute("INSERT INTO security_keys (id, account_id, label, aaguid, transports,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (str(event.key_id), account_id, event.label, event.aaguid,
                 ",".join(event.transports), stamp(event.timestamp)))
    cur.execute("INSERT INTO two_factor_methods (account_id, method, label, added_at)"
                " VALUES (?, ?, ?, ?)", (account_id, WEBAUTHN, event.label, stamp(event.timestamp)))
    if event.passkey:
        cur.execute("INSERT INTO passkeys (key_id, account_id) VALUES (?, ?)",
                    (str(event.key_id), account_id))


@process.register
def _(event: TwoFactor.SecurityKeyUsed, cur) -> None:
    cur.execute("UPDATE security_keys SET last_used_at = ? WHERE id = ?",
                (stamp(event.timestamp), str(event.key_id)))


@process.register
def _(event: TwoFactor.SecurityKeyRenamed, cur) -> None:
    old = cur.execute("SELECT account_id, label FROM security_keys WHERE id = ?",
                      (str(event.key_id),)).fetchone()
    cur.execute("UPDATE security_keys SET label = ? WHERE id = ?", (event.label, str(event.key_id)))
    cur.execute("UPDATE two_factor_methods SET label = ? WHERE account_id = ? AND method = ?"
                " AND label = ?", (event.label, old["account_id"], WEBAUTHN, old["label"]))


@process.register
def _(event: TwoFactor.SecurityKeyRemoved, cur) -> None:
    cur.execute("DELETE FROM security_keys WHERE id = ?", (str(event.key_id),))
    cur.execute("DELETE FROM passkeys WHERE key_id = ?", (str(event.key_id),))
    cur.execute("DELETE FROM two_factor_methods WHERE account_id = ? AND method = ? AND label = ?",
                (account_of(cur, event.originator_id), WEBAUTHN, event.label))


@process.register
def _(event: TwoFactor.RecoveryCodesGenerated, cur) -> None:
    cur.execute("UPDATE two_factor_accounts SET recovery_codes_left = ? WHERE id = ?",
                (len(event.digests), str(event.originator_id)))


@process.register
def _(event: TwoFactor.RecoveryCodeUsed, cur) -> None:
    cur.execute("UPDATE two_factor_accounts SET recovery_codes_left = ? WHERE id = ?",
                (event.remaining, str(event.originator_id)))


@process.register
def _(event: TwoFactor.Cleared, cur) -> None:
    account_id = account_of(cur, event.originator_id)
    cur.execute("UPDATE two_factor_accounts SET recovery_codes_left = 0 WHERE id = ?",
                (str(event.originator_id),))
    for table in ("two_factor_methods", "security_keys", "passkeys"):
        cur.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))  # noqa: S608


def account_of(cur, two_factor_id) -> str:
    """The account a TwoFactor aggregate belongs to (other views' projections use this too)."""
    return cur.execute("SELECT account_id FROM two_factor_accounts WHERE id = ?",
                       (str(two_factor_id),)).fetchone()["account_id"]


VIEW = View("two_factor", SCHEMA, ["two_factor_accounts", "two_factor_methods", "security_keys",
                                   "passkeys"], process)


class TwoFactorMethods:
    def __init__(self, db: Database):
        self._db = db

    def recovery_codes_left(self, account_id) -> int:
        row = self._db.query_one("SELECT recovery_codes_left FROM two_factor_accounts"
                                 " WHERE account_id = ?", (str(account_id),))
        return row["recovery_codes_left"] if row else 0

    def security_keys(self, account_id) -> list[dict]:
        rows = self._db.query(
            "SELECT k.id, k.label, k.aaguid, k.transports, k.created_at, k.last_used_at,"
            " p.key_id IS NOT NULL AS passkey FROM security_keys k"
            " LEFT JOIN passkeys p ON p.key_id = k.id WHERE k.account_id = ?"
            " ORDER BY k.created_at, k.id", (str(account_id),))
        return [{**row, "passkey": bool(row["passkey"]),
                 "transports": [t for t in row["transports"].split(",") if t]} for row in rows]

    def passkey_holder(self, key_id) -> str | None:
        """The account whose passkey this is, or None."""
        row = self._db.query_one("SELECT account_id FROM passkeys WHERE key_id = ?",
                                 (str(key_id),))
        return row["account_id"] if row else None
