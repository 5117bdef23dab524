"""Role invitations: an Owner invites (sudo window), the invitee answers (logged in, by project
name or with the emailed link), an Owner revokes. Only an accepted invitation gives a role."""

from wharf.application.base import retrying
from wharf.application.projects import ProjectCommands
from wharf.domain.errors import Conflict, InvalidToken, NotFound
from wharf.domain.invitations import DEAD_INVITATION_LINK
from wharf.domain.names import project_key
from wharf.domain.origin import Origin
from wharf.domain.project import Project
from wharf.security.tokens import ROLE_INVITATION, VerificationTokens, new_nonce

ACCEPT, DECLINE = "accept", "decline"


class InvitationCommands(ProjectCommands):
    def __init__(self, env, settings, passwords):
        super().__init__(env, settings, passwords)
        self.invitation_tokens = VerificationTokens(
            settings.secret_key, settings.previous_secret_keys, ROLE_INVITATION)

    @retrying
    def invite(self, origin: Origin, project_name: str, username: str, role: str) -> None:
        """Invite someone to a role (Owners only, sudo window): they must have proved an
        address, to receive the link."""
        project, invitee = self._managed(origin, project_name, username)
        if not invitee.has_verified_primary_email:
            raise Conflict(f"{invitee.username} has no verified primary email address yet,"
                           f" so cannot be invited")
        project.invite(origin, invitee.id, invitee.username, role, new_nonce())
        self._save(project)

    @retrying
    def revoke_invitation(self, origin: Origin, project_name: str, username: str) -> None:
        project, invitee = self._managed(origin, project_name, username)
        project.revoke_invitation(origin, invitee.id, invitee.username)
        self._save(project)

    @retrying
    def answer_invitation(self, origin: Origin, project_name: str, answer: str) -> None:
        """The logged-in invitee accepts or declines their invitation to a project."""
        holder = self._holder("project", project_key(project_name))
        if holder is None:
            raise NotFound("no such project")
        self._answer(origin, self.repository.get(holder), answer)

    @retrying
    def answer_invitation_link(self, origin: Origin, token: str, answer: str) -> None:
        """The same, with the emailed link: genuine, live, and its invitee's session."""
        project_id, nonce = self.invitation_tokens.open(token)
        project = self._find(project_id)
        if not isinstance(project, Project):
            raise InvalidToken(DEAD_INVITATION_LINK)
        project.check_invitation_link(origin, nonce)
        self._answer(origin, project, answer)

    def _answer(self, origin: Origin, project: Project, answer: str) -> None:
        if answer == ACCEPT:
            project.accept_invitation(origin)
        else:
            project.decline_invitation(origin)
        self._save(project)
