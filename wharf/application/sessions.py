"""Session commands: log out, end sessions, re-authentication, password changes."""

from uuid import UUID

from wharf.application.base import one_at_a_time_per_address, retrying
from wharf.application.limits import LimitedCommands
from wharf.domain.account import Account
from wharf.domain.errors import WrongPassword
from wharf.domain.limits import PASSWORD
from wharf.domain.origin import Origin
from wharf.security import passwords as password_policy


class SessionCommands(LimitedCommands):

    @retrying
    def end_session(self, origin: Origin, session_id: UUID, reason: str = "logout") -> None:
        account = self._account(origin.actor_id)
        account.end_session(origin, session_id, reason)
        self._save(account)

    @one_at_a_time_per_address
    @retrying
    def reauthenticate(self, origin: Origin, session_id: UUID, password: str) -> None:
        account = self._confirmed(origin, session_id, password)
        account.reauthenticate(origin, session_id, origin.at + self.sudo_window)
        self._save(account)

    @one_at_a_time_per_address
    @retrying
    def change_password(self, origin: Origin, session_id: UUID, current: str, new: str) -> None:
        account = self._confirmed(origin, session_id, current)
        password_policy.check_policy(new, username=account.username)
        account.change_password(origin, self.passwords.hash(new), keep_session_id=session_id)
        self._save(account)

    def _confirmed(self, origin: Origin, session_id: UUID, password: str) -> Account:
        """The caller's account, once the password is confirmed; a wrong one is a failure."""
        account = self._account(origin.actor_id)
        attempt = self._admit(origin, PASSWORD, account)
        if not self.passwords.verify(account.password_hash, password):
            account.fail_reauthentication(origin, session_id, attempt.recognised)
            self._save_failure(origin, account, attempt)
            raise WrongPassword("the password is not correct")
        return account
