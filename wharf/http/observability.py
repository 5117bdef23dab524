"""Every request gets an id (the caller's X-Request-Id when it is sane, else a new one), one
JSON access-log line and its Prometheus counts: requests by route and status, latency by
route, and authentication failures by reason.

Under gunicorn each worker writes its counts to PROMETHEUS_MULTIPROC_DIR (set up by
wharf/http/gunicorn_conf.py) and a scrape of any worker adds them all up.
"""

import logging
import os
import re
import secrets
import time

import falcon
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

from wharf.logs import request_id

log = logging.getLogger("wharf.access")
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
AUTH_FAILURES = (401, 403, 429)

REGISTRY = CollectorRegistry()  # ours alone: no process or platform collectors
REQUESTS = Counter("wharf_http_requests", "Requests answered", ["route", "method", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("wharf_http_request_duration_seconds", "Time to answer a request",
                    ["route", "method"], registry=REGISTRY,
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
AUTH_FAILED = Counter("wharf_auth_failures", "Requests refused for who was asking, by reason",
                      ["reason"], registry=REGISTRY)
# Each (route, method, status)'s children, found once: `labels()` takes a lock and checks its
# arguments on every call. As many entries as the metrics themselves hold.
_COUNTED: dict[tuple[str, str, int], tuple] = {}


def registry() -> CollectorRegistry:
    """What a scrape reports: every worker's counts under gunicorn, else this process's."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    return combined


class Observability:
    """Middleware; first in the chain, so it sees every request, refused or not."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = req.get_header("X-Request-Id") or ""
        req.context.request_id = given if SANE_ID.fullmatch(given) else secrets.token_hex(16)
        req.context.started = time.perf_counter()
        req.context.problem_code = None
        request_id.set(req.context.request_id)

    def process_response(self, req: falcon.Request, resp: falcon.Response, resource,
                         req_succeeded: bool) -> None:
        elapsed = time.perf_counter() - req.context.started
        route, status = req.uri_template or "(no route)", resp.status_code
        requests, latency = _children(route, req.method, status)
        requests.inc()
        latency.observe(elapsed)
        if status in AUTH_FAILURES:
            AUTH_FAILED.labels(req.context.problem_code or str(status)).inc()
        resp.set_header("X-Request-Id", req.context.request_id)
        log.info("%s %s %s", req.method, route, status, extra={"fields": {
            "method": req.method, "route": route, "status": status,
            "duration_ms": round(elapsed * 1000, 2), "ip": getattr(req.context, "ip", None)}})
        request_id.set(None)


def _children(route: str, method: str, status: int) -> tuple:
    """The request counter's and the latency histogram's children for these labels."""
    key = (route, method, status)
    children = _COUNTED.get(key)
    if children is None:
        children = _COUNTED[key] = (REQUESTS.labels(route, method, str(status)),
                                    LATENCY.labels(route, method))
    return children
