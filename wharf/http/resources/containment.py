"""Containing a stolen credential: the plan (a dry run), from what the credential did since a
moment; with `confirm`, the plan made again at that moment and applied (sudo window), each step
an event naming the containment."""

import falcon
from marshmallow import Schema, fields, validate

from wharf.domain.containment import REASON
from wharf.domain.names import project_key
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.credentials import (
    CredentialView,
    find_credential,
    own_credential,
)
from wharf.http.resources.uploaders import owned_or_admin
from wharf.http.schemas.common import Moment, bounded, dump, required_text
from wharf.projections.containment import ACTIONS
from wharf.projections.database import stamp

DEFAULT_REASON = "a stolen credential's doings undone"


class ContainmentRequest(Schema):
    credential = required_text(36)
    since = Moment(required=True, metadata={"description": "undo what it did from"
                                                                   " this time on"})
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), required=True,
                          validate=validate.Length(1, len(ACTIONS)), metadata={
                              "description": "any of: " + ", ".join(ACTIONS)})
    confirm = fields.Boolean(load_default=False, metadata={
        "description": "apply the plan (sudo window); without it, a dry run"})
    reason = fields.String(load_default=DEFAULT_REASON, validate=bounded(1, REASON),
                           metadata={"description": "why: recorded, and a yank's reason"})


class ContainmentPlan(Schema):
    dry_run = fields.Boolean()
    containment_id = fields.String(allow_none=True, metadata={
        "description": "the applied containment, named by each step's event (none: a dry run,"
                       " or nothing was left to do)"})
    credential = fields.Nested(CredentialView)
    since = fields.String()
    steps = fields.List(fields.Dict(), metadata={
        "description": "in order: end_session / revoke_token / burn_token (a trusted"
                       " publisher's token, with its project), yank_release (project, version,"
                       " files), restore_role, remove_role and revoke_invitation (project,"
                       " username, role); applied: those that were still needed"})


class ContainmentResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Contain one of your sessions or API tokens (admins:"
                         " anyone's): the plan for undoing its doings since a moment, a dry"
                         " run; with confirm (sudo window), the plan applied as events that"
                         " name the containment. Applying twice does nothing more", 200,
                         ContainmentRequest, ContainmentPlan, (400, 401, 403, 404, 409)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, ContainmentRequest)
        credential = own_credential(self.wiring, req, data["credential"])
        answer(self, req, resp, data, credential, None)


class ProjectContainmentResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Contain anyone's session or API token as far as the project"
                         " goes (its Owners and admins): the same plan and confirm, kept to"
                         " the project's steps (a trusted publisher's token thrown away,"
                         " yanks, roles, invitations); stopping a person's credential itself"
                         " is its account's", 200, ContainmentRequest,
                         ContainmentPlan, (400, 401, 403, 404, 409)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        data = self.load(req, ContainmentRequest)
        project = owned_or_admin(self.wiring, req, name, "contain what a credential did to it")
        answer(self, req, resp, data, find_credential(self.wiring, data["credential"]),
               project["normalized_name"])


def contained(wiring, req: falcon.Request, data: dict, credential: dict,
              project: str | None) -> tuple[str | None, list[dict]]:
    """The plan made now, kept to `project` (normalised) if given; with `confirm`, applied:
    (the containment's id, if one was applied, and the steps). The API's and the page's."""
    steps = wiring.containment.plan(credential, data["since"], data["actions"], req.context.now)
    if project is not None:
        steps = [s for s in steps if "project" in s and project_key(s["project"]) == project]
    if not data["confirm"]:
        return None, steps
    containment_id, steps = wiring.app.contain(origin_of(req), credential, data["since"],
                                               data["reason"], steps, project)
    return containment_id and str(containment_id), steps


def answer(resource: Resource, req: falcon.Request, resp: falcon.Response, data: dict,
           credential: dict, project: str | None) -> None:
    containment_id, steps = contained(resource.wiring, req, data, credential, project)
    resp.set_header("Cache-Control", "no-store")
    resp.media = dump(ContainmentPlan, {
        "dry_run": not data["confirm"], "credential": credential,
        "containment_id": containment_id,
        "since": stamp(data["since"]), "steps": steps})
