"""Security keys (WebAuthn) as part of an account's TwoFactor aggregate: keys and challenges.

A challenge is kept here, server-side, one per ceremony (per session for registration, per
log-in ticket for log-in). Whatever ends the ceremony, success or refusal, spends it, and since
every change is a new version of the aggregate, two requests racing one challenge cannot both
win.
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, InvalidToken, NotFound
from wharf.domain.origin import Origin

WEBAUTHN = "webauthn"
KEY_NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/security-keys")


def key_id(credential_id: str) -> UUID:
    return uuid5(KEY_NAMESPACE, credential_id)


def _spend(aggregate, ceremony: str) -> None:
    aggregate.challenges.pop(ceremony, None)


class SecurityKeys:
    """The TwoFactor aggregate's security keys; `start_security_keys` runs in its Created."""

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class SecurityKeyChallengeIssued(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-challenge-issued"
        ceremony: str  # "register:<session id>" or "login:<ticket id>"
        challenge: str
        expires_at: datetime

        def apply(self, aggregate) -> None:
            aggregate.challenges = {c: v for c, v in aggregate.challenges.items()
                                    if v["expires_at"] > self.timestamp}
            aggregate.challenges[self.ceremony] = {"challenge": self.challenge,
                                                   "expires_at": self.expires_at}

    class SecurityKeyAdded(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-added"
        ceremony: str
        key_id: UUID
        credential_id: str
        credential_data: str  # the public key, its AAGUID and id; no secret
        label: str
        aaguid: str
        transports: list[str]
        sign_count: int
        backup_eligible: bool
        backup_state: bool
        passkey: bool = False  # discoverable, made with user verification: a way in by itself

        def apply(self, aggregate) -> None:
            _spend(aggregate, self.ceremony)
            aggregate.keys[str(self.key_id)] = {
                "credential_id": self.credential_id, "credential_data": self.credential_data,
                "label": self.label, "sign_count": self.sign_count,
                "backup_eligible": self.backup_eligible, "passkey": self.passkey}

    class SecurityKeyUsed(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-used"
        ceremony: str
        key_id: UUID
        label: str
        sign_count: int
        backup_state: bool

        def apply(self, aggregate) -> None:
            _spend(aggregate, self.ceremony)
            aggregate.keys[str(self.key_id)]["sign_count"] = self.sign_count

    class SecurityKeyRefused(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-refused"
        ceremony: str
        reason: str

        def apply(self, aggregate) -> None:
            _spend(aggregate, self.ceremony)

    class PossibleCloneDetected(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:possible-clone-detected"
        ceremony: str
        key_id: UUID
        label: str
        stored_sign_count: int
        presented_sign_count: int

        def apply(self, aggregate) -> None:
            _spend(aggregate, self.ceremony)

    class SecurityKeyRenamed(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-renamed"
        key_id: UUID
        label: str

        def apply(self, aggregate) -> None:
            aggregate.keys[str(self.key_id)]["label"] = self.label

    class SecurityKeyRemoved(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:security-key-removed"
        key_id: UUID
        label: str

        def apply(self, aggregate) -> None:
            del aggregate.keys[str(self.key_id)]

    def start_security_keys(self) -> None:
        self.keys = {}  # key id -> {"credential_id", "credential_data", "label", ...}
        self.challenges = {}  # ceremony -> {"challenge", "expires_at"}

    @property
    def credential_ids(self) -> list[str]:
        return [key["credential_id"] for key in self.keys.values()]

    def issue_challenge(self, origin: Origin, ceremony: str, challenge: str,
                        expires_at: datetime) -> None:
        self._record(self.SecurityKeyChallengeIssued, origin, ceremony=ceremony,
                     challenge=challenge, expires_at=expires_at)

    def challenge_for(self, origin: Origin, ceremony: str) -> str:
        pending = self.challenges.get(ceremony)
        if pending is None:
            raise InvalidToken("no security key request is waiting: start again")
        if pending["expires_at"] <= origin.at:
            raise InvalidToken("the security key request expired: start again")
        return pending["challenge"]

    def add_security_key(self, origin: Origin, ceremony: str, new_key, label: str,
                         passkey: bool = False) -> UUID:
        self.check_label_free(label)
        new_id = key_id(new_key.credential_id)
        if str(new_id) in self.keys:
            raise Conflict("this security key is already registered to your account")
        self._record(self.SecurityKeyAdded, origin, ceremony=ceremony, key_id=new_id,
                     credential_id=new_key.credential_id,
                     credential_data=new_key.credential_data, label=label,
                     aaguid=new_key.aaguid, transports=new_key.transports,
                     sign_count=new_key.sign_count, backup_eligible=new_key.backup_eligible,
                     backup_state=new_key.backup_state, passkey=passkey)
        return new_id

    def use_security_key(self, origin: Origin, ceremony: str, assertion) -> str | None:
        """Accept a verified assertion; otherwise spend the challenge and return why not."""
        used = key_id(assertion.credential_id)
        key = self.keys[str(used)]
        stored, presented = key["sign_count"], assertion.sign_count
        if (stored or presented) and presented <= stored:
            self._record(self.PossibleCloneDetected, origin, ceremony=ceremony, key_id=used,
                         label=key["label"], stored_sign_count=stored,
                         presented_sign_count=presented)
            return "possible_clone"
        if assertion.backup_eligible != key["backup_eligible"]:
            self.refuse_security_key(origin, ceremony, "backup_eligibility_changed")
            return "backup_eligibility_changed"
        self._record(self.SecurityKeyUsed, origin, ceremony=ceremony, key_id=used,
                     label=key["label"], sign_count=presented,
                     backup_state=assertion.backup_state)
        return None

    def passkey(self, credential_id: str) -> dict:
        """The passkey with this credential id (a security key that is not one cannot log in
        by itself)."""
        key = self.keys.get(str(key_id(credential_id)))
        if key is None or not key.get("passkey"):
            raise InvalidToken("this passkey is not registered here")
        return key

    def refuse_security_key(self, origin: Origin, ceremony: str, reason: str) -> None:
        if ceremony in self.challenges:
            self._record(self.SecurityKeyRefused, origin, ceremony=ceremony, reason=reason)

    def rename_security_key(self, origin: Origin, key: UUID, label: str) -> None:
        current = self._key(key)
        if current["label"] != label:
            self.check_label_free(label)
            self._record(self.SecurityKeyRenamed, origin, key_id=key, label=label)

    def remove_security_key(self, origin: Origin, key: UUID, last_method_required: bool) -> str:
        """Remove a key; return its credential id, which another account may then register."""
        removed = self._key(key)
        if last_method_required and self.methods == [WEBAUTHN] and len(self.keys) == 1:
            raise Conflict("the last two-factor method cannot be removed while uploads "
                           "require two-factor authentication; add another method first")
        self._record(self.SecurityKeyRemoved, origin, key_id=key, label=removed["label"])
        return removed["credential_id"]

    def _key(self, key: UUID) -> dict:
        found = self.keys.get(str(key))
        if found is None:
            raise NotFound("no such security key")
        return found

    def check_label_free(self, label: str) -> None:
        if any(k["label"].casefold() == label.casefold() for k in self.keys.values()):
            raise Conflict(f"you already have a security key labelled {label!r}")
