"""Wharf's one event-sourced Application: every command is get -> change -> save -> catch up.

All aggregates share one log, so the whole system has one total order. After each save the
views are brought up to the saved position before the command returns (read-your-writes).
"""

import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment

from wharf.domain.account import Account
from wharf.domain.claim import Claim, claim_id
from wharf.domain.errors import (
    Conflict, EmailTaken, InvalidCredentials, InvalidToken, NotFound, ProjectNameTaken,
    ReauthenticationRequired, UsernameTaken, WrongPassword,
)
from wharf.domain.names import normalise_email, project_key, username_key
from wharf.domain.origin import Origin
from wharf.domain.project import Project
from wharf.projections.projector import Projector
from wharf.security import passwords as password_policy
from wharf.security.passwords import Passwords
from wharf.security.tokens import VerificationTokens, new_nonce, new_session_token, token_hash

ATTEMPTS = 5


@dataclass(frozen=True)
class NewSession:
    session_id: UUID
    account_id: UUID
    token: str  # shown once, to the client that logged in

    def __repr__(self) -> str:
        return f"NewSession(session_id={self.session_id!r}, account_id={self.account_id!r})"


class LostRace(Exception):
    """Another process saved the same aggregate version first; nothing of ours was stored."""


def retrying(command):
    """Re-run a command whose save lost a race; the rerun sees the winner's events."""

    @functools.wraps(command)
    def run(self, *args, **kwargs):
        for _ in range(ATTEMPTS - 1):
            try:
                return command(self, *args, **kwargs)
            except LostRace:
                continue
        try:
            return command(self, *args, **kwargs)
        except LostRace:
            raise Conflict("too many concurrent changes; try again") from None

    return run


class Wharf(Application):
    name = "Wharf"
    snapshotting_intervals = {Account: 200, Project: 200}  # noqa: RUF012

    def __init__(self, env: dict[str, str], *, passwords: Passwords,
                 verification_tokens: VerificationTokens, session_lifetime: timedelta,
                 sudo_window: timedelta, verification_lifetime: timedelta):
        super().__init__(env)
        self.passwords = passwords
        self.verification_tokens = verification_tokens
        self.session_lifetime = session_lifetime
        self.sudo_window = sudo_window
        self.verification_lifetime = verification_lifetime
        self.projector: Projector | None = None

    def construct_env(self, name: str, env: Any = None) -> Environment:
        # Only the settings we are given: the composition root alone reads os.environ.
        merged = dict(type(self).env)
        if type(self).snapshotting_intervals:
            merged["IS_SNAPSHOTTING_ENABLED"] = "y"
        merged.update(env or {})
        return Environment(name, merged)

    # Accounts

    @retrying
    def register(self, origin: Origin, username: str, password: str, email: str) -> UUID:
        key = username_key(username)
        address, email_key = normalise_email(email)
        password_policy.check_policy(password, username=username)
        account_id = uuid4()
        origin = origin.acting_as(account_id)
        name_claim = self._claim(origin, "username", key, account_id, UsernameTaken,
                                 "this username is not available")
        email_claim = self._claim(origin, "email", email_key, account_id, EmailTaken,
                                  "this email address is already in use")
        account = Account.register(origin, account_id, username, self.passwords.hash(password))
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(account, name_claim, email_claim)
        return account_id

    @retrying
    def add_email(self, origin: Origin, email: str) -> None:
        address, email_key = normalise_email(email)
        account = self._account(origin.actor_id)
        if email_key in account.emails:
            raise Conflict("this email address is already on your account")
        claim = self._claim(origin, "email", email_key, account.id, EmailTaken,
                            "this email address is already in use")
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(account, claim)

    @retrying
    def verify_email(self, origin: Origin, token: str) -> UUID:
        account_id, nonce = self.verification_tokens.open(token)
        try:
            account = self._account(account_id)
        except NotFound:
            raise InvalidToken("this verification link is invalid") from None
        account.verify_email(origin, nonce)
        self._save(account)
        return account_id

    @retrying
    def make_primary_email(self, origin: Origin, email: str) -> None:
        account = self._account(origin.actor_id)
        account.make_primary(origin, _email_key(email))
        self._save(account)

    @retrying
    def remove_email(self, origin: Origin, email: str) -> None:
        account = self._account(origin.actor_id)
        email_key = _email_key(email)
        account.remove_email(origin, email_key)
        claim = self.repository.get(claim_id("email", email_key))
        claim.release(origin, account.id)
        self._save(account, claim)

    @retrying
    def grant_admin(self, origin: Origin, username: str) -> UUID:
        account = self._account_named(username)
        if account is None:
            raise NotFound(f"no account named {username}")
        account.grant_admin(origin)
        self._save(account)
        return account.id

    # Sessions

    @retrying
    def log_in(self, origin: Origin, username: str, password: str) -> NewSession:
        account = self._account_named(username)
        valid = self.passwords.verify(account.password_hash if account else None, password)
        if account is None:
            raise InvalidCredentials("invalid username or password")
        if not valid:
            account.fail_login(origin, reason="password")
            self._save(account)
            raise InvalidCredentials("invalid username or password")
        origin = origin.acting_as(account.id)
        if self.passwords.needs_rehash(account.password_hash):
            account.rehash_password(origin, self.passwords.hash(password))
        token, session_id = new_session_token(), uuid4()
        account.log_in(origin, session_id, token_hash(token), origin.at + self.session_lifetime)
        self._save(account)
        return NewSession(session_id, account.id, token)

    @retrying
    def end_session(self, origin: Origin, session_id: UUID, reason: str = "logout") -> None:
        account = self._account(origin.actor_id)
        account.end_session(origin, session_id, reason)
        self._save(account)

    @retrying
    def reauthenticate(self, origin: Origin, session_id: UUID, password: str) -> None:
        account = self._account(origin.actor_id)
        if not self.passwords.verify(account.password_hash, password):
            account.fail_reauthentication(origin, session_id)
            self._save(account)
            raise WrongPassword("the password is not correct")
        account.reauthenticate(origin, session_id, origin.at + self.sudo_window)
        self._save(account)

    @retrying
    def change_password(self, origin: Origin, session_id: UUID, current: str, new: str) -> None:
        account = self._account(origin.actor_id)
        if not self.passwords.verify(account.password_hash, current):
            account.fail_reauthentication(origin, session_id)
            self._save(account)
            raise WrongPassword("the current password is not correct")
        password_policy.check_policy(new, username=account.username)
        account.change_password(origin, self.passwords.hash(new), keep_session_id=session_id)
        self._save(account)

    def require_sudo(self, origin: Origin, session_id: UUID) -> None:
        if not self._account(origin.actor_id).in_sudo_window(session_id, origin.at):
            raise ReauthenticationRequired("confirm your password first "
                                           "(POST /api/session/reauthenticate)")

    # Projects

    @retrying
    def create_project(self, origin: Origin, name: str) -> UUID:
        key = project_key(name)
        account = self._account(origin.actor_id)
        project_id = uuid4()
        claim = self._claim(origin, "project", key, project_id, ProjectNameTaken,
                            "a project with this name already exists")
        project = Project.create(origin, project_id, name, key, account.username)
        self._save(project, claim)
        return project_id

    @retrying
    def grant_role(self, origin: Origin, project_name: str, username: str, role: str) -> None:
        project = self._project(project_name)
        project.check_manager(origin)
        member = self._member(username)
        project.grant_role(origin, member.id, member.username, role)
        self._save(project)

    @retrying
    def change_role(self, origin: Origin, project_name: str, username: str, role: str) -> None:
        project = self._project(project_name)
        project.check_manager(origin)
        member = self._member(username)
        project.change_role(origin, member.id, member.username, role)
        self._save(project)

    @retrying
    def remove_role(self, origin: Origin, project_name: str, username: str) -> None:
        project = self._project(project_name)
        project.check_manager(origin)
        member = self._member(username)
        project.remove_role(origin, member.id, member.username)
        self._save(project)

    # Plumbing

    def _save(self, *aggregates) -> None:
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise LostRace from None
        if self.projector is not None and recordings:
            self.projector.catch_up(until=max(r.notification.id for r in recordings))

    def _claim(self, origin: Origin, kind: str, key: str, holder_id: UUID,
               error: type[Conflict], detail: str) -> Claim:
        try:
            claim = self.repository.get(claim_id(kind, key))
        except AggregateNotFoundError:
            return Claim.create(origin, kind, key, holder_id)
        claim.take(origin, holder_id, error, detail)
        return claim

    def _holder(self, kind: str, key: str) -> UUID | None:
        try:
            return self.repository.get(claim_id(kind, key)).holder_id
        except AggregateNotFoundError:
            return None

    def _account(self, account_id: UUID | None) -> Account:
        try:
            return self.repository.get(account_id)
        except AggregateNotFoundError:
            raise NotFound("no such account") from None

    def _account_named(self, username: str) -> Account | None:
        holder = self._holder("username", username.lower())
        return self.repository.get(holder) if holder else None

    def _member(self, username: str) -> Account:
        account = self._account_named(username)
        if account is None:
            raise NotFound(f"no account named {username}")
        return account

    def _project(self, name: str) -> Project:
        holder = self._holder("project", project_key(name))
        if holder is None:
            raise NotFound("no such project")
        return self.repository.get(holder)


def _email_key(email: str) -> str:
    return normalise_email(email)[1]
