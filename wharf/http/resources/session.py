"""Logging in and out, the current session, and re-authentication (the sudo window)."""

import falcon

from wharf.http import schemas
from wharf.http.auth import COOKIE, origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.projections.database import stamp


class SessionResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Log in with username and password", 201, schemas.Credentials,
                         schemas.SessionCreated, (400, 401)),
        "GET": Endpoint(SESSION, "The current session", 200, None, schemas.SessionView, (401,)),
        "DELETE": Endpoint(SESSION, "Log out: end the current session", 204, errors=(401,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, schemas.Credentials)
        new = self.app.log_in(origin_of(req), data["username"], data["password"])
        lifetime = self.wiring.settings.session_lifetime
        expires_at = req.context.now + lifetime
        resp.set_cookie(COOKIE, new.token, max_age=int(lifetime.total_seconds()), path="/",
                        secure=self.wiring.settings.secure_cookies, http_only=True,
                        same_site="Strict")
        resp.status = falcon.HTTP_201
        resp.media = schemas.dump(schemas.SessionCreated, {
            "session_id": str(new.session_id), "token": new.token,
            "expires_at": stamp(expires_at)})

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        session = req.context.session
        resp.media = schemas.dump(schemas.SessionView, {
            "session_id": str(session.session_id), "account_id": str(session.account_id),
            "username": session.username, "expires_at": session.expires_at,
            "sudo_until": stamp(session.sudo_until)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.end_session(origin_of(req), req.context.session.session_id, reason="logout")
        resp.unset_cookie(COOKIE, path="/", same_site="Strict")
        resp.status = falcon.HTTP_204


class ReauthenticationResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Confirm the password to open the sudo window", 200,
                         schemas.PasswordOnly, schemas.SudoWindow, (400, 401, 403)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, schemas.PasswordOnly)
        self.app.reauthenticate(origin_of(req), req.context.session.session_id, data["password"])
        resp.media = {"sudo_until": stamp(req.context.now + self.wiring.settings.sudo_window)}
