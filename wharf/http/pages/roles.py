"""A project's roles page for its Owners: who holds which role, the invitations waiting for an
answer (each with a Revoke button), and a form to invite someone; the password first, when the
sudo window is closed. The same commands and refusals as the JSON API."""

import falcon
from marshmallow import Schema

from wharf.domain.errors import NotFound
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, Failure, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done, status_message
from wharf.http.pages.render import no_store, see_other
from wharf.http.resources.invitations import owned_project
from wharf.http.schemas.common import USERNAME, required_text
from wharf.http.schemas.projects import NewRole
from wharf.http.schemas.sessions import PasswordOnly


class Invitee(Schema):
    username = required_text(USERNAME)


# action -> its form, and the message after it
ACTIONS: dict[str, tuple[type[Schema], str]] = {
    "invite": (NewRole, "invited"),
    "revoke": (Invitee, "invitation-revoked"),
    "reauthenticate": (PasswordOnly, "password-confirmed-roles"),
}


class OwnersRoles(Page):
    def show(self, req: falcon.Request, resp: falcon.Response, project: dict,
             failure: Failure | None = None) -> None:
        session, now = req.context.session, req.context.now
        no_store(resp)
        self.render(req, resp, "projects/roles.html", project=project,
                    invitations=self.wiring.invitations.for_project(project["id"], now),
                    failure=failure, status=failure.status if failure else falcon.HTTP_200,
                    status_message=None if failure else status_message(req),
                    sudo_open=session.sudo_until is not None and session.sudo_until > now)


class RolesPage(OwnersRoles):
    endpoints = {"GET": Endpoint(SESSION, "A project's roles and pending invitations, to invite"
                                 " or revoke (its Owners)")}

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self.show(req, resp, owned_project(self.wiring, req, name))


class RoleActionPage(OwnersRoles):
    endpoints = {"POST": Endpoint(SESSION, "Invite someone to a role or revoke an invitation,"
                                  " or confirm the password first (Owners only)")}
    form_page = "/account"  # a path of no project: its GET goes where every form starts

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                change: str) -> None:
        form = self.form(req)  # its origin and CSRF token first, whatever it asks
        if change not in ACTIONS:
            raise NotFound("no such action")
        project = owned_project(self.wiring, req, name)
        schema, message = ACTIONS[change]
        try:
            self.act(req, project["normalized_name"], change, validated(schema, form))
        except FAILURES as error:
            self.show(req, resp, project, failure_of(error))
            return
        see_other(resp, done(f"/projects/{project['normalized_name']}/roles", message))

    def act(self, req: falcon.Request, project: str, action: str, data: dict) -> None:
        origin = origin_of(req)
        if action == "reauthenticate":
            self.app.reauthenticate(origin, req.context.session.session_id, data["password"])
        elif action == "invite":
            self.app.invite(origin, project, data["username"], data["role"])
        else:
            self.app.revoke_invitation(origin, project, data["username"])
