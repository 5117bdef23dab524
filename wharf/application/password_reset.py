"""Forgotten passwords: ask for an emailed link, then set a new password with it.

Asking answers alike whether or not the name or address exists, and costs the same: one claim
read, one aggregate loaded, one event saved (an UnknownUsername stands in for a missing
account, as it does for log-ins). The limits (5 a day per account or made-up name, 20 an hour
per client address) are read from the log and the client_actions view; when they cannot be read
the answer is no (503). Over a name's limit nothing is sent but the answer stays the same;
over the address's limit the answer is 429, which says nothing about any account.
"""

from uuid import UUID

from wharf.application.base import Commands, one_at_a_time_per_address, retrying
from wharf.domain.account import Account
from wharf.domain.api_token import PASSWORD_RESET
from wharf.domain.errors import InvalidToken, LimiterUnavailable, RateLimited
from wharf.domain.limits import HOUR, retry_after
from wharf.domain.names import normalise_email
from wharf.domain.origin import Origin
from wharf.domain.password_reset import DEAD_LINK, RESETS_PER_IP, TOO_MANY_RESETS
from wharf.domain.unknown_username import UnknownUsername, unknown_username_id
from wharf.projections.client_actions import RESET_REQUESTED
from wharf.security import passwords as password_policy
from wharf.security.tokens import ResetTokens


class PasswordResetCommands(Commands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.reset_tokens = ResetTokens(settings.secret_key, settings.previous_secret_keys)

    @one_at_a_time_per_address
    @retrying
    def request_password_reset(self, origin: Origin, username_or_email: str) -> None:
        self._check_reset_address_limit(origin)
        by_email = "@" in username_or_email
        key = normalise_email(username_or_email)[1] if by_email else username_or_email.lower()
        holder = self._holder("email" if by_email else "username", key)
        account = self._find(holder) if holder else None
        subject = account or self._unknown_name(origin, key)
        try:
            if account is None:
                subject.request_password_reset(origin)
            else:
                account.request_password_reset(origin, key if by_email else None)
        except RateLimited:
            # Over a name's daily limit: nothing is sent, and the answer is the usual one. A
            # 429 here would tell that a username and an address share one account's count.
            return
        self._save(subject)

    @retrying
    def complete_password_reset(self, origin: Origin, token: str, new_password: str,
                                revoke_tokens: bool = False) -> UUID:
        claimed = self.reset_tokens.open(token)
        account = self._find(claimed[0]) if claimed else None
        if not isinstance(account, Account) or not self.reset_tokens.genuine(
                token, account.reset_markers):
            raise InvalidToken(DEAD_LINK)
        origin = origin.acting_as(account.id)
        account.check_reset_link(origin, claimed[1])
        password_policy.check_policy(new_password, username=account.username)
        tokens, claims = self._revoked_tokens(origin, account.id) if revoke_tokens else ([], [])
        account.reset_password(origin, claimed[1], self.passwords.hash(new_password),
                               tokens_revoked=len(tokens))
        self._save(account, *tokens, *claims)
        return account.id

    def _revoked_tokens(self, origin: Origin, account_id: UUID) -> tuple[list, list]:
        """The account's live API tokens, revoked, with their description claims released."""
        tokens, claims = [], []
        for row in self.api_tokens.active_for_account(account_id):
            token = self._find(UUID(row["id"]))
            token.revoke(origin, PASSWORD_RESET)
            tokens.append(token)
            claims += self._release_description(origin, token)
        return tokens, claims

    def _unknown_name(self, origin: Origin, key: str) -> UnknownUsername:
        """Who stands in for a name or address no account holds (as for log-ins)."""
        digest = self.pseudonyms.of(key)
        return self._find(unknown_username_id(digest)) or UnknownUsername.create(origin, digest)

    def _check_reset_address_limit(self, origin: Origin) -> None:
        try:
            recent = self.client_actions.by_ip(RESET_REQUESTED, origin.ip, origin.at - HOUR)
        except Exception as error:  # the store could not say: fail closed
            raise LimiterUnavailable("cannot check request limits right now; try again") \
                from error
        wait = retry_after(recent, origin.at, RESETS_PER_IP)
        if wait:
            raise RateLimited(TOO_MANY_RESETS, retry_after=wait)
