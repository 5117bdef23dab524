"""Recovery cases: an administrator opens one for an account that lost every second factor;
the holder can cancel it (emailed link or a session); after the wait it completes."""

from uuid import UUID

from wharf.application.base import Commands, retrying
from wharf.domain.account import Account
from wharf.domain.errors import Conflict, InvalidToken
from wharf.domain.origin import Origin
from wharf.domain.recovery import DEAD_LINK
from wharf.security.tokens import VerificationTokens, new_nonce


class RecoveryCommands(Commands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.recovery_wait = settings.recovery_wait
        self.recovery_tokens = VerificationTokens(settings.secret_key,
                                                  settings.previous_secret_keys,
                                                  purpose=b"recovery-cancel")

    @retrying
    def open_recovery_case(self, origin: Origin, username: str, reason: str,
                           ticket: str) -> Account:
        account = self._member(username)
        account.open_recovery(origin, reason, ticket, new_nonce(), self.recovery_wait)
        self._save(account)
        return account

    @retrying
    def cancel_recovery_case_by_link(self, origin: Origin, token: str) -> UUID:
        account_id, nonce = self.recovery_tokens.open(token)
        account = self._find(account_id)
        if not isinstance(account, Account):
            raise InvalidToken(DEAD_LINK)
        account.cancel_recovery(origin.acting_as(account.id), "link", nonce)
        self._save(account)
        return account.id

    @retrying
    def cancel_own_recovery_case(self, origin: Origin) -> None:
        account = self._account(origin.actor_id)
        account.cancel_recovery(origin, "session")
        self._save(account)

    @retrying
    def complete_recovery_case(self, origin: Origin, account_id: UUID) -> Account:
        """Second factors and recovery codes removed, password disabled, sessions ended and a
        reset link sent, in one save."""
        account = self._account(account_id)
        account.complete_recovery(origin)
        two_factor = self._two_factor(account.id)
        if two_factor is not None:
            two_factor.clear(origin)
        self._save(account, *([two_factor] if two_factor else []))
        return account

    def complete_due_recovery_cases(self, origin: Origin) -> list[str]:
        """Complete every case whose wait is over; the usernames completed."""
        done = []
        for account_id in self.recovery_cases.due(origin.at):
            try:
                done.append(self.complete_recovery_case(origin, UUID(account_id)).username)
            except Conflict:  # cancelled since the view was read
                continue
        return done
