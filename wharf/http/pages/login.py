"""Logging in by form: the password, then (with two factors) the second step; logging out.

A second step from a new address may be held (wharf/domain/devices.py): the page then says to
check the email, whose link leads to /login/confirm-device (wharf/http/pages/devices_held.py).
"""

import falcon
from marshmallow import ValidationError

from wharf.application import DeviceHeld, NewSession, SecondStep
from wharf.domain.errors import InvalidCredentials, InvalidToken, SecondFactorFailed
from wharf.domain.two_factor import RECOVERY_CODE, TOTP
from wharf.http.auth import clear_session_cookie, origin_of, set_session_cookie
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done, status_message
from wharf.http.pages.render import no_store, see_other
from wharf.http.schemas.sessions import Credentials, TicketAndCode, UnlockCredentials

WEBAUTHN = "webauthn"
METHODS = (TOTP, WEBAUTHN, RECOVERY_CODE)  # the order the second-step forms appear in


class LoginSteps(Page):
    """What the log-in pages share: the second-step page, and the session cookie at the end."""

    form_page = "/login"  # a second step's ticket is gone by then: log in again

    def second_step(self, req, resp, ticket: str, methods, failure=None) -> None:
        no_store(resp)  # the page holds the ticket
        self.render(req, resp, "login/second_step.html", ticket=ticket, failure=failure,
                    methods=[m for m in METHODS if m in methods],
                    status=failure.status if failure else falcon.HTTP_200)

    landing = "/account"  # where a log-in by this page goes

    def logged_in(self, resp: falcon.Response, new: NewSession) -> None:
        set_session_cookie(self.settings, resp, new.token)
        see_other(resp, done("/account", "unlocked") if new.unlocked else self.landing)

    def password_step_done(self, req, resp, result: NewSession | SecondStep) -> None:
        if isinstance(result, SecondStep):
            self.second_step(req, resp, result.ticket, result.methods)
        else:
            self.logged_in(resp, result)


class LoginPage(LoginSteps):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The log-in form"),
        "POST": Endpoint(PUBLIC, "Log in: a session, or the second-step page"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.render(req, resp, "login/form.html", username="", status_message=status_message(req))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        try:
            data = validated(Credentials, form)
            result = self.app.log_in(origin_of(req), data["username"], data["password"])
        except FAILURES as error:
            failure = failure_of(error, {InvalidCredentials: "password"})
            self.render(req, resp, "login/form.html", status=failure.status, failure=failure,
                        username=form.get("username", ""), status_message=None)
            return
        self.password_step_done(req, resp, result)


class UnlockPage(LoginSteps):
    """The emailed unlock link's page: the password here, then the second-step page."""

    endpoints = {
        "GET": Endpoint(PUBLIC, "The emailed unlock link's page: a password form"),
        "POST": Endpoint(PUBLIC, "Log in with the unlock link and the password; the second "
                                 "step lifts the lock"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        self.render(req, resp, "login/unlock.html", token=req.get_param("token") or "")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        try:
            data = validated(UnlockCredentials, form)
            result = self.app.log_in_with_unlock_link(origin_of(req), data["token"],
                                                      data["password"])
        except FAILURES as error:
            failure = failure_of(error, {InvalidCredentials: "password"})
            no_store(resp)
            bad_link = isinstance(error, InvalidToken) or (
                isinstance(error, ValidationError) and "token" in error.messages)
            token = "" if bad_link else form.get("token", "")
            self.render(req, resp, "login/unlock.html", status=failure.status, failure=failure,
                        token=token)
            return
        self.password_step_done(req, resp, result)


class SecondStepPage(LoginSteps):
    """One second-step form: the ticket, the methods offered and a code."""

    endpoints = {}
    control_id = ""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        methods = form.get("methods", "").split()
        try:
            data = validated(TicketAndCode, form)
            new = self.log_in(req, data["ticket"], data["code"])
        except FAILURES as error:
            failure = failure_of(error, {SecondFactorFailed: "code"}, {"code": self.control_id})
            self.second_step(req, resp, form.get("ticket", ""), methods, failure)
            return
        if isinstance(new, DeviceHeld):
            self.render(req, resp, "login/device_held.html", expires_at=new.expires_at)
            return
        self.logged_in(resp, new)

    def log_in(self, req: falcon.Request, ticket: str, code: str) -> NewSession | DeviceHeld:
        raise NotImplementedError


class TotpStepPage(SecondStepPage):
    endpoints = {"POST": Endpoint(PUBLIC, "Second log-in step: a TOTP code")}
    control_id = "totp-code"

    def log_in(self, req: falcon.Request, ticket: str, code: str) -> NewSession | DeviceHeld:
        return self.app.log_in_with_totp(origin_of(req), ticket, code)


class RecoveryCodeStepPage(SecondStepPage):
    endpoints = {"POST": Endpoint(PUBLIC, "Second log-in step: a recovery code")}
    landing = done("/account", "recovery-code-used")  # the page says how many are left
    control_id = "recovery-code"

    def log_in(self, req: falcon.Request, ticket: str, code: str) -> NewSession | DeviceHeld:
        return self.app.log_in_with_recovery_code(origin_of(req), ticket, code)


class LogoutPage(Page):
    endpoints = {"POST": Endpoint(SESSION, "Log out: end this session")}
    form_page = "/account"

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.form(req)
        self.app.end_session(origin_of(req), req.context.session.session_id, reason="logout")
        clear_session_cookie(resp)
        see_other(resp, done("/login", "logged-out"))
