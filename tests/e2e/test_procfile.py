"""The Procfile as honcho and hosting platforms run it: the web process takes its port from
PORT."""

import time

import pytest
import requests

from tests.e2e.processes import READY_TIMEOUT, free_port

pytestmark = pytest.mark.e2e


def test_the_web_process_listens_on_the_port_it_is_given(deployment):
    port = free_port()
    web = deployment.start_procfile("web", port)

    deadline, answer = time.monotonic() + READY_TIMEOUT, None
    while answer is None and time.monotonic() < deadline and web.popen.poll() is None:
        try:
            answer = requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
        except (requests.ConnectionError, requests.Timeout):  # not listening, or still booting
            time.sleep(0.2)
    web.stop()

    assert answer is not None and answer.status_code == 200, web.log_tail()
    assert f"0.0.0.0:{port}" in web.log_tail(lines=200)  # every interface, as platforms need
