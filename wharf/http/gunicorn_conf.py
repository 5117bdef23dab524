"""gunicorn's settings for `wharf serve`: JSON logs, a private directory where the workers keep
their Prometheus counts (removed when the server stops; a dead worker's gauges go too), and
workers that slow clients cannot hold.

Slow clients: each worker is a gevent worker, so a connection waiting for its client costs a
greenlet, not the worker; `/api/health` and log-ins stay answered while hundreds trickle
(`bench/slow_clients.py`, `tests/e2e/test_slow_clients.py`). And every wait is bounded:
- a request's line and headers must arrive in full within `keepalive` seconds of the
  connection's first byte (or of the previous answer, on a kept-alive connection), and an idle
  kept-alive connection is closed after as long (gunicorn's gevent worker, `keepalive`);
- its body must arrive within a deadline that grows with its Content-Length, or the
  connection is cut (`wharf/http/body_deadline.py`);
- a worker holds at most `worker_connections` connections; past that, new ones wait in the
  kernel's listen queue.
"""

import os
import shutil
import tempfile

from wharf.http import body_deadline
from wharf.logs import LOGGING

logconfig_dict = LOGGING
graceful_timeout = 30  # SIGTERM: stop accepting, let requests in flight finish, then exit
worker_class = "gevent"
worker_connections = 1000
keepalive = 5  # seconds

# Set before any worker imports prometheus_client: it picks its storage at import.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="wharf-metrics-")


def pre_request(worker, req) -> None:
    body_deadline.start(req)


def post_request(worker, req, environ, resp) -> None:
    body_deadline.cancel(req)


def worker_exit(server, worker) -> None:
    app = getattr(worker, "wsgi", None)
    if hasattr(app, "close"):
        app.close()


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
