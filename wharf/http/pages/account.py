"""The account settings page, and the pattern its forms share: act, then redirect back."""


import falcon
from marshmallow import Schema

from wharf.domain.errors import WeakPassword, WrongPassword
from wharf.domain.two_factor import TOTP
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, Failure, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done, status_message
from wharf.http.pages.render import see_other
from wharf.http.schemas.accounts import PasswordChange
from wharf.http.schemas.sessions import PasswordOnly

FEW_RECOVERY_CODES = 3  # this many left, or fewer: the page urges a new set


class AccountPages(Page):
    form_page = "/account"

    def show_settings(self, req: falcon.Request, resp: falcon.Response,
                      failure: Failure | None = None) -> None:
        self.render(req, resp, "account/settings.html", failure=failure,
                    status=failure.status if failure else falcon.HTTP_200,
                    status_message=None if failure else status_message(req),
                    recovery_code_used=req.get_param("done") == "recovery-code-used",
                    few_recovery_codes=FEW_RECOVERY_CODES, **self.settings_of(req))

    def settings_of(self, req: falcon.Request) -> dict:
        """The account, its sessions and second factors, read from the same views as the API."""
        session, now = req.context.session, req.context.now
        account = self.wiring.accounts.by_id(session.account_id)
        rows = self.wiring.sessions.active_for_account(session.account_id, now)
        methods = account["two_factor"]["methods"]
        sudo_open = session.sudo_until is not None and session.sudo_until > now
        return {
            "account": account,
            "sessions": [{**row, "current": row["id"] == str(session.session_id)}
                         for row in rows],
            "sudo_until": session.sudo_until if sudo_open else None,
            "totp": next((m for m in methods if m["method"] == TOTP), None),
            "two_factor_on": bool(methods),
            "recovery_codes_left": account["two_factor"]["recovery_codes_left"],
            "security_keys": self.wiring.two_factor.security_keys(session.account_id),
            "tokens": self.wiring.api_tokens.active_for_account(session.account_id),
            "recovery_case": self.wiring.recovery_cases.of(session.account_id),
            "invitations": self.wiring.invitations.for_account(session.account_id, now),
        }


class AccountPage(AccountPages):
    endpoints = {"GET": Endpoint(SESSION, "Account settings")}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.show_settings(req, resp)


class HomePage(Page):
    endpoints = {"GET": Endpoint(PUBLIC, "The site's root: on to the account page")}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        see_other(resp, "/account")


class AccountAction(AccountPages):
    """A settings form: run one command, then 303 back to /account with a fixed message;
    when the command says no, the settings page again, with the message and its status."""

    schema: type[Schema] | None = None
    error_fields: dict = {}  # domain error kind -> the form field it concerns
    done = ""
    asks_first: str | None = None  # a page asking "are you sure?" before a form's `confirmed`

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        if self.asks_first and form.get("confirmed") != "yes":
            self.render(req, resp, self.asks_first, **self.settings_of(req))
            return
        try:
            self.act(req, validated(self.schema, form) if self.schema else form)
        except FAILURES as error:
            self.show_settings(req, resp, failure_of(error, self.error_fields))
            return
        see_other(resp, done("/account", self.done))

    def act(self, req: falcon.Request, data: dict) -> None:
        raise NotImplementedError


class ReauthenticationPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Confirm the password to open the sudo window")}
    schema = PasswordOnly
    error_fields = {WrongPassword: "password"}
    done = "password-confirmed"

    def act(self, req: falcon.Request, data: dict) -> None:
        self.app.reauthenticate(origin_of(req), req.context.session.session_id, data["password"])


class PasswordPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Change the password; every other session ends")}
    schema = PasswordChange
    error_fields = {WrongPassword: "current_password", WeakPassword: "new_password"}
    done = "password-changed"

    def act(self, req: falcon.Request, data: dict) -> None:
        self.app.change_password(origin_of(req), req.context.session.session_id,
                                 data["current_password"], data["new_password"])


class EndSessionPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "End one of my sessions")}
    done = "session-ended"

    def act(self, req: falcon.Request, data: dict) -> None:
        self.app.end_session(origin_of(req), id_of(data.get("session_id"), "active session"),
                             reason="revoked")
