"""Request ids, JSON log lines and Prometheus metrics, as an operator reads them."""

import json
import logging
from dataclasses import replace

import pytest

from tests.integration.conftest import PASSWORD
from wharf.logs import JsonFormatter

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def log_lines():
    """Every log line written while the test runs, as the JSON objects they are."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_answer_carries_a_request_id_and_a_sane_given_one_is_kept(api):
    given = api.call("GET", "/api/health", headers={"X-Request-Id": "lb-1234.abc"})
    insane = api.call("GET", "/api/health", headers={"X-Request-Id": "x" * 65})
    fresh = api.call("GET", "/api/ready")

    assert given.headers["X-Request-Id"] == "lb-1234.abc"
    assert len(insane.headers["X-Request-Id"]) == 32 != 65
    assert fresh.headers["X-Request-Id"] != insane.headers["X-Request-Id"]


def test_each_request_logs_one_json_line_by_route_and_never_a_secret(api, log_lines):
    session = api.user("alice")
    added = api.call("POST", "/api/account/emails", session, json={"email": "x@example.com"})
    api.call("DELETE", "/api/account/emails/x@example.com", session,
             headers={"X-Request-Id": "trace-me"})

    access = [line for line in log_lines if line["logger"] == "wharf.access"]
    assert added.status_code == 201
    assert [line["route"] for line in access][-2:] == [
        "/api/account/emails", "/api/account/emails/{email}"]
    assert access[-1]["request_id"] == "trace-me" and access[-1]["status"] == 204
    text = json.dumps(log_lines)
    assert PASSWORD not in text and session not in text and "x@example.com" not in text


def test_metrics_are_refused_without_the_configured_token(api):
    assert api.call("GET", "/metrics").status_code == 403  # none configured: never shown
    api.wiring.settings = replace(api.wiring.settings, metrics_token=TOKEN)

    assert api.call("GET", "/metrics").status_code == 403
    assert api.call("GET", "/metrics", "wrong-token").status_code == 403
    assert api.call("GET", "/metrics", TOKEN).status_code == 200


def test_metrics_count_requests_latency_refusals_and_projection_lag(api):
    api.wiring.settings = replace(api.wiring.settings, metrics_token=TOKEN)
    api.register("alice")
    api.call("POST", "/api/session", json={"username": "alice", "password": "wrong"})

    text = api.call("GET", "/metrics", TOKEN).text

    assert 'wharf_http_requests_total{method="POST",route="/api/accounts",status="201"}' in text
    assert 'wharf_http_request_duration_seconds_bucket{le="0.001",method="POST"' in text
    assert 'wharf_auth_failures_total{reason="invalid_credentials"}' in text
    assert "wharf_projection_lag_events 0.0" in text
