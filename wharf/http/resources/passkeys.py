"""Signing in with a passkey: options naming no credential, then the browser's answer."""

import falcon
from marshmallow import Schema, fields

from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.session import LOGIN_ERRORS, start_session
from wharf.http.schemas.common import dump, required_text
from wharf.http.schemas.security_keys import WebAuthnOptions
from wharf.http.schemas.sessions import SessionCreated

CEREMONY = {"description": "the signed request this answer belongs to, sent back as it came;"
                           " it expires after 5 minutes and works once"}


class PasskeyOptions(WebAuthnOptions):
    ceremony = fields.String(metadata=CEREMONY)


class PasskeyAssertion(Schema):
    ceremony = required_text(200)
    credential = fields.Dict(required=True, metadata={
        "description": "the browser's PublicKeyCredential.toJSON(), from a passkey"})


class PasskeyLoginResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Sign in with a passkey, part 1: options for"
                         " navigator.credentials.get() with no allowCredentials (the browser"
                         " offers this site's passkeys) and user verification required", 200,
                         None, PasskeyOptions, (400, 429), body_required=False),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        options, ceremony = self.app.begin_passkey_login(origin_of(req))
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(PasskeyOptions, {"public_key": options, "ceremony": ceremony})


class PasskeyLoginCompletionResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Sign in with a passkey, part 2: the browser's answer, which"
                         " must report user verification; a session (both factors at once)",
                         201, PasskeyAssertion, SessionCreated, LOGIN_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, PasskeyAssertion)
        new = self.app.log_in_with_passkey(origin_of(req), data["ceremony"], data["credential"])
        start_session(self.wiring.settings, req, resp, new)
