"""Accounts by id, username and email: who someone is and which addresses they hold."""

from functools import singledispatch

from wharf.domain.account import Account
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS accounts ("
    " id TEXT PRIMARY KEY, username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE,"
    " is_admin INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS account_emails ("
    " email_key TEXT PRIMARY KEY, email TEXT NOT NULL, account_id TEXT NOT NULL,"
    " verified INTEGER NOT NULL DEFAULT 0, is_primary INTEGER NOT NULL DEFAULT 0,"
    " added_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS account_emails_account ON account_emails (account_id)",
]


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Account.Registered, cur) -> None:
    cur.execute("INSERT INTO accounts (id, username, username_key, created_at)"
                " VALUES (?, ?, ?, ?)",
                (str(event.originator_id), event.username, event.username.lower(),
                 stamp(event.timestamp)))


@process.register
def _(event: Account.EmailAdded, cur) -> None:
    cur.execute("INSERT INTO account_emails (email_key, email, account_id, is_primary, added_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (event.email_key, event.email, str(event.originator_id), int(event.primary),
                 stamp(event.timestamp)))


@process.register
def _(event: Account.EmailVerified, cur) -> None:
    cur.execute("UPDATE account_emails SET verified = 1 WHERE email_key = ?", (event.email_key,))


@process.register
def _(event: Account.PrimaryEmailChanged, cur) -> None:
    cur.execute("UPDATE account_emails SET is_primary = (CASE WHEN email_key = ? THEN 1 ELSE 0"
                " END) WHERE account_id = ?", (event.email_key, str(event.originator_id)))


@process.register
def _(event: Account.EmailRemoved, cur) -> None:
    cur.execute("DELETE FROM account_emails WHERE email_key = ?", (event.email_key,))


@process.register
def _(event: Account.AdminGranted, cur) -> None:
    cur.execute("UPDATE accounts SET is_admin = 1 WHERE id = ?", (str(event.originator_id),))


@process.register
def _(event: Account.AdminRevoked, cur) -> None:
    cur.execute("UPDATE accounts SET is_admin = 0 WHERE id = ?", (str(event.originator_id),))


VIEW = View("accounts", SCHEMA, ["accounts", "account_emails"], process)

# An account's profile (the account page and GET /api/account) as one statement's rows, one per
# address and second factor, from `accounts a`: it reads the two_factor view's tables as well,
# as the page shows both. A session's look-up adds these (wharf/projections/sessions.py), so
# the hottest read is one round trip.
PROFILE_COLUMNS = ("a.id, a.username, a.is_admin, a.created_at, e.email, e.verified,"
                   " e.is_primary, e.added_at, t.recovery_codes_left, m.method, m.label,"
                   " m.added_at AS method_added_at")
PROFILE_JOINS = ("LEFT JOIN account_emails e ON e.account_id = a.id"
                 " LEFT JOIN two_factor_accounts t ON t.account_id = a.id"
                 " LEFT JOIN two_factor_methods m ON m.account_id = a.id")
PROFILE_ORDER = "e.added_at, e.email, m.added_at"
BY_ID = (f"SELECT {PROFILE_COLUMNS} FROM accounts a {PROFILE_JOINS} WHERE a.id = ?"
         f" ORDER BY {PROFILE_ORDER}")


def profile(rows: list[dict]) -> dict | None:
    """The account the rows of PROFILE_COLUMNS describe, or None when there are none."""
    if not rows:
        return None
    first = rows[0]
    emails = {r["email"]: {"email": r["email"], "verified": bool(r["verified"]),
                           "primary": bool(r["is_primary"]), "added_at": r["added_at"]}
              for r in rows if r["email"] is not None}
    methods = {(r["method"], r["label"]): {"method": r["method"], "label": r["label"],
                                           "added_at": r["method_added_at"]}
               for r in rows if r["method"] is not None}
    return {
        "id": first["id"], "username": first["username"], "created_at": first["created_at"],
        "is_admin": bool(first["is_admin"]), "emails": list(emails.values()),
        "two_factor": {"methods": sorted(methods.values(), key=lambda m: m["added_at"]),
                       "recovery_codes_left": first["recovery_codes_left"] or 0},
    }


class Accounts:
    def __init__(self, db: Database):
        self._db = db

    def id_by_username(self, username: str) -> str | None:
        row = self._db.query_one("SELECT id FROM accounts WHERE username_key = ?",
                                 (username.lower(),))
        return row["id"] if row else None

    def by_id(self, account_id) -> dict | None:
        """The account with its addresses and second factors, in one statement (one snapshot)."""
        return profile(self._db.query(BY_ID, (str(account_id),)))
