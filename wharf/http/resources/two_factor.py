"""The logged-in account's second factors: TOTP enrolment and removal, recovery codes."""

import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.common import dump
from wharf.http.schemas.two_factor import (
    RecoveryCodeList,
    RecoveryCodesLeft,
    TotpCode,
    TotpEnrolmentView,
)

CHANGE_ERRORS = (400, 401, 403, 404, 409)


class TotpResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Start TOTP enrolment (sudo window, verified primary email):"
                         " the secret, its otpauth URI and a QR code", 201, None,
                         TotpEnrolmentView, CHANGE_ERRORS),
        "DELETE": Endpoint(SESSION, "Remove TOTP (sudo window); every other session ends", 204,
                           errors=CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        enrolment = self.app.start_totp(origin_of(req))
        resp.status = falcon.HTTP_201
        resp.media = dump(TotpEnrolmentView, {
            "secret": enrolment.secret, "uri": enrolment.uri, "qr_svg": enrolment.qr_svg})

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.app.disable_totp(origin_of(req))
        resp.status = falcon.HTTP_204


class TotpConfirmationResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Enable (or replace) TOTP with a code from the app; the first"
                         " factor also returns recovery codes, shown once", 200,
                         TotpCode, RecoveryCodeList, CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, TotpCode)
        codes = self.app.confirm_totp(origin_of(req), data["code"], data["label"])
        resp.media = dump(RecoveryCodeList, {"recovery_codes": codes})


class RecoveryCodesResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "How many recovery codes are left", 200, None,
                        RecoveryCodesLeft, (401,)),
        "POST": Endpoint(SESSION, "Replace every recovery code (password confirmed within 5"
                         " minutes); shown once", 201, None, RecoveryCodeList,
                         CHANGE_ERRORS),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        left = self.wiring.two_factor.recovery_codes_left(req.context.session.account_id)
        resp.media = dump(RecoveryCodesLeft, {"recovery_codes_left": left})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        codes = self.app.regenerate_recovery_codes(origin_of(req))
        resp.status = falcon.HTTP_201
        resp.media = dump(RecoveryCodeList, {"recovery_codes": codes})
