"""Signing up, and the page the emailed verification link opens."""

import falcon

from wharf.domain.errors import EmailTaken, UsernameTaken, WeakPassword
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done
from wharf.http.pages.render import no_store, see_other
from wharf.http.schemas.accounts import Registration
from wharf.http.schemas.common import VerificationToken

SIGNUP_FIELDS = {UsernameTaken: "username", EmailTaken: "email", WeakPassword: "password"}


class SignupPage(Page):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The sign-up form, or after it, 'check your email'"),
        "POST": Endpoint(PUBLIC, "Register an account; a verification email is sent"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.get_param("done") == "registered":
            self.render(req, resp, "signup/check_email.html")
        else:
            self.render(req, resp, "signup/form.html", username="", email="")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        try:
            data = validated(Registration, form)
            self.app.register(origin_of(req), data["username"], data["password"], data["email"])
        except FAILURES as error:
            failure = failure_of(error, SIGNUP_FIELDS)
            self.render(req, resp, "signup/form.html", status=failure.status, failure=failure,
                        username=form.get("username", ""), email=form.get("email", ""))
            return
        see_other(resp, done("/signup", "registered"))


class EmailVerificationPage(Page):
    """GET only shows a button (mail scanners open links); the POST verifies."""

    endpoints = {
        "GET": Endpoint(PUBLIC, "The emailed link's page: a button that verifies the address"),
        "POST": Endpoint(PUBLIC, "Verify an email address with the emailed token"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        verified = req.get_param("done") == "email-verified"
        self.render(req, resp, "signup/verify_email.html", verified=verified,
                    token=req.get_param("token") or "")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        try:
            token = validated(VerificationToken, form)["token"]
            self.app.verify_email(origin_of(req), token)
        except FAILURES as error:
            failure = failure_of(error)
            self.render(req, resp, "signup/verify_email.html", status=failure.status,
                        failure=failure, verified=False, token="")
            return
        see_other(resp, done("/account/verify-email", "email-verified"))
