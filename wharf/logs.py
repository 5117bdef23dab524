"""Structured logs: one JSON object per line, carrying the id of the request being served.

Messages are written by Wharf's own code and never hold a secret; a request is logged by its
route template (`/api/account/emails/{email}`), never its raw path or query.
"""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
                     timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


# For gunicorn's `logconfig_dict` as well: its own lines ("Booting worker") come out as JSON too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
                "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False}},
}


def configure() -> None:
    """JSON lines on stderr for every logger (the CLI, the web and projection processes)."""
    # A line names no caller, thread or process, so no record looks them up (the logging
    # HOWTO's "Optimization"): that was most of the cost of each request's access line.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
