"""The logged-in account: profile, password, email addresses and sessions."""


import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.resources import Resource
from wharf.http.resources.session import PASSWORD_ERRORS
from wharf.http.schemas.accounts import (
    AccountView,
    NewEmail,
    PasswordChange,
    Registration,
)
from wharf.http.schemas.common import Created, VerificationToken, dump
from wharf.http.schemas.sessions import SessionList


class AccountsResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Register an account; a verification email is sent (an address"
                         " another account never verified is taken from it)", 201,
                         Registration, Created, (400, 409, 429)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, Registration)
        account_id = self.app.register(origin_of(req), data["username"], data["password"],
                                       data["email"])
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(account_id)}


class AccountResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "Who I am", 200, None, AccountView, (401,),
                        profile=True),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # The profile is AccountView's shape already (accounts.profile): no second pass.
        resp.media = req.context.profile


class PasswordResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Change the password; every other session ends", 204,
                         PasswordChange, None, PASSWORD_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, PasswordChange)
        self.app.change_password(origin_of(req), req.context.session.session_id,
                                 data["current_password"], data["new_password"])
        resp.status = falcon.HTTP_204


class EmailsResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Add an email address (sudo window); it is sent a link (2 a"
                         " day per client address, 3 links per 6 hours per account and per"
                         " address)", 201, NewEmail, None, (400, 401, 403, 409, 429, 503)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.add_email(origin_of(req), self.load(req, NewEmail)["email"])
        resp.status = falcon.HTTP_201


class EmailVerificationResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Verify an email address with the emailed token", 204,
                         VerificationToken, None, (400,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.verify_email(origin_of(req), self.load(req, VerificationToken)["token"])
        resp.status = falcon.HTTP_204


class EmailVerificationResendResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Send an unverified address a new verification link; the old"
                         " link stops working (3 per 6 hours)", 202,
                         errors=(400, 401, 404, 409, 429)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, email: str) -> None:
        self.app.resend_verification(origin_of(req), email)
        resp.status = falcon.HTTP_202


class PrimaryEmailResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Make a verified address the primary one (sudo window)", 204,
                         errors=(400, 401, 403, 404, 409)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, email: str) -> None:
        self.app.make_primary_email(origin_of(req), email)
        resp.status = falcon.HTTP_204


class EmailResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "Remove a non-primary address (sudo window)", 204,
                           errors=(400, 401, 403, 404, 409)),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, email: str) -> None:
        self.app.remove_email(origin_of(req), email)
        resp.status = falcon.HTTP_204


class SessionsResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "My active sessions", 200, None, SessionList, (401,)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        current = str(req.context.session.session_id)
        rows = self.wiring.sessions.active_for_account(req.context.session.account_id,
                                                       req.context.now)
        sessions = [{**row, "current": row["id"] == current} for row in rows]
        resp.media = dump(SessionList, {"sessions": sessions})


class SessionItemResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "End one of my sessions", 204, errors=(401, 404)),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, session_id: str) -> None:
        self.app.end_session(origin_of(req), id_of(session_id, "active session"),
                             reason="revoked")
        resp.status = falcon.HTTP_204
