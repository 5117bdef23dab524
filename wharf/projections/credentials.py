"""Credentials (sessions, API tokens, trusted publishers' tokens): whose each one is, and the
log positions of everything it did, so one credential's activity is one indexed read of the
audit log (audit_log.Filters.credential_id).

An event names the credential that acted in `acting_credential_id` (recorded since 2026-12). For
older events only what they carried is known: an upload's token (`token_id`), a token revoking
itself, a publisher's token burnt; what an older session did is not known.
"""

from functools import singledispatch

from wharf.domain.account import Account
from wharf.domain.api_token import BY_ITSELF, ApiToken
from wharf.domain.project import Project
from wharf.domain.publisher_token import PublisherToken
from wharf.projections.database import Database, stamp
from wharf.projections.projector import POSITIONED, View

SESSION, API_TOKEN, PUBLISHER_TOKEN = "session", "api_token", "publisher_token"

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS credentials ("
    " id TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT, project_id TEXT,"
    " created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS credential_actions ("
    " credential_id TEXT NOT NULL, position BIGINT NOT NULL,"
    " PRIMARY KEY (credential_id, position))",
]


def process(event, cur, position: int) -> None:
    born = birth(event)
    if born is not None:
        credential_id, kind, account_id, project_id = born
        cur.execute("INSERT INTO credentials (id, kind, account_id, project_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (str(credential_id), kind, _text(account_id), _text(project_id),
                     stamp(event.timestamp)))
    for credential_id in acting(event):
        cur.execute("INSERT INTO credential_actions (credential_id, position) VALUES (?, ?)",
                    (str(credential_id), position))


@singledispatch
def birth(event) -> tuple | None:
    """(id, kind, account, project) of the credential this event brings into being."""
    return None


@birth.register
def _(event: Account.LoggedIn) -> tuple:
    return event.session_id, SESSION, event.originator_id, None


@birth.register
def _(event: ApiToken.Issued) -> tuple:
    return event.originator_id, API_TOKEN, event.account_id, None


@birth.register
def _(event: PublisherToken.Minted) -> tuple:
    return event.originator_id, PUBLISHER_TOKEN, None, event.project_id


def acting(event) -> set:
    """The credentials that did this: the one recorded, else what an older event carried."""
    acted = event.acting_credential_id
    found = {acted} if acted is not None else set()
    if isinstance(event, (Project.FileAdded, Project.ReleaseAdded)) and event.token_id:
        found.add(event.token_id)
    elif isinstance(event, ApiToken.Revoked) and event.reason == BY_ITSELF:
        found.add(event.originator_id)
    elif isinstance(event, PublisherToken.Burned) and event.containment_id is None:
        found.add(event.originator_id)  # its run threw it away (a containment is another's)
    return found


VIEW = View("credentials", SCHEMA, ["credentials", "credential_actions"], process,
            takes=POSITIONED)


class Credentials:
    def __init__(self, db: Database):
        self._db = db

    def by_id(self, credential_id) -> dict | None:
        return self._db.query_one(
            "SELECT id, kind, account_id, project_id, created_at FROM credentials WHERE id = ?",
            (str(credential_id),))


def _text(value) -> str | None:
    return None if value is None else str(value)
