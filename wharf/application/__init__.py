"""Wharf's one event-sourced Application: every command is get -> change -> save -> catch up."""

from wharf.application.accounts import AccountCommands
from wharf.application.projects import ProjectCommands
from wharf.application.sessions import NewSession, SessionCommands
from wharf.domain.account import Account
from wharf.domain.project import Project

__all__ = ["NewSession", "Wharf"]


class Wharf(AccountCommands, SessionCommands, ProjectCommands):
    name = "Wharf"
    snapshotting_intervals = {Account: 200, Project: 200}  # noqa: RUF012
