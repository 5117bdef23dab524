"""gunicorn's settings for `wharf serve`: JSON logs, and a private directory where the workers
keep their Prometheus counts (removed when the server stops; a dead worker's gauges go too)."""

import os
import shutil
import tempfile

from wharf.logs import LOGGING

logconfig_dict = LOGGING
graceful_timeout = 30  # SIGTERM: stop accepting, let requests in flight finish, then exit

# Set before any worker imports prometheus_client: it picks its storage at import.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="wharf-metrics-")


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def _without_server_header() -> None:
    """gunicorn writes `Server: gunicorn` on every answer and offers no setting to stop it;
    naming the server only helps whoever looks for its known flaws. Its own error pages
    (a malformed request line) carry no such header."""
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers
    if getattr(default_headers, "wharf", False):
        return

    def without_server(self) -> list[str]:
        return [h for h in default_headers(self) if not h.startswith("Server:")]

    without_server.wharf = True
    wsgi.Response.default_headers = without_server


_without_server_header()  # in the master, before any worker forks
