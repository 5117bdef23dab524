"""Role invitations: a project's pending ones (its Owners), revoking one (Owners, sudo window),
and the invitee's side: their invitations, and accepting or declining one, by the project's
name or with the emailed link's token (logged in as the invitee either way)."""

import falcon
from marshmallow import Schema, fields

from wharf.application.invitations import ACCEPT, DECLINE
from wharf.domain.errors import Forbidden
from wharf.domain.project import OWNER
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.projects import find_project, path_project_key
from wharf.http.schemas.common import dump, required_text

ANSWER_ERRORS = (400, 401, 403, 404, 409)


class InvitationView(Schema):
    username = fields.String()
    role = fields.String()
    invited_by = fields.String(allow_none=True)
    invited_at = fields.String()
    expires_at = fields.String()


class InvitationList(Schema):
    project = fields.String()
    invitations = fields.List(fields.Nested(InvitationView))


class MyInvitationView(Schema):
    project = fields.String()
    normalized_name = fields.String()
    role = fields.String()
    invited_by = fields.String(allow_none=True)
    invited_at = fields.String()
    expires_at = fields.String()


class MyInvitationList(Schema):
    invitations = fields.List(fields.Nested(MyInvitationView))


class InvitationLink(Schema):
    token = required_text(200)  # from the emailed link


def owned_project(wiring, req: falcon.Request, name: str) -> dict:
    """The project of a path, if the session's account is one of its Owners."""
    project, account_id = find_project(wiring, name), str(req.context.session.account_id)
    if not any(r["account_id"] == account_id and r["role"] == OWNER for r in project["roles"]):
        raise Forbidden("only an Owner of this project can see its invitations")
    return project


class ProjectInvitationsResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "A project's pending role invitations (Owners only)", 200,
                        None, InvitationList, (401, 403, 404)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project = owned_project(self.wiring, req, name)
        invitations = self.wiring.invitations.for_project(project["id"], req.context.now)
        resp.media = dump(InvitationList, {"project": project["name"],
                                                   "invitations": invitations})


class ProjectInvitationResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "Revoke someone's invitation (Owners only, sudo window);"
                           " they and every Owner are emailed", 204, errors=(401, 403, 404)),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str,
                  username: str) -> None:
        self.app.revoke_invitation(origin_of(req), path_project_key(name), username)
        resp.status = falcon.HTTP_204


class MyInvitationsResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "The role invitations waiting for my answer", 200, None,
                        MyInvitationList, (401,)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        invitations = self.wiring.invitations.for_account(req.context.session.account_id,
                                                          req.context.now)
        resp.media = dump(MyInvitationList, {"invitations": invitations})


def _answering(answer: str) -> str:
    return f"{answer.capitalize()} my invitation to a project (logged in as the invitee"


class AcceptMyInvitation(Resource):
    """The role is mine from now on; an expired invitation cannot be accepted."""
    answer = ACCEPT
    endpoints = {"POST": Endpoint(SESSION, _answering(ACCEPT) + "; not once it has expired)",
                                  204, errors=ANSWER_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self.app.answer_invitation(origin_of(req), path_project_key(name), self.answer)
        resp.status = falcon.HTTP_204


class DeclineMyInvitation(AcceptMyInvitation):
    answer = DECLINE
    endpoints = {"POST": Endpoint(SESSION, _answering(DECLINE) + "); every Owner is emailed",
                                  204, errors=ANSWER_ERRORS)}


class AcceptByLink(Resource):
    """The same with the emailed link's token: it works once, for its invitee only."""
    answer = ACCEPT
    endpoints = {"POST": Endpoint(SESSION, _answering(ACCEPT) + ") with the emailed link's"
                                  " token", 204, InvitationLink, errors=ANSWER_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        token = self.load(req, InvitationLink)["token"]
        self.app.answer_invitation_link(origin_of(req), token, self.answer)
        resp.status = falcon.HTTP_204


class DeclineByLink(AcceptByLink):
    answer = DECLINE
    endpoints = {"POST": Endpoint(SESSION, _answering(DECLINE) + ") with the emailed link's"
                                  " token", 204, InvitationLink, errors=ANSWER_ERRORS)}
