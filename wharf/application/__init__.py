"""Wharf's one event-sourced Application: every command is get -> change -> save -> catch up."""

from wharf.application.accounts import AccountCommands
from wharf.application.login import LoginCommands, NewSession, SecondStep
from wharf.application.projects import ProjectCommands
from wharf.application.security_keys import KeyRegistered, SecurityKeyCommands
from wharf.application.sessions import SessionCommands
from wharf.application.tokens import MintedToken, TokenCommands
from wharf.application.two_factor import TotpEnrolment, TwoFactorCommands
from wharf.application.uploads import UploadCommands, Uploader
from wharf.domain.account import Account
from wharf.domain.api_token import ApiToken
from wharf.domain.project import Project
from wharf.domain.two_factor import TwoFactor
from wharf.domain.unknown_username import UnknownUsername

__all__ = ["KeyRegistered", "MintedToken", "NewSession", "SecondStep", "TotpEnrolment",
           "Uploader", "Wharf"]


class Wharf(AccountCommands, SecurityKeyCommands, LoginCommands, SessionCommands,
            TwoFactorCommands, UploadCommands, ProjectCommands, TokenCommands):
    name = "Wharf"
    snapshotting_intervals = {Account: 200, Project: 200, TwoFactor: 200, ApiToken: 200,  # noqa: RUF012
                              UnknownUsername: 200}
