"""Security keys (WebAuthn): register, list, rename and remove them, and log in with one."""


import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.resources import Resource
from wharf.http.resources.session import LOGIN_ERRORS, start_session
from wharf.http.schemas.common import dump
from wharf.http.schemas.security_keys import (
    KeyAdded,
    KeyAssertion,
    KeyRegistration,
    KeyRegistrationStart,
    Label,
    SecurityKeyList,
    Ticket,
    WebAuthnOptions,
)
from wharf.http.schemas.sessions import SessionCreated

CHANGE_ERRORS = (400, 401, 403, 404, 409)


def _options(resp: falcon.Response, options: dict) -> None:
    resp.media = dump(WebAuthnOptions, {"public_key": options})


class SecurityKeysResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "My security keys: label, AAGUID, transports, created, last used",
                        200, None, SecurityKeyList, (401,)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        keys = self.wiring.two_factor.security_keys(req.context.session.account_id)
        resp.media = dump(SecurityKeyList, {"security_keys": keys})


class KeyRegistrationResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Start registering a security key (sudo window, verified"
                         " primary email): options for navigator.credentials.create(); a label"
                         " sent now is checked first", 200, KeyRegistrationStart,
                         WebAuthnOptions, CHANGE_ERRORS, body_required=False),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        sent = req.content_length or req.content_type  # the body is optional
        data = self.load(req, KeyRegistrationStart) if sent else {}
        _options(resp, self.app.begin_security_key_registration(
            origin_of(req), data.get("label"), data.get("passkey", False)))


class KeyRegistrationCompletionResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Finish registering a security key with the browser's"
                         " credential and a label; the first factor also returns recovery codes",
                         201, KeyRegistration, KeyAdded, CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, KeyRegistration)
        added = self.app.complete_security_key_registration(origin_of(req), data["label"],
                                                            data["credential"], data["passkey"])
        resp.status = falcon.HTTP_201
        resp.media = dump(KeyAdded, {"id": str(added.key_id),
                                                     "recovery_codes": added.recovery_codes})


class SecurityKeyResource(Resource):
    endpoints = {
        "PATCH": Endpoint(SESSION, "Rename a security key", 204, Label, None,
                          CHANGE_ERRORS),
        "DELETE": Endpoint(SESSION, "Remove a security key (sudo window); every other session"
                           " ends", 204, errors=CHANGE_ERRORS),
    }

    def on_patch(self, req: falcon.Request, resp: falcon.Response, key_id: str) -> None:
        label = self.load(req, Label)["label"]
        self.app.rename_security_key(origin_of(req), id_of(key_id, "security key"), label)
        resp.status = falcon.HTTP_204

    def on_delete(self, req: falcon.Request, resp: falcon.Response, key_id: str) -> None:
        self.app.remove_security_key(origin_of(req), id_of(key_id, "security key"))
        resp.status = falcon.HTTP_204


class KeyLoginResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Second log-in step with a security key, part 1: options for"
                         " navigator.credentials.get()", 200, Ticket,
                         WebAuthnOptions, LOGIN_ERRORS + (404,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        ticket = self.load(req, Ticket)["ticket"]
        _options(resp, self.app.begin_security_key_login(origin_of(req), ticket))


class KeyLoginCompletionResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Second log-in step with a security key, part 2: the browser's"
                         " assertion", 201, KeyAssertion, SessionCreated,
                         LOGIN_ERRORS + (404,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, KeyAssertion)
        new = self.app.log_in_with_security_key(origin_of(req), data["ticket"],
                                                data["credential"])
        start_session(self.wiring.settings, req, resp, new)

