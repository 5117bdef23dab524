"""Forgotten passwords: ask for an emailed link; set a new password with it."""

import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.password_reset import (
    Accepted,
    PasswordResetCompletion,
    PasswordResetRequest,
)

# One answer whether or not the name or address exists: nothing to enumerate.
REQUESTED = ("if an account has that username or address, a message is on its way to its"
             " address: a reset link when the address is verified, otherwise how to verify it")
RESET = "the password was reset and every session ended; log in (with your second factor)"


class PasswordResetResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Ask for a password reset link by username or email address;"
                         " the answer is the same whether or not it exists", 202,
                         PasswordResetRequest, Accepted, (400, 429, 503)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, PasswordResetRequest)
        self.app.request_password_reset(origin_of(req), data["username_or_email"])
        resp.status = falcon.HTTP_202
        resp.media = {"detail": REQUESTED}


class PasswordResetCompletionResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Set a new password with the emailed token (once, within 6"
                         " hours); every session ends, optionally every API token too", 200,
                         PasswordResetCompletion, Accepted, (400,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, PasswordResetCompletion)
        self.app.complete_password_reset(origin_of(req), data["token"], data["new_password"],
                                         revoke_tokens=data["revoke_api_tokens"])
        resp.media = {"detail": RESET}
