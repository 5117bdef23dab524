"""The two-factor forms of the settings page: TOTP enrolment and removal, recovery codes.

The TOTP secret and recovery codes are shown once, on a page rendered straight from the POST
and sent with Cache-Control: no-store; everything else redirects back to /account.
"""

import falcon

from wharf.domain.errors import InvalidInput
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages.account import AccountAction, AccountPages
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done
from wharf.http.pages.render import no_store, see_other
from wharf.http.schemas.two_factor import TotpCode


class TotpEnrolmentPage(AccountPages):
    endpoints = {"POST": Endpoint(SESSION, "Start TOTP enrolment: the QR code and the secret")}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.form(req)
        try:
            enrolment = self.app.start_totp(origin_of(req))
        except FAILURES as error:
            self.show_settings(req, resp, failure_of(error))
            return
        no_store(resp)
        self.render(req, resp, "account/totp_enrol.html", enrolment=enrolment,
                    label="Authenticator app")


class TotpConfirmationPage(AccountPages):
    endpoints = {"POST": Endpoint(SESSION, "Enable TOTP with a code; the first factor also"
                                           " shows recovery codes, once")}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = self.form(req)
        no_store(resp)
        try:
            data = validated(TotpCode, form)
            codes = self.app.confirm_totp(origin_of(req), data["code"], data["label"])
        except FAILURES as error:
            failure = failure_of(error, {InvalidInput: "code"})
            if failure.reauthenticate:
                self.show_settings(req, resp, failure)
                return
            self.render(req, resp, "account/totp_enrol.html", status=failure.status,
                        failure=failure, enrolment=None,
                        label=form.get("label", "Authenticator app"))
            return
        if codes:
            self.render(req, resp, "account/recovery_codes.html", codes=codes)
        else:
            see_other(resp, done("/account", "totp-enabled"))


class TotpRemovalPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Remove TOTP (asks first); every other session ends")}
    done = "totp-removed"
    asks_first = "account/totp_remove.html"

    def act(self, req: falcon.Request, data: dict) -> None:
        self.app.disable_totp(origin_of(req))


class RecoveryCodesPage(AccountPages):
    endpoints = {"POST": Endpoint(SESSION, "Replace every recovery code; shown once")}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.form(req)
        try:
            codes = self.app.regenerate_recovery_codes(origin_of(req))
        except FAILURES as error:
            self.show_settings(req, resp, failure_of(error))
            return
        no_store(resp)
        self.render(req, resp, "account/recovery_codes.html", codes=codes)
