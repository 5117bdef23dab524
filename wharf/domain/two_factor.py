"""The TwoFactor aggregate: one per account, holding its second factors and recovery codes.

Security keys and their challenges are in security_keys.py, a part of this aggregate.

It is saved together with the Account in one transaction whenever both change, so the log
never shows one without the other. Secrets arrive sealed (TOTP) or digested (recovery codes).
"""

import hmac
from uuid import NAMESPACE_URL, UUID, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, TotpNotEnabled
from wharf.domain.names import free_text
from wharf.domain.origin import Origin
from wharf.domain.security_keys import WEBAUTHN, SecurityKeys

NAMESPACE = uuid5(NAMESPACE_URL, "https://wharf.invalid/two-factor")
TOTP = "totp"
RECOVERY_CODE = "recovery-code"


def two_factor_id(account_id: UUID) -> UUID:
    return uuid5(NAMESPACE, str(account_id))


class TwoFactor(SecurityKeys, WharfAggregate):
    TOPIC = "wharf:two-factor"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:two-factor:created"
        account_id: UUID

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.account_id = self.account_id
            aggregate.totp = None  # {"sealed_secret", "label", "last_step", "spent_steps"}
            aggregate.pending_totp = None
            aggregate.recovery_codes = []  # [{"digest", "used_at"}]
            aggregate.start_security_keys()

    class TotpEnrolmentStarted(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:totp-enrolment-started"
        sealed_secret: str

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.pending_totp = self.sealed_secret

    class TotpEnabled(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:totp-enabled"
        sealed_secret: str
        label: str
        step: int  # the step of the confirming code, which can never be used again
        replaced: bool

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.totp = {"sealed_secret": self.sealed_secret, "label": self.label,
                              "last_step": self.step}
            aggregate.pending_totp = None

    class TotpDisabled(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:totp-disabled"
        label: str

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.totp = None

    class TotpCodeAccepted(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:totp-code-accepted"
        step: int

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.totp["last_step"] = self.step
            aggregate.totp["spent_steps"] = [s for s in aggregate.totp.get("spent_steps", [])
                                             if s > self.step]

    class TotpStepSpent(WharfAggregate.Event):
        """A code of a later step was answered "out of sync": that answer told whoever sent
        it that the code is genuine, so the code must never log in when its step comes."""
        TOPIC = "wharf:two-factor:totp-step-spent"
        step: int

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.totp["spent_steps"] = [*aggregate.totp.get("spent_steps", []), self.step]

    class RecoveryCodesGenerated(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:recovery-codes-generated"
        digests: list[str]
        regenerated: bool

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.recovery_codes = [{"digest": d, "used_at": None} for d in self.digests]

    class RecoveryCodeUsed(WharfAggregate.Event):
        TOPIC = "wharf:two-factor:recovery-code-used"
        index: int
        remaining: int

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.recovery_codes[self.index]["used_at"] = self.timestamp

    class Cleared(WharfAggregate.Event):
        """Every second factor and recovery code removed by a completed recovery case."""
        TOPIC = "wharf:two-factor:cleared"
        methods: list[str]  # what was removed, for the history

        def apply(self, aggregate: "TwoFactor") -> None:
            aggregate.totp = aggregate.pending_totp = None
            aggregate.recovery_codes = []
            aggregate.start_security_keys()

    @classmethod
    def create(cls, origin: Origin, account_id: UUID) -> "TwoFactor":
        return cls._open(cls.Created, origin, two_factor_id(account_id), account_id=account_id)

    @property
    def methods(self) -> list[str]:
        return [TOTP] * bool(self.totp) + [WEBAUTHN] * bool(self.keys)

    @property
    def enabled(self) -> bool:
        return bool(self.methods)

    @property
    def recovery_codes_left(self) -> int:
        return sum(1 for code in self.recovery_codes if code["used_at"] is None)

    def start_totp(self, origin: Origin, sealed_secret: str) -> None:
        self._record(self.TotpEnrolmentStarted, origin, sealed_secret=sealed_secret)

    def enable_totp(self, origin: Origin, step: int, label: str) -> None:
        if self.pending_totp is None:
            raise Conflict("start TOTP enrolment first")
        self._record(self.TotpEnabled, origin, sealed_secret=self.pending_totp, label=label,
                     step=step, replaced=self.totp is not None)

    def disable_totp(self, origin: Origin, last_method_required: bool) -> None:
        if self.totp is None:
            raise TotpNotEnabled("TOTP is not enabled")
        if last_method_required and self.methods == [TOTP]:
            raise Conflict("the last two-factor method cannot be removed while uploads "
                           "require two-factor authentication; add another method first")
        self._record(self.TotpDisabled, origin, label=self.totp["label"])

    def accept_totp_step(self, origin: Origin, step: int) -> bool:
        """Record a code's step; False when that step (or a later one) was already used, or
        the step was spent by an out-of-sync answer."""
        if self._totp_step_spent(step):
            return False
        self._record(self.TotpCodeAccepted, origin, step=step)
        return True

    def spend_totp_step(self, origin: Origin, step: int) -> None:
        """A code answered "out of sync": its step can never be accepted (earlier steps can)."""
        if not self._totp_step_spent(step):
            self._record(self.TotpStepSpent, origin, step=step)

    def _totp_step_spent(self, step: int) -> bool:
        return step <= self.totp["last_step"] or step in self.totp.get("spent_steps", ())

    def clear(self, origin: Origin) -> None:
        if self.enabled or self.recovery_codes or self.pending_totp:
            self._record(self.Cleared, origin, methods=self.methods)

    def generate_recovery_codes(self, origin: Origin, digests: list[str]) -> None:
        if not self.enabled:
            raise Conflict("enable a two-factor method first")
        self._record(self.RecoveryCodesGenerated, origin, digests=digests,
                     regenerated=bool(self.recovery_codes))

    def use_recovery_code(self, origin: Origin, digests: list[str]) -> str:
        """Burn the code with one of these digests (one per server secret still accepted);
        return "ok", "burned" or "invalid"."""
        found = None
        for index, code in enumerate(self.recovery_codes):
            matches = [hmac.compare_digest(code["digest"], d) for d in digests]
            if any(matches) and found is None:
                found = index
        if found is None:
            return "invalid"
        if self.recovery_codes[found]["used_at"] is not None:
            return "burned"
        self._record(self.RecoveryCodeUsed, origin, index=found,
                     remaining=self.recovery_codes_left - 1)
        return "ok"


def check_label(label: str) -> str:
    return free_text(label, "a label", 64)
