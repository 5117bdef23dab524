"""Containing a stolen credential: first the plan (a dry run), from what the credential did
since a moment. Applying it (`confirm`) is not built yet: the request schema refuses it."""

import falcon
from marshmallow import Schema, fields, validate

from wharf.http import schemas
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.credentials import CredentialView, own_credential
from wharf.projections.containment import ACTIONS
from wharf.projections.database import stamp


class ContainmentRequest(Schema):
    credential = schemas.required_text(36)
    since = schemas.Moment(required=True, metadata={"description": "undo what it did from"
                                                                   " this time on"})
    actions = fields.List(fields.String(validate=validate.OneOf(ACTIONS)), required=True,
                          validate=validate.Length(1, len(ACTIONS)), metadata={
                              "description": "any of: " + ", ".join(ACTIONS)})


class ContainmentPlan(Schema):
    dry_run = fields.Boolean()
    credential = fields.Nested(CredentialView)
    since = fields.String()
    steps = fields.List(fields.Dict(), metadata={
        "description": "in order: end_session / revoke_token, yank_release (project, version,"
                       " files), restore_role and remove_role (project, username, role)"})


class ContainmentResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Plan the containment of one of your sessions or API tokens"
                         " (admins: anyone's): what undoing its doings since a moment takes."
                         " A dry run: nothing changes", 200, ContainmentRequest,
                         ContainmentPlan, (400, 401, 403, 404)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, ContainmentRequest)
        credential = own_credential(self.wiring, req, data["credential"])
        steps = self.wiring.containment.plan(credential, data["since"], data["actions"],
                                             req.context.now)
        resp.set_header("Cache-Control", "no-store")
        resp.media = schemas.dump(ContainmentPlan, {
            "dry_run": True, "credential": credential, "since": stamp(data["since"]),
            "steps": steps})
