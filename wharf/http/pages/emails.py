"""The email-address forms of the settings page: add, make primary, remove (sudo window), and
send a new verification link."""

from wharf.domain.errors import Conflict, InvalidInput
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages.account import AccountAction
from wharf.http.schemas.accounts import NewEmail


class AddEmailPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Add an email address; it is sent a link")}
    schema = NewEmail
    error_fields = {Conflict: "email", InvalidInput: "email"}
    done = "email-added"

    def act(self, req, data: dict) -> None:
        self.app.add_email(origin_of(req), data["email"])


class PrimaryEmailPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Make a verified address the primary one")}
    schema = NewEmail
    done = "email-primary"

    def act(self, req, data: dict) -> None:
        self.app.make_primary_email(origin_of(req), data["email"])


class RemoveEmailPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Remove a non-primary address")}
    schema = NewEmail
    done = "email-removed"

    def act(self, req, data: dict) -> None:
        self.app.remove_email(origin_of(req), data["email"])


class VerificationResendPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Send an unverified address a new verification link")}
    schema = NewEmail
    done = "verification-sent"

    def act(self, req, data: dict) -> None:
        self.app.resend_verification(origin_of(req), data["email"])
