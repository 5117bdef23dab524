"""Containing a stolen credential: a plan (projections/containment.py), made a moment ago from
the log, applied in one save. Each step checks the aggregate it changes, so a step done since
the plan (or by a containment racing this one) is passed over: applying twice does nothing."""

from datetime import datetime
from uuid import UUID, uuid4

from wharf.application.base import retrying
from wharf.application.projects import ProjectCommands
from wharf.domain.api_token import ApiToken
from wharf.domain.containment import CONTAINED, Containment, check_reason
from wharf.domain.errors import NotFound
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.project import OWNER, ROLES, Project
from wharf.domain.publisher_token import PublisherToken


class ContainmentCommands(ProjectCommands):
    @retrying
    def contain(self, origin: Origin, credential: dict, since: datetime, reason: str,
                steps: list[dict], project: str | None = None) -> tuple[UUID | None, list[dict]]:
        """Apply the steps still needed (sudo window): the containment's id, or None when
        nothing was left to do, and the steps applied. `project`: the one project the steps
        keep to, when its Owners apply it."""
        applier = self._account(origin.actor_id)
        applier.check_sudo(origin)
        account_id = credential["account_id"]  # None: a trusted publisher's token
        step = _Step(self, origin, uuid4(), check_reason(reason),
                     account_id and UUID(account_id), applier.is_admin)
        applied = [s for s in steps if getattr(step, s["action"])(s)]
        if not applied:
            return None, []
        project_id = (self._holder("project", project) if project is not None
                      else credential.get("project_id") and UUID(credential["project_id"]))
        by = ("account" if applier.id == step.account_id
              else "admin" if applier.is_admin else "owner")
        owners = project_id and step.owners_of(project_id) or ()
        containment = Containment.apply_plan(origin, step.containment_id, credential,
                                             step.account_id, since, reason, applied, by,
                                             owners, project, project_id)
        self._save(containment, *step.changed.values())
        return containment.id, applied


class _Step:
    """One containment's steps, each True when it changed something, over aggregates read
    once (two steps on one project change the same object, saved once). A project's step is
    taken as far as the applier could act there: roles by its Owners, yanks by anyone with a
    role on it (of what their own credential uploaded), anything by admins; another step is
    left out (the project's Owners have their own route)."""

    def __init__(self, app: ContainmentCommands, origin: Origin, containment_id: UUID,
                 reason: str, account_id: UUID | None, by_admin: bool):
        self.app, self.origin, self.containment_id = app, origin, containment_id
        self.reason, self.account_id, self.by_admin = reason, account_id, by_admin
        self.changed: dict[UUID, object] = {}

    def end_session(self, step: dict) -> bool:
        account = self._get(self.account_id)
        try:
            account.end_session(self.origin, UUID(step["session_id"]), CONTAINED,
                                self.containment_id)
        except NotFound:
            return False  # ended meanwhile
        return True

    def revoke_token(self, step: dict) -> bool:
        token = self._get(UUID(step["token_id"]))
        if not isinstance(token, ApiToken) or token.revoked:
            return False
        token.revoke(self.origin, CONTAINED, containment_id=self.containment_id)
        self._keep(*self.app._release_description(self.origin, token))
        return True

    def burn_token(self, step: dict) -> bool:
        """A trusted publisher's token, thrown away by its project's Owners (or an admin)."""
        project, token = self._project(step), self._get(UUID(step["token_id"]))
        if (not isinstance(token, PublisherToken) or token.project_id != project.id
                or token.burned or token.expires_at <= self.origin.at):
            return False
        if not self._may(project, (OWNER,)):
            return False
        token.burn(self.origin, self.containment_id)
        return True

    def yank_release(self, step: dict) -> bool:
        project = self._project(step)
        return self._may(project, ROLES) and project.yank_contained(
            self.origin, step["version"], self.reason, self.containment_id)

    def restore_role(self, step: dict) -> bool:
        project, member = self._project(step), self.app._member(step["username"])
        return self._may(project, (OWNER,)) and project.restore_role(
            self.origin, member.id, member.username, step["role"], self.containment_id)

    def remove_role(self, step: dict) -> bool:
        project, member = self._project(step), self.app._member(step["username"])
        if not self._may(project, (OWNER,)) or not project.remove_contained_role(
                self.origin, member.id, member.username, self.containment_id):
            return False
        self._keep(*(a for a in self.app._tokens_lost_with_role(self.origin, project, member.id)
                     if a.id not in self.changed))
        return True

    def revoke_invitation(self, step: dict) -> bool:
        project, member = self._project(step), self.app._member(step["username"])
        return self._may(project, (OWNER,)) and project.revoke_contained_invitation(
            self.origin, member.id, self.containment_id)

    def owners_of(self, project_id: UUID) -> tuple[str, ...]:
        """The project's Owners once its steps are taken (a role given back counts)."""
        project = self._get(project_id)
        return tuple(account for account, role in project.roles.items() if role == OWNER)

    def _may(self, project: Project, roles: tuple[str, ...]) -> bool:
        return self.by_admin or project.roles.get(str(self.origin.actor_id)) in roles

    def _project(self, step: dict) -> Project:
        holder = self.app._holder("project", project_key(step["project"]))
        if holder is None:
            raise NotFound("no such project")
        return self._get(holder)

    def _get(self, aggregate_id: UUID):
        if aggregate_id not in self.changed:
            self.changed[aggregate_id] = self.app._find(aggregate_id)
        return self.changed[aggregate_id]

    def _keep(self, *aggregates) -> None:
        for aggregate in aggregates:
            self.changed.setdefault(aggregate.id, aggregate)
