"""Security key commands: register, rename and remove keys, and log in with one.

Each ceremony is begin (options for the browser, challenge kept in the TwoFactor aggregate)
then complete (the browser's answer checked against that challenge, which is spent either way).
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from wharf.application.base import one_at_a_time_per_address, retrying
from wharf.application.login import LoginCommands, NewSession
from wharf.application.two_factor import TwoFactorCommands
from wharf.domain.claim import claim_id
from wharf.domain.errors import Conflict, InvalidInput, NotFound
from wharf.domain.origin import Origin
from wharf.domain.security_keys import WEBAUTHN, key_id
from wharf.domain.two_factor import TwoFactor, check_label
from wharf.security.webauthn import WebAuthnError

CEREMONY_LIFETIME = timedelta(minutes=5)
CREDENTIAL = "security-key"  # the claim kind that keeps a credential id to one account
REFUSALS = {
    "possible_clone": "this security key's signature counter went backwards, which suggests "
                      "a cloned key: the log-in was refused and the account owner was emailed",
    "backup_eligibility_changed": "this security key's backup eligibility changed, which a "
                                  "genuine key never does: the log-in was refused",
}


@dataclass(frozen=True)
class KeyRegistered:
    key_id: UUID
    recovery_codes: list[str]  # shown once, when this is the account's first factor

    def __repr__(self) -> str:
        return f"KeyRegistered(key_id={self.key_id!r})"


class SecurityKeyCommands(LoginCommands, TwoFactorCommands):
    @retrying
    def begin_security_key_registration(self, origin: Origin, label: str | None = None,
                                        passkey: bool = False) -> dict:
        """Options for the browser; a `label` given now is checked before the key is asked, so
        a refused label leaves no unused credential on it (completing checks it again)."""
        account = self._sensitive(origin)
        two_factor = self._two_factor_for_change(origin, account)
        if label is not None:
            two_factor.check_label_free(check_label(label))
        return self._begin(origin, two_factor, _registration(origin, passkey),
                           self.relying_party.registration(account.id, account.username,
                                                           two_factor.credential_ids, passkey))

    @retrying
    def complete_security_key_registration(self, origin: Origin, label: str, credential: dict,
                                           passkey: bool = False) -> KeyRegistered:
        account = self._sensitive(origin)
        label = check_label(label)
        two_factor = self._two_factor_for_change(origin, account)
        ceremony = _registration(origin, passkey)
        challenge = two_factor.challenge_for(origin, ceremony)
        try:
            new_key = self.relying_party.verify_registration(challenge, credential, passkey)
            claim = self._claim(origin, CREDENTIAL, new_key.credential_id, account.id, Conflict,
                                "this security key is registered to another account")
            first = not two_factor.enabled
            key = two_factor.add_security_key(origin, ceremony, new_key, label, passkey)
        except (WebAuthnError, Conflict) as refused:
            two_factor.refuse_security_key(origin, ceremony, "registration_refused")
            self._save(two_factor)
            raise refused if isinstance(refused, Conflict) else InvalidInput(str(refused))
        codes = self._new_recovery_codes(origin, two_factor) if first else []
        self._save(two_factor, claim)
        return KeyRegistered(key, codes)

    @retrying
    def rename_security_key(self, origin: Origin, key: UUID, label: str) -> None:
        two_factor = self._keys_of(origin.actor_id)
        two_factor.rename_security_key(origin, key, check_label(label))
        self._save(two_factor)

    @retrying
    def remove_security_key(self, origin: Origin, key: UUID) -> None:
        account = self._sensitive(origin)
        two_factor = self._keys_of(account.id)
        credential_id = two_factor.remove_security_key(
            origin, key, last_method_required=self.uploads_require_2fa)
        account.end_other_sessions(origin, reason="two_factor_change")
        claim = self._find(claim_id(CREDENTIAL, credential_id))
        claim.release(origin, account.id)
        self._save(account, two_factor, claim)

    @retrying
    def begin_security_key_login(self, origin: Origin, ticket: str) -> dict:
        account, ticket_id, origin, _ = self._second_step(origin, ticket)
        two_factor = self._keys_of(account.id)
        return self._begin(origin, two_factor, _login(ticket_id),
                           self.relying_party.authentication(two_factor.credential_ids))

    @one_at_a_time_per_address
    @retrying
    def log_in_with_security_key(self, origin: Origin, ticket: str,
                                 credential: dict) -> NewSession:
        account, ticket_id, origin, attempt = self._second_step(origin, ticket)
        two_factor = self._keys_of(account.id)
        ceremony = _login(ticket_id)
        challenge = two_factor.challenge_for(origin, ceremony)
        stored = [key["credential_data"] for key in two_factor.keys.values()]
        try:
            assertion = self.relying_party.verify_assertion(challenge, stored, credential)
        except WebAuthnError as refused:
            two_factor.refuse_security_key(origin, ceremony, "invalid_security_key")
            self._fail(origin, account, attempt, "invalid_security_key", str(refused),
                       two_factor)
        reason = two_factor.use_security_key(origin, ceremony, assertion)
        if reason is not None:
            self._fail(origin, account, attempt, reason, REFUSALS[reason], two_factor)
        label = two_factor.keys[str(key_id(assertion.credential_id))]["label"]
        return self._open_session(origin, account, two_factor, WEBAUTHN, ticket_id, label)

    def _begin(self, origin: Origin, two_factor: TwoFactor, ceremony: str,
               begun: tuple[dict, str]) -> dict:
        """Keep the ceremony's challenge server-side; give the browser its options."""
        options, challenge = begun
        two_factor.issue_challenge(origin, ceremony, challenge, origin.at + CEREMONY_LIFETIME)
        self._save(two_factor)
        return options

    def _keys_of(self, account_id: UUID | None) -> TwoFactor:
        two_factor = self._two_factor(account_id)
        if two_factor is None or not two_factor.keys:
            raise NotFound("this account has no security key")
        return two_factor


def _registration(origin: Origin, passkey: bool = False) -> str:
    """A passkey's ceremony is its own: its challenge was asked with user verification."""
    return f"{'passkey' if passkey else 'register'}:{origin.session_id}"


def _login(ticket_id: UUID) -> str:
    return f"login:{ticket_id}"

