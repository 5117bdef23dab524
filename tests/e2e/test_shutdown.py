"""Stopping gracefully: a request in flight still gets its answer when the web server is told to
stop, and a projection process told to stop hands the lead to one standing by."""

import json
import signal
import socket
import time
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e
WAIT = 10.0


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def messages(process) -> list[str]:
    """The messages of the complete lines the process has logged so far."""
    text = process.log.read_text() if process.log.exists() else ""
    return [json.loads(line)["message"] for line in text.splitlines(keepends=True)
            if line.startswith("{") and line.endswith("\n")]


def test_a_request_in_flight_is_answered_when_the_server_is_told_to_stop(deployment):
    server = deployment.start_server(workers=1)
    deployment.wait_until_ready(server)
    address = urlsplit(server.url)
    body = json.dumps({"username": "latecomer", "password": "correct horse battery staple",
                       "email": "latecomer@example.com"}).encode()
    with socket.create_connection((address.hostname, address.port), timeout=WAIT) as client:
        client.sendall(b"POST /api/accounts HTTP/1.1\r\nHost: wharf\r\n"
                       b"Content-Type: application/json\r\nConnection: close\r\n"
                       + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        time.sleep(0.3)  # the worker is now reading the body
        server.process.popen.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        client.sendall(body[10:])
        answer = client.makefile("rb").read()

    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert server.process.popen.wait(timeout=WAIT) == 0
    with pytest.raises(OSError):
        socket.create_connection((address.hostname, address.port), timeout=1).close()


def test_a_projection_process_told_to_stop_hands_the_lead_to_its_standby(deployment):
    first = deployment.start_projections("projections-first")
    wait_for(lambda: "leading the projections" in messages(first), "the first did not lead")
    second = deployment.start_projections("projections-second")
    wait_for(lambda: "standing by: another process leads the projections" in messages(second),
             "the second did not stand by")

    first.popen.send_signal(signal.SIGTERM)

    assert first.popen.wait(timeout=WAIT) == 0
    assert "stopped; the projections are free for another process to lead" in messages(first)
    wait_for(lambda: "leading the projections" in messages(second), "the standby did not lead")
