"""Slow clients cannot take Wharf down: `wharf serve`, as the Procfile runs it, keeps answering
`/api/health` and log-ins within a second while 50 connections trickle their requests a byte at
a time (headers, bodies, a Content-Length longer than the body sent, silence, idle keep-alive),
and cuts every one of them off in bounded time. On both stores: SQLite is the quick start's."""

import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.client import Api
from tests.e2e.slow_clients import BODY_LENGTH, SlowClients
from wharf.http.body_deadline import BODY_GRACE, BODY_MIN_RATE

pytestmark = pytest.mark.e2e

ANSWER_WITHIN = 1.0  # seconds
# The bounds `wharf serve` sets, plus slack for a busy machine. gunicorn_conf is not imported
# here: importing it points this process's Prometheus client at a directory of its own.
HEAD_LIMIT = 5.0  # `keepalive`: a request's head, and an idle kept-alive connection
BODY_LIMIT = BODY_GRACE + BODY_LENGTH / BODY_MIN_RATE
SLACK = 3.0


@pytest.fixture(scope="module", params=["postgres", "sqlite"])
def extra_environ(request) -> dict[str, str]:
    return {"WHARF_DATABASE_URL": ""} if request.param == "sqlite" else {}


@pytest.fixture(scope="module")
def served(deployment) -> Api:
    server = deployment.start_server(workers=2, cli=True)
    deployment.wait_until_ready(server)
    api = Api(server.url)
    api.register("patient")
    return api


def timed(call) -> tuple[float, int]:
    begin = time.monotonic()
    status = call().status_code
    return time.monotonic() - begin, status


def test_health_and_log_in_answer_within_a_second_while_50_slow_clients_trickle(served):
    address = urlsplit(served.url)
    served.timeout = 10  # an answer that does not come shows as slow, not as a hung test
    with SlowClients(address.hostname, address.port, count=50, interval=1.0,
                     seconds=30) as slow:
        time.sleep(1.5)  # every slow connection is in, and has trickled
        rounds = []
        for _ in range(3):
            open_now = len(slow.open())
            health = timed(lambda: served.call("GET", "/api/health"))
            log_in = timed(lambda: served.call("POST", "/api/session", json={
                "username": "patient", "password": "correct horse battery staple"}))
            rounds.append((open_now, health, log_in))

    for open_now, (health_s, health_status), (log_in_s, log_in_status) in rounds:
        assert open_now == 50, rounds  # the slow clients were all still holding on
        assert health_status == 200 and health_s < ANSWER_WITHIN, rounds
        assert log_in_status == 201 and log_in_s < ANSWER_WITHIN, rounds


def test_every_kind_of_slow_client_is_cut_off_in_bounded_time(served):
    address = urlsplit(served.url)
    slow = SlowClients(address.hostname, address.port, count=10, interval=1.0,
                       seconds=BODY_LIMIT + 2 * SLACK)
    with slow:
        deadline = time.monotonic() + BODY_LIMIT + 2 * SLACK
        while slow.open() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert slow.open() == [], [conn.kind for conn in slow.open()]
    for kind in ("headers", "idle", "kept"):
        assert slow.held_longest(kind) < HEAD_LIMIT + SLACK, kind
    for kind in ("body", "short"):
        assert BODY_LIMIT - 1 < slow.held_longest(kind) < BODY_LIMIT + SLACK, kind
        for conn in slow.connections:
            if conn.kind == kind:
                assert conn.answer.startswith(b"HTTP/1.1 408 "), conn.answer[:200]
    kept = [conn for conn in slow.connections if conn.kind == "kept"]
    assert all(conn.answer.startswith(b"HTTP/1.1 200 ") for conn in kept)
