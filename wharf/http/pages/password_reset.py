"""Forgotten passwords by form: ask for a link (linked from /login), then the link's page.

The link's GET only shows the form (mail scanners open links); only its POST resets.
"""

import falcon

from wharf.domain.errors import InvalidToken, WeakPassword
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done, status_message
from wharf.http.pages.render import no_store, see_other
from wharf.http.schemas.password_reset import (
    PasswordResetCompletion,
    PasswordResetRequest,
)


class ForgottenPasswordPage(Page):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The form asking for a password reset link"),
        "POST": Endpoint(PUBLIC, "Ask for a password reset link; the same answer for any name"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.render(req, resp, "password_reset/request.html", username_or_email="",
                    sent=req.get_param("done") == "reset-requested",
                    status_message=status_message(req))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        try:
            data = validated(PasswordResetRequest, form)
            self.app.request_password_reset(origin_of(req), data["username_or_email"])
        except FAILURES as error:
            failure = failure_of(error)
            self.render(req, resp, "password_reset/request.html", status=failure.status,
                        failure=failure, sent=False,
                        username_or_email=form.get("username_or_email", ""))
            return
        see_other(resp, done("/password-reset", "reset-requested"))


class PasswordResetPage(Page):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The emailed link's page: the new-password form"),
        "POST": Endpoint(PUBLIC, "Set a new password with the emailed token"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        self.render(req, resp, "password_reset/complete.html", token=req.get_param("token") or "")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)
        form = self.form(req)
        try:
            data = validated(PasswordResetCompletion, form)
            self.app.complete_password_reset(origin_of(req), data["token"],
                                             data["new_password"],
                                             revoke_tokens=data["revoke_api_tokens"])
        except FAILURES as error:
            failure = failure_of(error, {WeakPassword: "new_password"})
            dead = isinstance(error, InvalidToken)
            self.render(req, resp, "password_reset/complete.html", status=failure.status,
                        failure=failure, token="" if dead else form.get("token", ""))
            return
        see_other(resp, done("/login", "password-reset"))
