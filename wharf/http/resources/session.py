"""Logging in and out, the current session, and re-authentication (the sudo window)."""

import falcon

from wharf.application import DeviceHeld, NewSession, SecondStep
from wharf.http.auth import clear_session_cookie, origin_of, set_session_cookie
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.common import VerificationToken, dump
from wharf.http.schemas.sessions import (
    Credentials,
    DeviceConfirmationSent,
    PasswordOnly,
    SecondStepDue,
    SessionCreated,
    SessionView,
    SudoWindow,
    TicketAndCode,
    UnlockCredentials,
)
from wharf.projections.database import stamp

LOGIN_ERRORS = (400, 401, 403, 429, 503)
DEVICE_CONFIRMATION_SENT = "device-confirmation-sent"
HELD = (202, DeviceConfirmationSent)  # a second step from a new address
PASSWORD_ERRORS = LOGIN_ERRORS  # a password check is rate-limited like a log-in


def start_session(settings, req: falcon.Request, resp: falcon.Response, new: NewSession) -> None:
    """Answer 201 with the new session's token (shown once) and set it as the cookie."""
    set_session_cookie(settings, resp, new.token)
    resp.status = falcon.HTTP_201
    resp.media = dump(SessionCreated, {
        "session_id": str(new.session_id), "token": new.token,
        "expires_at": stamp(req.context.now + settings.session_lifetime),
        "recovery_codes_left": new.recovery_codes_left})


def answer_password_step(settings, req: falcon.Request, resp: falcon.Response,
                         result: NewSession | SecondStep) -> None:
    """201 and the session, or 202 and the ticket for the second step."""
    if isinstance(result, SecondStep):
        resp.status = falcon.HTTP_202
        resp.media = dump(SecondStepDue, {
            "ticket": result.ticket, "methods": result.methods,
            "expires_at": stamp(result.expires_at)})
    else:
        start_session(settings, req, resp, result)


def answer_second_step(settings, req: falcon.Request, resp: falcon.Response,
                       result: NewSession | DeviceHeld) -> None:
    """201 and the session, or 202: a new address's log-in is held, a link was emailed."""
    if isinstance(result, DeviceHeld):
        resp.status = falcon.HTTP_202
        resp.media = dump(DeviceConfirmationSent, {
            "status": DEVICE_CONFIRMATION_SENT, "expires_at": stamp(result.expires_at)})
    else:
        start_session(settings, req, resp, result)


class SessionResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Log in with username and password (202: a second step is due)",
                         201, Credentials, SessionCreated, LOGIN_ERRORS,
                         alternative=(202, SecondStepDue)),
        "GET": Endpoint(SESSION, "The current session", 200, None, SessionView, (401,)),
        "DELETE": Endpoint(SESSION, "Log out: end the current session", 204, errors=(401,)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, Credentials)
        result = self.app.log_in(origin_of(req), data["username"], data["password"])
        answer_password_step(self.wiring.settings, req, resp, result)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        session = req.context.session
        resp.media = dump(SessionView, {
            "session_id": str(session.session_id), "account_id": str(session.account_id),
            "username": session.username, "expires_at": session.expires_at,
            "sudo_until": stamp(session.sudo_until)})

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.end_session(origin_of(req), req.context.session.session_id, reason="logout")
        clear_session_cookie(resp)
        resp.status = falcon.HTTP_204


class UnlockResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Log in with the emailed unlock link and the password, from "
                         "any address; the second step (202) or the session lifts the lock", 201,
                         UnlockCredentials, SessionCreated, LOGIN_ERRORS,
                         alternative=(202, SecondStepDue)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, UnlockCredentials)
        result = self.app.log_in_with_unlock_link(origin_of(req), data["token"],
                                                  data["password"])
        answer_password_step(self.wiring.settings, req, resp, result)


class ReauthenticationResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Confirm the password to open the sudo window", 200,
                         PasswordOnly, SudoWindow, PASSWORD_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, PasswordOnly)
        self.app.reauthenticate(origin_of(req), req.context.session.session_id, data["password"])
        resp.media = {"sudo_until": stamp(req.context.now + self.wiring.settings.sudo_window)}


class TotpLoginResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Second log-in step: a TOTP code (202: from a new address, "
                         "a confirmation link was emailed)", 201, TicketAndCode,
                         SessionCreated, LOGIN_ERRORS, alternative=HELD),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, TicketAndCode)
        result = self.app.log_in_with_totp(origin_of(req), data["ticket"], data["code"])
        answer_second_step(self.wiring.settings, req, resp, result)


class RecoveryCodeLoginResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Second log-in step: a recovery code (each works once; 202: "
                         "from a new address, a confirmation link was emailed)", 201,
                         TicketAndCode, SessionCreated, LOGIN_ERRORS,
                         alternative=HELD),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, TicketAndCode)
        result = self.app.log_in_with_recovery_code(origin_of(req), data["ticket"], data["code"])
        answer_second_step(self.wiring.settings, req, resp, result)


class DeviceConfirmationResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Confirm a held log-in with the emailed token: the session, "
                         "only from the address that logged in, within 15 minutes, once", 201,
                         VerificationToken, SessionCreated, (400, 403, 503)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, VerificationToken)
        new = self.app.confirm_new_device(origin_of(req), data["token"])
        start_session(self.wiring.settings, req, resp, new)
