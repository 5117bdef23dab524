"""What one credential did: everything one session or API token (or trusted publisher's token)
did, read from the audit log, for its account (or admins), and a project's part of it for the
project's Owners (or admins). A stolen credential's trail, before containing it."""

import falcon
from marshmallow import Schema, fields

from wharf.domain.errors import NotFound
from wharf.http import body
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.resources.history import History
from wharf.http.resources.uploaders import owned_or_admin
from wharf.http.schemas.common import dump
from wharf.http.schemas.history import HistoryPage, HistoryQuery
from wharf.projections.database import stamp, unstamp

ERRORS = (400, 401, 403, 404)
NOT_FOUND = "no such credential"


class CredentialView(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "session, api_token or publisher_token"})
    created_at = fields.String()


class ActivityPage(HistoryPage):
    credential = fields.Nested(CredentialView)


class Activity(History):
    """A credential's entries within `scope`, from its creation unless `since` says otherwise
    (not the histories' 14 days: an investigation wants the whole trail)."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, **path) -> None:
        credential, scope = self.scope(req, **path)
        params = body.query(req, HistoryQuery)
        params["since"] = params["since"] or unstamp(credential["created_at"])
        filters, viewer = self.filtered(req, {**scope, "credential_id": credential["id"]},
                                        params)
        page = self.wiring.audit_log.page(filters, viewer, params["limit"], params["cursor"])
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(ActivityPage, {
            "credential": credential, "events": page.entries, "next_cursor": page.next_cursor,
            "since": stamp(filters.since), "until": stamp(filters.until)})


def find_credential(wiring, credential_id: str) -> dict:
    found = wiring.credentials.by_id(id_of(credential_id, "credential"))
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def own_credential(wiring, req: falcon.Request, credential_id: str) -> dict:
    """A credential of the session's account (any, for an admin); another's is not found."""
    found, session = find_credential(wiring, credential_id), req.context.session
    if found["account_id"] != str(session.account_id) and not session.is_admin:
        raise NotFound(NOT_FOUND)  # another's credential is not even said to exist
    return found


class AccountCredentialActivity(Activity):
    endpoints = {"GET": Endpoint(SESSION, "Everything one of your sessions or API tokens did"
                                 " (admins: anyone's), newest first", 200, None, ActivityPage,
                                 ERRORS, query=HistoryQuery)}

    def scope(self, req: falcon.Request, credential_id: str) -> tuple[dict, dict]:
        return own_credential(self.wiring, req, credential_id), {}


class ProjectCredentialActivity(Activity):
    endpoints = {"GET": Endpoint(SESSION, "What one session or token did to the project (its"
                                 " Owners and admins), newest first", 200, None, ActivityPage,
                                 ERRORS, query=HistoryQuery)}

    def scope(self, req: falcon.Request, name: str, credential_id: str) -> tuple[dict, dict]:
        project = owned_or_admin(self.wiring, req, name, "read what a credential did to it")
        return find_credential(self.wiring, credential_id), {"project_id": project["id"]}
