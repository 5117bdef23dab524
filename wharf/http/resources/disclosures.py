"""POST /_/secrets/disclose-token: a trusted reporter tells us where our tokens leaked."""

import falcon

from wharf.http.auth import origin_of
from wharf.http.body import read_bounded
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.errors import Problem
from wharf.http.resources import Resource
from wharf.security.api_tokens import TokenRefused
from wharf.security.disclosures import KEY_HEADER, SIGNATURE_HEADER, Reporters


class DisclosureResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Report leaked API tokens (signed by a configured reporter);"
                         " each valid one is revoked and its owner emailed. Always 204.", 204),
    }

    def __init__(self, wiring):
        super().__init__(wiring)
        self._reporters = Reporters(wiring.settings.token_reporter_keys)

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            body = read_bounded(req, self.wiring.settings.max_body_bytes)
        except Problem:
            body = b""  # too large or unframed: no report, and the same answer as always
        reports = self._reporters.verified(body, req.get_header(KEY_HEADER),
                                           req.get_header(SIGNATURE_HEADER))
        for report in reports:
            try:
                token_id, _ = self.wiring.upload_authority.identify(report.token)
            except TokenRefused:
                continue  # not one of ours, or already dead: nothing to do, nothing to say
            self.app.revoke_leaked_token(origin_of(req), token_id, report.url)
        resp.status = falcon.HTTP_204
