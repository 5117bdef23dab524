"""Forensic replay: the state at a past moment, rebuilt from the event log alone.

No view is read: an investigator must be able to trust the answer even when the views are
wrong. Each aggregate is folded through its own `apply` methods over its events up to the
moment (an event at exactly that moment counts), so the rules are the domain's, not a copy.
Subjects are found by one scan of the log for the few topics that name them (registrations,
projects, role grants, token issues); each subject is then read by its id, which the store
indexes. What the log cannot say is said so: whether a token's signing secret had been retired
is configuration, not history.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from wharf.domain.account import Account
from wharf.domain.api_token import ApiToken
from wharf.domain.errors import NotFound
from wharf.domain.names import project_key
from wharf.domain.project import Project
from wharf.domain.releases import UPLOAD_ROLES
from wharf.domain.two_factor import two_factor_id
from wharf.projections.database import stamp

BATCH = 1000
NAMING_TOPICS = (Account.Registered.TOPIC, Project.Created.TOPIC, Project.RoleGranted.TOPIC,
                 Project.RoleRestored.TOPIC, ApiToken.Issued.TOPIC)


@dataclass
class _Index:
    """Who existed by then: ids by name, and which accounts held tokens or roles where."""
    accounts: dict[str, UUID] = field(default_factory=dict)  # username (lower) -> id
    projects: dict[str, UUID] = field(default_factory=dict)  # normalised name -> id
    projects_of: dict[UUID, set[UUID]] = field(default_factory=dict)  # account -> projects
    tokens_of: dict[UUID, list[UUID]] = field(default_factory=dict)  # account -> tokens


class Replay:
    def __init__(self, app, uploads_require_2fa: bool):
        self._recorder = app.recorder
        self._mapper = app.mapper
        self._events = app.repository.event_store
        self._require_2fa = uploads_require_2fa

    def at(self, as_of: datetime, username: str | None = None,
           project: str | None = None) -> dict:
        index = self._index(as_of)
        account_ids, project_ids = self._subjects(index, as_of, username, project)
        projects = [p for p in (self._fold(i, as_of) for i in project_ids)
                    if p and (username is None or account_ids & {UUID(a) for a in p.roles})]
        for found in projects:
            account_ids |= {UUID(a) for a in found.roles}
        accounts = {a.id: a for a in (self._fold(i, as_of) for i in account_ids) if a}
        described = {a.id: self._account(a, index, as_of) for a in accounts.values()}
        return {"as_of": stamp(as_of),
                "accounts": sorted(described.values(), key=lambda a: a["username"].lower()),
                "projects": [_project(p, described) for p in projects]}

    def _subjects(self, index: _Index, as_of: datetime, username: str | None,
                  project: str | None) -> tuple[set[UUID], list[UUID]]:
        if username is None and project is None:
            return set(index.accounts.values()), list(index.projects.values())
        accounts, projects = set(), []
        if username is not None:
            account_id = index.accounts.get(username.lower())
            if account_id is None:
                raise NotFound(f"there was no account named {username} at {stamp(as_of)}")
            accounts.add(account_id)
            projects += index.projects_of.get(account_id, ())
        if project is not None:
            project_id = index.projects.get(project_key(project))
            if project_id is None:
                raise NotFound(f"there was no project named {project} at {stamp(as_of)}")
            projects = [project_id] if username is None or project_id in projects else []
        return accounts, projects

    def _index(self, as_of: datetime) -> _Index:
        index = _Index()
        for event in self._scan(NAMING_TOPICS):
            if event.timestamp > as_of:
                continue
            if isinstance(event, Account.Registered):
                index.accounts[event.username.lower()] = event.originator_id
            elif isinstance(event, Project.Created):
                index.projects[event.normalized_name] = event.originator_id
                index.projects_of.setdefault(event.owner_id, set()).add(event.originator_id)
            elif isinstance(event, Project.RoleGranted):
                index.projects_of.setdefault(event.account_id, set()).add(event.originator_id)
            else:
                index.tokens_of.setdefault(event.account_id, []).append(event.originator_id)
        return index

    def _scan(self, topics: tuple[str, ...]) -> Iterator:
        position = 0
        while notifications := self._recorder.select_notifications(
                position, BATCH, topics=topics, inclusive_of_start=False):
            yield from (self._mapper.to_domain_event(n) for n in notifications)
            position = notifications[-1].id

    def _fold(self, aggregate_id: UUID, as_of: datetime):
        """The aggregate as it stood at `as_of`: its events up to the first one after it."""
        aggregate = None
        for event in self._events.get(aggregate_id):
            if event.timestamp > as_of:
                break
            aggregate = event.mutate(aggregate)
        return aggregate

    def _account(self, account: Account, index: _Index, as_of: datetime) -> dict:
        two_factor = self._fold(two_factor_id(account.id), as_of)
        methods = []
        if two_factor is not None and two_factor.totp:
            methods.append({"method": "totp", "label": two_factor.totp["label"]})
        for key_id, key in (two_factor.keys.items() if two_factor else ()):
            methods.append({"method": "webauthn", "label": key["label"], "key_id": key_id})
        primary = next((e for e in account.emails.values() if e["primary"]), None)
        tokens = [t for t in (self._fold(i, as_of) for i in index.tokens_of.get(account.id, ()))
                  if t is not None and not t.revoked]
        return {
            "id": str(account.id), "username": account.username, "is_admin": account.is_admin,
            "primary_email": primary and {"email": primary["email"],
                                          "verified": primary["verified"]},
            "two_factor": methods,
            "recovery_codes_left": two_factor.recovery_codes_left if two_factor else 0,
            "sessions": [{"id": sid, "expires_at": stamp(s["expires_at"]),
                          "sudo_until": stamp(s["sudo_until"])}
                         for sid, s in account.sessions.items() if s["expires_at"] > as_of],
            "tokens": [_token(t, as_of) for t in tokens],
            "blocked": self._blocked(account, methods),
        }

    def _blocked(self, account: Account, methods: list) -> str | None:
        """Why this account could not upload at all then, or None."""
        if not account.has_verified_primary_email:
            return "no verified primary email address"
        if self._require_2fa and not methods:
            return "no second factor"
        return None


def _token(token: ApiToken, as_of: datetime) -> dict:
    return {"id": str(token.id), "description": token.description,
            "projects": None if token.account_wide else token.project_names,
            "project_ids": None if token.account_wide else [str(p) for p in token.project_ids],
            "created_at": stamp(token.created_on), "not_before": stamp(token.not_before),
            "expires_at": stamp(token.expires_at),
            "valid_then": (token.not_before is None or token.not_before <= as_of)
            and (token.expires_at is None or as_of < token.expires_at)}


def _project(project: Project, accounts: dict) -> dict:
    """The project's roles, and who could upload to it with which tokens."""
    roles = [{"username": accounts[UUID(a)]["username"], "role": role}
             for a, role in project.roles.items()]
    uploaders = []
    for account_id, role in project.roles.items():
        account = accounts[UUID(account_id)]
        tokens = [t for t in account["tokens"] if t["valid_then"] and (
            t["project_ids"] is None or str(project.id) in t["project_ids"])]
        if role in UPLOAD_ROLES and tokens and account["blocked"] is None:
            uploaders.append({"username": account["username"], "role": role,
                              "tokens": [{k: t[k] for k in ("id", "description", "projects")}
                                         for t in tokens]})
    return {"id": str(project.id), "name": project.name, "roles": roles,
            "could_upload": uploaders}
