"""Recovery cases: an administrator opens one (admins, sudo window); the holder reads it and
cancels it, logged in or with the emailed link."""

import falcon
from marshmallow import Schema, fields

from wharf.domain.recovery import REASON, TICKET
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.admin import CHANGE_ERRORS, path_username
from wharf.http.schemas.common import VerificationToken, dump, required_text


class NewRecoveryCase(Schema):
    reason = required_text(REASON)
    ticket = required_text(TICKET)


class RecoveryCase(Schema):
    open = fields.Boolean()
    opened_at = fields.DateTime(allow_none=True)
    completes_at = fields.DateTime(allow_none=True, metadata={
        "description": "when, unless cancelled, the second factors go and a reset link is sent"})


class OpenRecoveryCaseResource(Resource):
    endpoints = {"POST": Endpoint(SESSION, "Open a recovery case for an account that lost every"
                                  " second factor (admins, sudo window): its verified addresses"
                                  " are emailed a link that cancels it", 201, NewRecoveryCase,
                                  RecoveryCase, CHANGE_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        origin = origin_of(req)
        self.app.check_admin(origin)
        data = self.load(req, NewRecoveryCase)
        account = self.app.open_recovery_case(origin, path_username(username), data["reason"],
                                              data["ticket"])
        resp.status = falcon.HTTP_201
        case = account.open_recovery_case
        resp.media = dump(RecoveryCase, {"open": True, "opened_at": case["opened_at"],
                                                 "completes_at": case["completes_at"]})


class OwnRecoveryCaseResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "The open recovery case of your account, if any (`open`"
                        " false: none)", 200, None, RecoveryCase, (401,)),
        "DELETE": Endpoint(SESSION, "Cancel the open recovery case of your account", 204,
                           errors=(401, 403, 409)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        case = self.wiring.recovery_cases.of(req.context.session.account_id)
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(RecoveryCase, {"open": True, **case} if case else {
            "open": False, "opened_at": None, "completes_at": None})

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.cancel_own_recovery_case(origin_of(req))
        resp.status = falcon.HTTP_204


class RecoveryCancelResource(Resource):
    endpoints = {"POST": Endpoint(PUBLIC, "Cancel a recovery case with the token emailed when it"
                                  " was opened", 204, VerificationToken,
                                  errors=(400, 422))}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        token = self.load(req, VerificationToken)["token"]
        self.app.cancel_recovery_case_by_link(origin_of(req), token)
        resp.status = falcon.HTTP_204
