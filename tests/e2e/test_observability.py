"""Observability through real gunicorn: metrics add up across workers, every log line is JSON."""

import json
import re

import pytest

pytestmark = pytest.mark.e2e
TOKEN = "e2e-metrics-token-0123456789"


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return {"WHARF_METRICS_TOKEN": TOKEN}


def health_count(web) -> float:
    text = web.call("GET", "/metrics", TOKEN).text
    found = re.search(r'wharf_http_requests_total\{method="GET",route="/api/health",'
                      r'status="200"\} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def test_a_scrape_of_any_worker_counts_the_requests_of_all_of_them(web):
    before = health_count(web)
    for _ in range(40):
        assert web.call("GET", "/api/health").status_code == 200

    assert [health_count(web) - before for _ in range(4)] == [40.0] * 4


def test_every_line_the_web_process_writes_is_json_with_request_ids(web, deployment):
    answer = web.call("GET", "/api/ready", headers={"X-Request-Id": "e2e-trace-1"})
    [server] = [p for p in deployment._processes if p.name.startswith("gunicorn")]
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line]

    assert answer.headers["X-Request-Id"] == "e2e-trace-1"
    assert any(line.get("request_id") == "e2e-trace-1" and line.get("route") == "/api/ready"
               for line in lines)
    assert any("Booting worker" in line["message"] for line in lines)  # gunicorn's own too
