"""Who can publish a project now, for its Owners: every member's standing and each credential
that reaches the project (account-wide tokens included), and its trusted publishers.

The route is `/uploaders`, not the issue's `/publishers`: `/api/projects/{name}/publishers`
already names the project's trusted publishers (PyPI's word for them)."""

import falcon
from marshmallow import Schema, fields

from wharf.domain.errors import Forbidden
from wharf.domain.project import OWNER
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.projects import find_project
from wharf.http.resources.trusted_publishing import PublisherView
from wharf.http.schemas.common import dump


class ReachingToken(Schema):
    id = fields.String()
    description = fields.String()
    scope = fields.String(metadata={"description": "account (every project the owner may upload"
                                                  " to) or projects"})
    projects = fields.List(fields.String(), allow_none=True)
    created_at = fields.String()
    not_before = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    valid_now = fields.Boolean(metadata={"description": "false until its not_before"})
    unused_90_days = fields.Boolean(metadata={
        "description": "not used (or, never used, made) in the last 90 days: revoke it?"})


class Member(Schema):
    username = fields.String()
    role = fields.String()
    role_granted_at = fields.String()
    frozen = fields.Boolean()
    two_factor = fields.List(fields.String(), metadata={"description": "kinds: totp, webauthn"})
    can_upload = fields.Boolean()
    blocked = fields.String(allow_none=True, metadata={"description": "why not, if not"})
    tokens = fields.List(fields.Nested(ReachingToken))


class UploaderList(Schema):
    project = fields.String()
    as_of = fields.String()
    stale_after_days = fields.Integer()
    accounts = fields.List(fields.Nested(Member))
    publishers = fields.List(fields.Nested(PublisherView))


def owned_or_admin(wiring, req: falcon.Request, name: str, what: str) -> dict:
    """The project of the path, if the session's account is one of its Owners or an admin."""
    project, session = find_project(wiring, name), req.context.session
    owner = any(role["account_id"] == str(session.account_id) and role["role"] == OWNER
                for role in project["roles"])
    if not (owner or session.is_admin):
        raise Forbidden(f"only the project's Owners can {what}")
    return project


def uploaders_of(wiring, req: falcon.Request, name: str) -> dict:
    project = owned_or_admin(wiring, req, name, "see who can publish it")
    return {"project": project["name"], "normalized_name": project["normalized_name"],
            **wiring.uploaders.of_project(project["id"], req.context.now)}


class UploadersResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "Who can publish the project now, with each credential that"
                        " reaches it (its Owners and admins)", 200, None, UploaderList,
                        (401, 403, 404)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(UploaderList, uploaders_of(self.wiring, req, name))
