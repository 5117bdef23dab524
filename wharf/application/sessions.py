"""Session commands: log in and out, re-authentication, password changes."""

from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from wharf.application.base import Commands, retrying
from wharf.domain.errors import InvalidCredentials, WrongPassword
from wharf.domain.origin import Origin
from wharf.domain.unknown_username import UnknownUsername, unknown_username_id
from wharf.security import passwords as password_policy
from wharf.security.tokens import new_session_token, token_hash


@dataclass(frozen=True)
class NewSession:
    session_id: UUID
    account_id: UUID
    token: str  # shown once, to the client that logged in

    def __repr__(self) -> str:
        return f"NewSession(session_id={self.session_id!r}, account_id={self.account_id!r})"


class SessionCommands(Commands):
    @retrying
    def log_in(self, origin: Origin, username: str, password: str) -> NewSession:
        account = self._account_named(username)
        valid = self.passwords.verify(account.password_hash if account else None, password)
        if account is None:
            self._record_unknown_username(origin, username)
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

    def _record_unknown_username(self, origin: Origin, username: str) -> None:
        digest = self.pseudonyms.of(username.lower())
        try:
            attempts = self.repository.get(unknown_username_id(digest))
        except AggregateNotFoundError:
            attempts = UnknownUsername.create(origin, digest)
        attempts.fail_login(origin)
        self._save(attempts)
