"""Wharf's one event-sourced Application: every command is get -> change -> save -> catch up."""

from wharf.application.accounts import AccountCommands
from wharf.application.login import LoginCommands, NewSession, SecondStep
from wharf.application.projects import ProjectCommands
from wharf.application.security_keys import KeyRegistered, SecurityKeyCommands
from wharf.application.sessions import SessionCommands
from wharf.application.two_factor import TotpEnrolment, TwoFactorCommands
from wharf.domain.account import Account
from wharf.domain.project import Project
from wharf.domain.two_factor import TwoFactor

__all__ = ["KeyRegistered", "NewSession", "SecondStep", "TotpEnrolment", "Wharf"]


class Wharf(AccountCommands, SecurityKeyCommands, LoginCommands, SessionCommands,
            TwoFactorCommands, ProjectCommands):
    name = "Wharf"
    snapshotting_intervals = {Account: 200, Project: 200, TwoFactor: 200}  # noqa: RUF012
