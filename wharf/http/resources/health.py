"""Liveness and readiness, for load balancers and orchestrators: public, cheap, no secrets."""

import falcon

from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.errors import RETRY_AFTER, Problem
from wharf.http.resources import Resource
from wharf.http.schemas.health import Health


class Liveness(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "The process answers (the store is not asked)", 200,
                                 None, Health)}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"status": "alive"}


class Readiness(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Ready for traffic: the store answers and the views are"
                                 " caught up within WHARF_READY_MAX_LAG events", 200, None,
                                 Health, (503,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        lag = self.wiring.projector.lag()
        if lag > self.wiring.settings.ready_max_lag:
            raise Problem(falcon.HTTP_503, "views_behind",
                          f"the views are {lag} events behind the log",
                          headers={"Retry-After": RETRY_AFTER})
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"status": "ready", "lag": lag}
