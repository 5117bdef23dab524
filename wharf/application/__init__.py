"""Wharf's one event-sourced Application: every command is get -> change -> save -> catch up."""

from wharf.application.accounts import AccountCommands
from wharf.application.admin import AdminCommands
from wharf.application.containment import ContainmentCommands
from wharf.application.invitations import InvitationCommands
from wharf.application.log_repair import LogRepairCommands
from wharf.application.login import DeviceHeld, LoginCommands, NewSession, SecondStep
from wharf.application.passkeys import PasskeyCommands
from wharf.application.password_reset import PasswordResetCommands
from wharf.application.projects import ProjectCommands
from wharf.application.recovery import RecoveryCommands
from wharf.application.security_keys import KeyRegistered
from wharf.application.sessions import SessionCommands
from wharf.application.tokens import MintedToken, TokenCommands
from wharf.application.trusted_publishing import TrustedPublishingCommands
from wharf.application.two_factor import TotpEnrolment, TwoFactorCommands
from wharf.application.uploads import UploadCommands, Uploader
from wharf.domain.account import Account
from wharf.domain.api_token import ApiToken
from wharf.domain.deliveries import MailLog
from wharf.domain.project import Project
from wharf.domain.two_factor import TwoFactor
from wharf.domain.unknown_username import UnknownUsername

LOGIN_READ = 10

__all__ = ["DeviceHeld", "KeyRegistered", "MintedToken", "NewSession", "SecondStep",
           "TotpEnrolment", "Uploader", "Wharf"]


class Wharf(AccountCommands, PasswordResetCommands, PasskeyCommands, LoginCommands,
            SessionCommands, TwoFactorCommands, UploadCommands, TrustedPublishingCommands,
            InvitationCommands, ContainmentCommands, ProjectCommands, TokenCommands,
            LogRepairCommands, AdminCommands, RecoveryCommands):
    name = "Wharf"
    # A failed log-in reads an Account or an UnknownUsername: with a snapshot every LOGIN_READ
    # events it replays at most LOGIN_READ - 1, however busy the name, so its time does not
    # tell a busy account from a quiet one (bench/login_timing.py measures both).
    snapshotting_intervals = {  # noqa: RUF012
        Account: LOGIN_READ, UnknownUsername: LOGIN_READ,
        Project: 200, TwoFactor: 200, ApiToken: 200, MailLog: 200}
