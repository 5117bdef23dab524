"""Two-factor commands: TOTP enrolment and removal, recovery codes."""

from dataclasses import dataclass
from datetime import timedelta

from wharf.application.base import Commands, retrying
from wharf.domain.account import Account
from wharf.domain.errors import FreshPasswordRequired, InvalidInput, TotpNotStarted
from wharf.domain.origin import Origin
from wharf.domain.two_factor import TwoFactor, check_label
from wharf.security import totp

RECOVERY_CODES_REAUTHENTICATION = timedelta(minutes=5)


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str  # shown once, base32
    uri: str
    qr_svg: str

    def __repr__(self) -> str:
        return "TotpEnrolment(<secret>)"


class TwoFactorCommands(Commands):
    @retrying
    def start_totp(self, origin: Origin) -> TotpEnrolment:
        account = self._sensitive(origin)
        two_factor = self._two_factor_for_change(origin, account)
        secret = totp.new_secret()
        two_factor.start_totp(origin, self.totp_sealer.seal(secret))
        self._save(two_factor)
        uri = totp.provisioning_uri(secret, account.username, self.site_name)
        return TotpEnrolment(secret, uri, totp.qr_svg(uri))

    @retrying
    def confirm_totp(self, origin: Origin, code: str, label: str) -> list[str]:
        """Enable the pending TOTP secret; return recovery codes when this is the first factor."""
        account = self._sensitive(origin)
        two_factor = self._two_factor_for_change(origin, account)
        label = check_label(label)
        if two_factor.pending_totp is None:
            raise TotpNotStarted("start TOTP enrolment first (POST /api/account/totp)")
        match = totp.find(self.totp_sealer.open(two_factor.pending_totp), code.strip(), origin.at)
        if match is None or not match.in_window:
            raise InvalidInput("the code does not match: check your device's time and try again")
        first = not two_factor.enabled
        two_factor.enable_totp(origin, match.step, label)
        codes = self._new_recovery_codes(origin, two_factor) if first else []
        self._save(two_factor)
        return codes

    @retrying
    def disable_totp(self, origin: Origin) -> None:
        account = self._sensitive(origin)
        two_factor = self._two_factor_for_change(origin, account)
        two_factor.disable_totp(origin, last_method_required=self.uploads_require_2fa)
        account.end_other_sessions(origin, reason="two_factor_change")
        self._save(account, two_factor)

    @retrying
    def regenerate_recovery_codes(self, origin: Origin) -> list[str]:
        account = self._sensitive(origin)
        if not account.recently_reauthenticated(origin, RECOVERY_CODES_REAUTHENTICATION):
            raise FreshPasswordRequired(
                "confirm your password again first: new recovery codes need a confirmation "
                "from the last 5 minutes")
        two_factor = self._two_factor_for_change(origin, account)
        codes = self._new_recovery_codes(origin, two_factor)
        self._save(two_factor)
        return codes

    def _new_recovery_codes(self, origin: Origin, two_factor: TwoFactor) -> list[str]:
        codes = self.recovery_codes.generate()
        two_factor.generate_recovery_codes(origin, [self.recovery_codes.digest(c) for c in codes])
        return codes

    def _two_factor_for_change(self, origin: Origin, account: Account) -> TwoFactor:
        return self._two_factor(account.id) or TwoFactor.create(origin, account.id)
