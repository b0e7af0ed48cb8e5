"""Structured logs: one JSON object a line on standard output, with the request's id.

What a line may hold is decided where it is written (service/api/observability.py): the route
template, never the path (paths hold receipt codes and ids); the caller's role, never who they
are; the cycle's id, a public one. No client address, no token, no personnummer is ever passed
to a logger, so none can reach a line (docs/adr/0004).
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

import orjson

# The id of the request being answered; thread-pool calls inherit it (contextvars are copied).
REQUEST_ID: ContextVar[str | None] = ContextVar("medborgarbudget_request_id", default=None)

# LogRecord's own attributes: whatever else a record carries came in `extra=` and is logged.
# uvicorn adds `color_message`, the message again with terminal colours: noise in a log file.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName",
                                                          "color_message"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonLines())
    return handler


# Libraries that log whole URLs at INFO (httpx: each request to the identity provider; a URL
# may carry a code or a token): only their warnings are logged.
NOISY = ("httpx", "httpcore", "authlib")


def quiet_noisy_loggers() -> None:
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Every logger of the process (ours, uvicorn's, the library's) as JSON lines."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    root.setLevel(level)
    quiet_noisy_loggers()
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


# uvicorn's logging configuration, for the worker processes it starts (`serve --workers N`):
# everything goes to the root logger, which writes JSON lines.
UVICORN_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.logs.JsonLines"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {**{name: {"handlers": [], "propagate": True, "level": "INFO"}
                   for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
                **{name: {"level": "WARNING"} for name in NOISY}},
}
