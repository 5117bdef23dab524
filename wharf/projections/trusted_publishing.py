"""Trusted publishers by project and by repository (the exchange finds a run's publisher in
one query), pending ones by account and by repository, and the short-lived tokens minted for
them (an upload's one query)."""

import json
from functools import singledispatch

from wharf.domain.account import Account
from wharf.domain.project import Project
from wharf.domain.publisher_token import PublisherToken
from wharf.domain.publishers import publisher_of
from wharf.projections.database import Database, stamp
from wharf.projections.projector import View

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS trusted_publishers ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL, issuer TEXT NOT NULL,"
    " repository TEXT NOT NULL, publisher TEXT NOT NULL, added_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS trusted_publishers_project ON trusted_publishers (project_id)",
    "CREATE INDEX IF NOT EXISTS trusted_publishers_repository"
    " ON trusted_publishers (issuer, repository)",
    "CREATE TABLE IF NOT EXISTS publisher_tokens ("
    " id TEXT PRIMARY KEY, project_id TEXT NOT NULL, publisher_id TEXT NOT NULL,"
    " key_id TEXT NOT NULL, run TEXT NOT NULL, created_at TEXT NOT NULL,"
    " expires_at TEXT NOT NULL, burned_at TEXT)",
    "CREATE TABLE IF NOT EXISTS pending_publishers ("
    " id TEXT PRIMARY KEY, account_id TEXT NOT NULL, project_name TEXT NOT NULL,"
    " issuer TEXT NOT NULL, repository TEXT NOT NULL, publisher TEXT NOT NULL,"
    " added_at TEXT NOT NULL, expires_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS trusted_publishing_only ("
    " project_id TEXT PRIMARY KEY, since TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS pending_publishers_account ON pending_publishers (account_id)",
    "CREATE INDEX IF NOT EXISTS pending_publishers_repository"
    " ON pending_publishers (issuer, repository)",
]


def _repository(publisher: dict) -> str:
    """What a run's claims name the publisher's repository by (GitLab: its project path)."""
    return publisher_of(publisher).path


@singledispatch
def process(event, cur) -> None:
    pass


@process.register
def _(event: Project.PublisherAdded, cur) -> None:
    publisher = event.publisher
    repository = _repository(publisher)
    cur.execute("INSERT INTO trusted_publishers (id, project_id, issuer, repository, publisher,"
                " added_at) VALUES (?, ?, ?, ?, ?, ?)",
                (str(event.publisher_id), str(event.originator_id), publisher["issuer"],
                 repository, json.dumps(publisher), stamp(event.timestamp)))


@process.register
def _(event: Project.PublisherRemoved, cur) -> None:
    cur.execute("DELETE FROM trusted_publishers WHERE id = ?", (str(event.publisher_id),))


@process.register
def _(event: Account.PendingPublisherAdded, cur) -> None:
    cur.execute("INSERT INTO pending_publishers (id, account_id, project_name, issuer, repository,"
                " publisher, added_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(event.pending_id), str(event.originator_id), event.project_name,
                 event.publisher["issuer"], _repository(event.publisher),
                 json.dumps(event.publisher), stamp(event.timestamp), stamp(event.expires_at)))


@process.register(Account.PendingPublisherRemoved)
@process.register(Account.PendingPublisherUsed)
def _(event, cur) -> None:
    cur.execute("DELETE FROM pending_publishers WHERE id = ?", (str(event.pending_id),))


@process.register
def _(event: Project.TrustedPublishingOnlyChanged, cur) -> None:
    cur.execute("DELETE FROM trusted_publishing_only WHERE project_id = ?",
                (str(event.originator_id),))
    if event.enabled:
        cur.execute("INSERT INTO trusted_publishing_only (project_id, since) VALUES (?, ?)",
                    (str(event.originator_id), stamp(event.timestamp)))


@process.register
def _(event: PublisherToken.Minted, cur) -> None:
    cur.execute("INSERT INTO publisher_tokens (id, project_id, publisher_id, key_id, run,"
                " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(event.originator_id), str(event.project_id), str(event.publisher_id),
                 event.key_id, json.dumps(event.run), stamp(event.timestamp),
                 stamp(event.expires_at)))


@process.register
def _(event: PublisherToken.Burned, cur) -> None:
    cur.execute("UPDATE publisher_tokens SET burned_at = ? WHERE id = ?",
                (stamp(event.timestamp), str(event.originator_id)))


VIEW = View("trusted_publishing", SCHEMA,
            ["trusted_publishers", "publisher_tokens", "pending_publishers",
             "trusted_publishing_only"], process)


class TrustedPublishing:
    def __init__(self, db: Database):
        self._db = db

    def of_project(self, project_id) -> list[dict]:
        rows = self._db.query("SELECT id, publisher, added_at FROM trusted_publishers"
                              " WHERE project_id = ? ORDER BY added_at, id", (str(project_id),))
        return [{"id": row["id"], **json.loads(row["publisher"]), "added_at": row["added_at"]}
                for row in rows]

    def only_since(self, project_id) -> str | None:
        """Since when the project takes uploads from its trusted publishers only (None: it
        takes API tokens too)."""
        row = self._db.query_one("SELECT since FROM trusted_publishing_only WHERE project_id = ?",
                                 (str(project_id),))
        return row and row["since"]

    def for_repository(self, issuer: str, repository: str) -> list[dict]:
        """The publishers a run of this repository could be (its claims decide which)."""
        rows = self._db.query("SELECT id, project_id, publisher FROM trusted_publishers"
                              " WHERE issuer = ? AND repository = ?",
                              (issuer, repository.lower()))
        return [{"id": row["id"], "project_id": row["project_id"],
                 "publisher": json.loads(row["publisher"])} for row in rows]

    def pending_of(self, account_id) -> list[dict]:
        """An account's pending publishers, the expired ones too (they say until when)."""
        rows = self._db.query("SELECT id, project_name, publisher, added_at, expires_at"
                              " FROM pending_publishers WHERE account_id = ?"
                              " ORDER BY added_at, id", (str(account_id),))
        return [{"id": row["id"], "project_name": row["project_name"],
                 **json.loads(row["publisher"]), "added_at": row["added_at"],
                 "expires_at": row["expires_at"]} for row in rows]

    def pending_for_repository(self, issuer: str, repository: str, now) -> list[dict]:
        """The unexpired pending publishers a run of this repository could be."""
        rows = self._db.query("SELECT id, account_id, project_name, publisher"
                              " FROM pending_publishers WHERE issuer = ? AND repository = ?"
                              " AND expires_at > ?", (issuer, repository.lower(), stamp(now)))
        return [{"id": row["id"], "account_id": row["account_id"],
                 "project_name": row["project_name"], "publisher": json.loads(row["publisher"])}
                for row in rows]

    def token(self, token_id) -> dict | None:
        """A minted token, with its project's name now and whether its publisher is still the
        project's (None: no such token)."""
        row = self._db.query_one(
            "SELECT t.project_id, t.publisher_id, t.key_id, t.run, t.expires_at, t.burned_at,"
            " p.normalized_name, EXISTS (SELECT 1 FROM trusted_publishers s"
            "  WHERE s.id = t.publisher_id) AS publisher_present"
            " FROM publisher_tokens t JOIN projects p ON p.id = t.project_id"
            " WHERE t.id = ?", (str(token_id),))
        return row and {**row, "run": json.loads(row["run"])}
