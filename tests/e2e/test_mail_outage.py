"""A mail server that cannot be reached delays mail; it must not stop the projection process."""

import time

import pytest

from tests.e2e.processes import free_port

pytestmark = pytest.mark.e2e

WATCH = 1.5  # seconds: many passes of `wharf projections run --interval 0.1`


@pytest.fixture(scope="module")
def extra_environ() -> dict[str, str]:
    return {"WHARF_SMTP_URL": f"smtp://127.0.0.1:{free_port()}"}  # nothing listens there


def test_the_projection_process_keeps_running_while_the_mail_server_is_down(web, projections):
    web.register("patient")

    deadline = time.monotonic() + WATCH
    while time.monotonic() < deadline:
        assert projections.popen.poll() is None, projections.log_tail(5)
        time.sleep(0.1)
