"""Recovery cases by form: the emailed cancel link's page (its GET only shows the form: mail
scanners open links), and the account page's cancel button."""

import falcon

from wharf.domain.errors import InvalidToken
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.account import AccountAction
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.render import no_store
from wharf.http.schemas.common import VerificationToken


class RecoveryCancelPage(Page):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The emailed link's page: a button that cancels the recovery"
                        " case"),
        "POST": Endpoint(PUBLIC, "Cancel a recovery case with the emailed token"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        self.render(req, resp, "recovery/cancel.html", token=req.get_param("token") or "",
                    cancelled=False)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)
        form = self.form(req)
        try:
            token = validated(VerificationToken, form)["token"]
            self.app.cancel_recovery_case_by_link(origin_of(req), token)
        except FAILURES as error:
            failure = failure_of(error)
            dead = isinstance(error, InvalidToken)
            self.render(req, resp, "recovery/cancel.html", status=failure.status,
                        failure=failure, cancelled=False,
                        token="" if dead else form.get("token", ""))
            return
        self.render(req, resp, "recovery/cancel.html", token="", cancelled=True)


class OwnRecoveryCancelPage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Cancel the open recovery case of your account")}
    done = "recovery-cancelled"

    def act(self, req, data: dict) -> None:
        self.app.cancel_own_recovery_case(origin_of(req))
