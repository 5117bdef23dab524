"""GET /metrics for Prometheus: refused unless WHARF_METRICS_TOKEN is set and presented."""

import hmac

import falcon
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily

from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.errors import Problem
from wharf.http.observability import registry
from wharf.http.resources import Resource


class MetricsResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Prometheus metrics (Bearer WHARF_METRICS_TOKEN)", 200,
                                 errors=(403,), media=(CONTENT_TYPE_LATEST,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        expected = self.wiring.settings.metrics_token
        scheme, _, presented = (req.get_header("Authorization") or "").partition(" ")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
                presented.strip().encode(), expected.encode()):
            raise Problem(falcon.HTTP_403, "forbidden",
                          "metrics need the bearer token configured as WHARF_METRICS_TOKEN")
        lag = GaugeMetricFamily("wharf_projection_lag_events",
                                "Events in the log that some view has not applied yet",
                                value=self.wiring.projector.lag())
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = generate_latest(registry()) + generate_latest(_Fixed([lag]))


class _Fixed:
    """A registry-like source of metrics measured at scrape time."""

    def __init__(self, metrics: list):
        self._metrics = metrics

    def collect(self):
        return self._metrics
