"""The busiest request of a voting day, a resident casting a ballot, without the framework's
per-request machinery (ADR 0010).

`POST /api/v1/cycles/{cycle}/ballots` with a valid resident token, a valid body and no
Idempotency-Key is answered here; every other request, and every one of these that would be
refused before reaching the domain (no or bad token, another role, a body that does not
validate), goes on to the FastAPI route, which gives the documented answer. Both call the same
`cast_digital_ballot`, and a domain refusal is rendered by the same `domain_problem`, so the
answers are the same whichever way a request took.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.errors import DomainError
from service.api.auth import AuthError, Principal, Role, TokenVerifier, bearer_token
from service.api.body_guard import replaying
from service.api.observability import BALLOTS_ROUTE, facts, uuid_or_none
from service.api.problems import domain_problem
from service.api.receipts import cast_command, cast_digital_ballot, receipt
from service.api.schemas import BallotIn
from service.application import Medborgarbudget
from service.ballot_intake import BallotStored
from service.group_commit import StaleRead

PATH = re.compile(r"/api/v1/cycles/([^/]+)/ballots")


class BallotLane:
    def __init__(self, app: ASGIApp, application: Medborgarbudget,
                 tokens: TokenVerifier) -> None:
        self.app = app
        self.application = application
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PATH.fullmatch(scope["path"]) if scope["type"] == "http" \
            and scope["method"] == "POST" else None
        principal = self._resident(scope) if match is not None else None
        if match is None or principal is None:
            await self.app(scope, receive, send)
            return
        noted = facts(scope)
        if noted is not None:  # for the log line and the metrics: the route this lane serves
            noted.route, noted.role, noted.cycle = (BALLOTS_ROUTE, principal.role.value,
                                                      uuid_or_none(match.group(1)))
        body = await _whole_body(receive)
        if body is None:
            return  # the client went away
        try:
            data = BallotIn.model_validate_json(body)
        except ValidationError:
            await self.app(scope, replaying(body, receive), send)
            return
        response = await self._cast_without_waiting(match.group(1), data, principal)
        if response is None:  # nothing loaded yet, or a refusal to confirm on fresh state
            response = await run_in_threadpool(self._cast, match.group(1), data, principal)
        await response(scope, receive, send)

    def _resident(self, scope: Scope) -> Principal | None:
        authorization = None
        for name, value in scope["headers"]:
            if name == b"idempotency-key":
                return None
            if name == b"authorization":
                authorization = value
        if authorization is None:
            return None
        try:
            principal = self.tokens.verify(bearer_token(authorization.decode("latin-1")))
        except AuthError:
            return None
        return principal if principal.role is Role.RESIDENT else None

    async def _cast_without_waiting(self, cycle: str, data: BallotIn,
                                    who: Principal) -> Response | None:
        """Decided here on the event loop, written by the group commit's own thread: no
        thread hand-off per ballot. None when it must be done the blocking way."""
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[BallotStored | BaseException] = loop.create_future()

        def done(outcome: BallotStored | BaseException) -> None:
            loop.call_soon_threadsafe(_settle, stored, outcome)

        if not self.application.ballots.cast_without_waiting(cast_command(cycle, data, who),
                                                             done):
            return None
        outcome = await stored
        if isinstance(outcome, StaleRead):
            return None
        if isinstance(outcome, DomainError):
            return domain_problem(outcome, self.application)
        if isinstance(outcome, BaseException):
            raise outcome
        return receipt(outcome)

    def _cast(self, cycle: str, data: BallotIn, who: Principal) -> Response:
        try:
            return cast_digital_ballot(self.application, cycle, data, who)
        except DomainError as error:
            return domain_problem(error, self.application)


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if not future.done():  # the request may have been cancelled meanwhile
        future.set_result(outcome)


async def _whole_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
