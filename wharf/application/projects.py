"""Project commands: creation, the Owner / Maintainer roles (given by invitation,
invitations.py; losing one revokes tokens), and taking releases and files down (yank,
un-yank, remove)."""

from uuid import UUID, uuid4

from wharf.application.base import retrying
from wharf.application.tokens import TokenCommands
from wharf.domain.account import Account
from wharf.domain.claim import Claim
from wharf.domain import quotas
from wharf.domain.errors import LimiterUnavailable, NotFound, ProjectNameTaken
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.project import MANAGE_ROLES, Project
from wharf.domain.switches import NEW_PROJECTS_OFF
from wharf.domain.takedowns import TAKE_DOWN
from wharf.projections.client_actions import PROJECT_CREATED


class ProjectCommands(TokenCommands):
    @retrying
    def create_project(self, origin: Origin, name: str) -> UUID:
        project, claim = self._new_project(origin, name)
        self._save(project, claim)
        return project.id

    @retrying
    def change_role(self, origin: Origin, project_name: str, username: str, role: str) -> None:
        project, member = self._managed(origin, project_name, username)
        project.change_role(origin, member.id, member.username, role)
        self._save(project)

    @retrying
    def remove_role(self, origin: Origin, project_name: str, username: str) -> None:
        """Remove a role, and revoke the member's tokens that no longer reach any project."""
        project, member = self._managed(origin, project_name, username)
        project.remove_role(origin, member.id, member.username)
        self._save(project, *self._tokens_lost_with_role(origin, project, member.id))
        # NOTE: a token minted meanwhile wrote this project's version too (TokenScoped), so
        # one of the two saves lost and was retried: the mint was refused, or is revoked here.

    @retrying
    def yank_release(self, origin: Origin, project_name: str, version: str, reason: str) -> None:
        project = self._owned(origin, project_name)
        project.yank_release(origin, version, reason)
        self._save(project)

    @retrying
    def unyank_release(self, origin: Origin, project_name: str, version: str,
                       reason: str) -> None:
        project = self._owned(origin, project_name)
        project.unyank_release(origin, version, reason)
        self._save(project)

    @retrying
    def remove_release(self, origin: Origin, project_name: str, version: str, confirm: str,
                       reason: str) -> None:
        project = self._owned(origin, project_name)
        project.remove_release(origin, version, confirm, reason)
        self._save(project)

    @retrying
    def remove_file(self, origin: Origin, project_name: str, filename: str, confirm: str,
                    reason: str) -> None:
        project = self._owned(origin, project_name)
        project.remove_file(origin, filename, confirm, reason)
        self._save(project)

    def _new_project(self, origin: Origin, name: str) -> tuple[Project, Claim]:
        """A new project, by API or by a first upload: its creator has a verified primary
        email and has not created too many lately (nor has their client address), and new
        projects are not switched off."""
        self.switches.check(NEW_PROJECTS_OFF)
        key = project_key(name)
        account = self._account(origin.actor_id)
        account.check_verified_primary_email()
        self._check_projects_created(origin)
        project_id = uuid4()
        claim = self._claim(origin, "project", key, project_id, ProjectNameTaken,
                            "a project with this name already exists")
        return Project.create(origin, project_id, name, key, account.username), claim

    def _check_projects_created(self, origin: Origin) -> None:
        since = origin.at - quotas.LONGEST_WINDOW
        try:
            by_ip = self.client_actions.by_ip(PROJECT_CREATED, origin.ip, since)
            by_account = self.client_actions.by_account(PROJECT_CREATED, origin.actor_id, since)
        except Exception as error:  # the store could not say: fail closed
            raise LimiterUnavailable("cannot check limits right now; try again") from error
        self.quotas.projects_per_account.check(by_account, origin.at,
                                               "projects created by this account")
        self.quotas.projects_per_ip.check(by_ip, origin.at,
                                          "projects created from your address")

    def _managed(self, origin: Origin, project_name: str, username: str) -> tuple[Project, Account]:
        """The project and the member whose role changes (Owners only, sudo window)."""
        project = self._owned(origin, project_name, MANAGE_ROLES)
        return project, self._member(username)

    def _owned(self, origin: Origin, project_name: str, doing: str = TAKE_DOWN) -> Project:
        """A project its Owner acts on: Owners only, checked first, then the sudo window (a
        stolen session must not hand the project over nor take it down), as on PyPI."""
        holder = self._holder("project", project_key(project_name))
        if holder is None:
            raise NotFound("no such project")
        project = self.repository.get(holder)
        project.check_owner(origin, doing)
        self._account(origin.actor_id).check_sudo(origin)
        return project
