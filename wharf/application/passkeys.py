"""Signing in with a passkey: no password, no username, both factors in one gesture.

Beginning stores nothing: the challenge goes to the browser signed with its expiry
(CeremonyTokens). Completing finds the account from the credential the authenticator chose,
checks the signature with user verification, applies the counter and clone rules of security
keys, spends the challenge (a Claim, so it works once on any worker) and opens a session. Like
a security key, a passkey confirms the address it signs in from.
"""

from datetime import timedelta
from uuid import UUID

from wharf.application.base import one_at_a_time_per_address, retrying
from wharf.application.login import NewSession
from wharf.application.security_keys import REFUSALS, SecurityKeyCommands
from wharf.domain.account import Account
from wharf.domain.admin_actions import FROZEN
from wharf.domain.claim import Claim, claim_id
from wharf.domain.errors import InvalidToken, SecondFactorFailed
from wharf.domain.limits import SECOND_FACTOR
from wharf.domain.origin import Origin
from wharf.domain.security_keys import WEBAUTHN, key_id
from wharf.security.tokens import CeremonyTokens
from wharf.security.webauthn import WebAuthnError, answered_credential

PASSKEY_CEREMONY = timedelta(minutes=5)
SPENT = "passkey-challenge"  # the claim kind that spends a challenge
UNKNOWN = "this passkey is not registered here"


class PasskeyCommands(SecurityKeyCommands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.ceremony_tokens = CeremonyTokens(settings.secret_key, settings.previous_secret_keys)

    def begin_passkey_login(self, origin: Origin) -> tuple[dict, str]:
        """Options for navigator.credentials.get() and the signed ceremony to send back."""
        options, challenge = self.relying_party.passkey_authentication()
        return options, self.ceremony_tokens.issue(challenge, origin.at + PASSKEY_CEREMONY)

    @one_at_a_time_per_address
    @retrying
    def log_in_with_passkey(self, origin: Origin, ceremony: str, credential: dict) -> NewSession:
        challenge = self.ceremony_tokens.open(ceremony, origin.at)
        try:
            credential_id, user_handle = answered_credential(credential)
        except WebAuthnError as refused:
            raise InvalidToken(str(refused)) from None
        holder = self.two_factor_methods.passkey_holder(key_id(credential_id))
        account = self._find(UUID(holder)) if holder else None
        if not isinstance(account, Account) or (user_handle and user_handle != account.id.bytes):
            raise InvalidToken(UNKNOWN)
        origin = origin.acting_as(account.id)
        attempt = self._admit(origin, SECOND_FACTOR, account)
        if self._find(claim_id(SPENT, challenge)) is not None:
            raise InvalidToken("this passkey request was used already: start again")
        spent = Claim.create(origin, SPENT, challenge, account.id)
        two_factor = self._two_factor(account.id)
        key = two_factor.passkey(credential_id)
        try:
            assertion = self.relying_party.verify_assertion(
                challenge, [key["credential_data"]], credential, passkey=True)
        except WebAuthnError as refused:
            self._refuse(origin, account, attempt, "invalid_security_key", str(refused), spent)
        reason = two_factor.use_security_key(origin, _ceremony(challenge), assertion)
        if reason is not None:
            self._refuse(origin, account, attempt, reason, REFUSALS[reason], spent, two_factor)
        if account.frozen:  # told only to whoever holds the passkey
            account.fail_login(origin, reason=FROZEN)
            self._save(account, spent)
            account.check_not_frozen()
        self._save(spent)  # spent before the session: a second answer finds it taken
        return self._open_session(origin, account, two_factor, WEBAUTHN, label=key["label"])

    def _refuse(self, origin: Origin, account: Account, attempt, reason: str, detail: str,
                *others) -> None:
        account.fail_login(origin, reason=reason, recognised=attempt.recognised)
        self._save_failure(origin, account, attempt, *others)
        raise SecondFactorFailed(reason, detail)


def _ceremony(challenge: str) -> str:
    return f"passkey-login:{challenge[:16]}"
