"""Request ids, metrics and the log line of every command and refusal, as plain ASGI.

Outermost of the middleware, so it sees every answer, the ballot lane's and the body guard's
included. Per request it costs a clock read, two metric updates and, for a command or a refusal,
one log line: no thread hop, no body read.

What a line says about a request: its method, route template (`/api/v1/cycles/{cycle}/ballots`,
never the path, which may hold a receipt code), status, duration, the caller's role as the
endpoint established it (never the subject), and the cycle's or proposal's id when the route
names one. Never the client's address, a header or the body (docs/adr/0004).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from http import HTTPStatus
from typing import Any
from uuid import UUID

from starlette.types import Receive, Scope, Send

from service import metrics
from service.api.response_headers import HttpMiddleware, adding
from service.logs import REQUEST_ID

LOG = logging.getLogger("medborgarbudget.requests")
FACTS = "medborgarbudget.facts"  # the scope key of the request's RequestFacts
HEADER = b"x-request-id"
# A caller's own id is echoed when it looks like one a proxy makes (a UUID, nginx's
# $request_id): at least 16 hex digits and dashes, so no personnummer or name passes.
CALLERS_ID = re.compile(rb"[0-9a-fA-F-]{16,64}")
READS = frozenset({"GET", "HEAD", "OPTIONS"})
BALLOTS_ROUTE = "/api/v1/cycles/{cycle}/ballots"
UNMATCHED = "unmatched"


class RequestFacts:
    """What the endpoint learnt that the log line may say; set on the way, read at the end."""

    __slots__ = ("cycle", "role", "route")

    def __init__(self) -> None:
        self.role: str | None = None
        self.route: str | None = None  # when no router matched (the ballot lane)
        self.cycle: str | None = None


def facts(scope: Scope) -> RequestFacts | None:
    found: RequestFacts | None = scope.get(FACTS)
    return found


def note_role(scope: Scope, role: str) -> None:
    found = facts(scope)
    if found is not None:
        found.role = role


class Observability(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        noted = RequestFacts()
        scope[FACTS] = noted
        status = [500]  # until the response starts
        try:
            await self.app(scope, receive,
                           adding(((HEADER, request_id.encode()),), send, started=status.append))
        finally:
            self._record(scope, noted, status[-1], time.perf_counter() - started)
            REQUEST_ID.reset(token)

    @staticmethod
    def _record(scope: Scope, noted: RequestFacts, status: int, seconds: float) -> None:
        method = scope["method"]
        route = _route(scope, noted)
        _child(metrics.REQUESTS, method, route, str(status)).inc()
        _child(metrics.LATENCY, method, route).observe(seconds)
        if route == BALLOTS_ROUTE and method == "POST" and status == 201:
            _child(metrics.BALLOTS, "digital").inc()
        if method in READS and status < 400:
            return
        line: dict[str, Any] = {
            "event": "refusal" if status >= 400 else "command",
            "method": method, "route": route, "status": status,
            "outcome": _phrase(status),
            "role": noted.role or "anonymous",
            "duration_ms": round(seconds * 1000, 3),
        }
        params = scope.get("path_params") or {}
        cycle = noted.cycle or uuid_or_none(params.get("cycle"))
        if cycle is not None:
            line["cycle"] = cycle
        proposal = uuid_or_none(params.get("proposal"))
        if proposal is not None:
            line["proposal"] = proposal
        level = logging.ERROR if status >= 500 else logging.INFO
        LOG.log(level, line["event"], extra=line)


_CHILDREN: dict[tuple[Any, ...], Any] = {}
_PHRASES: dict[int, str] = {}


def _child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, kept: prometheus-client checks and locks on every call, and
    every ballot passes here. Routes are templates and statuses few, so the set stays small."""
    key = (id(metric), *labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*labels)
    return child


def _phrase(status: int) -> str:
    phrase = _PHRASES.get(status)
    if phrase is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = str(status)
        _PHRASES[status] = phrase
    return phrase


_ID_PREFIX = os.urandom(8).hex()
_ID_COUNTER = itertools.count(1)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER:
            if CALLERS_ID.fullmatch(value):
                return value.decode()
            break
    # Unique, not secret: a random prefix per process and a counter (no system call each).
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def _route(scope: Scope, noted: RequestFacts) -> str:
    if noted.route is not None:
        return noted.route
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED


def uuid_or_none(value: Any) -> str | None:
    """An id taken from a path only if it is one: a path segment is the caller's input, and a
    mistyped URL must not carry, say, a personnummer into the log."""
    if not isinstance(value, str):
        return None
    try:
        return str(UUID(value))
    except ValueError:
        return None
