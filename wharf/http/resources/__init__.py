"""Falcon resources: nouns with on_<method> responders that translate HTTP to commands and views."""

import falcon

from wharf.http import body
from wharf.http.endpoint import answering_head


class Resource:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        answering_head(cls)

    def __init__(self, wiring):
        self.wiring = wiring
        self.app = wiring.app

    def load(self, req: falcon.Request, schema) -> dict:
        return body.load(req, schema, self.wiring.settings.max_body_bytes)
