"""A held log-in's emailed link, by form: its GET only shows a button (mail scanners open
links); only its POST, from the address that logged in, opens the session."""

import falcon

from wharf.domain.errors import DeviceElsewhere, InvalidToken
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.login import LoginSteps
from wharf.http.pages.render import no_store
from wharf.http.schemas.common import VerificationToken


class ConfirmDevicePage(LoginSteps):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The emailed new-device link's page: a confirm button"),
        "POST": Endpoint(PUBLIC, "Confirm the held log-in: the session, from the address that "
                                 "logged in"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        self.render(req, resp, "login/confirm_device.html", token=req.get_param("token") or "",
                    elsewhere=False, dead=False)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)
        form = self.form(req)
        try:
            data = validated(VerificationToken, form)
            new = self.app.confirm_new_device(origin_of(req), data["token"])
        except FAILURES as error:
            failure = failure_of(error)
            self.render(req, resp, "login/confirm_device.html", status=failure.status,
                        failure=failure, token="",
                        elsewhere=isinstance(error, DeviceElsewhere),
                        dead=isinstance(error, InvalidToken))
            return
        self.logged_in(resp, new)
