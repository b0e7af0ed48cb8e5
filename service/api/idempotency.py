"""Idempotency-Key on POST: a retried request returns the first response and stores nothing twice.

The record of a keyed request lives in a table of the event store with an expiry
(service/recorders.py), not in the event log, and holds no personal data: its scope is a keyed
hash of (caller, method, path, key) and its fingerprint a keyed hash of the canonical request
(JSON with sorted keys), so the same request from another client library matches, and nobody
without the deployment secret can test a guess of who sent what. It is written in the same
transaction as the command's events, so either both are stored or neither. A ballot's record
holds its answer (the receipt) from that transaction on, so a retry after a crash gets it;
other commands add their answer just after (a retry in between is told to fetch the resource).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol, cast

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from fastapi.responses import JSONResponse

from domain.errors import Conflict, DomainError, InvalidInput
from service.application import Medborgarbudget
from service.recorders import IdempotencyRecord, RepeatedRequest, StoredAnswer

# Answers a request; given the request's idempotency record to write with its events, if keyed.
Handler = Callable[[IdempotencyRecord | None], JSONResponse]

MAX_KEY_LENGTH = 200
REPLAY_WAIT_SECONDS = 5.0
KEPT_SECONDS = 24 * 3600  # a client retries within minutes; a day covers any outage


class IdempotentRequest(Aggregate):
    """How keyed requests were recorded before they moved out of the event log (ADR 0008).
    No new ones are written; the class stays so that stores holding them still load."""

    TOPIC = "medborgarbudget:IdempotentRequest"

    class Created(Aggregate.Created):
        TOPIC = "medborgarbudget:IdempotentRequest.Created"

    @event("Received", topic="medborgarbudget:IdempotentRequest.Received")
    def __init__(self, scope: str, fingerprint: str, at: Any) -> None:
        self.fingerprint = fingerprint

    @event("Answered", topic="medborgarbudget:IdempotentRequest.Answered")
    def answered(self, status: int, body: Any) -> None:
        self.status = status


class AnswerStore(Protocol):
    def stored_answer(self, scope: str) -> StoredAnswer | None: ...
    def answer_request(self, scope: str, status: int, body: bytes) -> None: ...


def _answers(app: Medborgarbudget) -> AnswerStore:
    return cast(AnswerStore, app.recorder)


def canonical_request(body: bytes) -> bytes:
    """The request as its meaning, not its bytes: the same JSON in another key order or
    spacing is the same request."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def keyed_request(app: Medborgarbudget, key: str, caller: str, method: str, path: str,
                  body: bytes) -> IdempotencyRecord:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    scope = app.keyed_digest("idempotency scope", f"{caller}\x1f{method}\x1f{path}\x1f{key}")
    fingerprint = app.keyed_digest("idempotency request", canonical_request(body))
    return IdempotencyRecord(scope, fingerprint, time.time() + KEPT_SECONDS,
                             lambda positions: None)


def _replay(app: Medborgarbudget, record: IdempotencyRecord) -> JSONResponse | None:
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while True:
        stored = _answers(app).stored_answer(record.scope)
        if stored is None:
            return None
        if stored.fingerprint != record.fingerprint:
            raise InvalidInput(
                "Idempotency-Key", "was already used with a different request body"
            )
        if stored.status is not None and stored.body is not None:
            return JSONResponse(json.loads(stored.body), status_code=stored.status,
                                headers={"Idempotent-Replayed": "true"})
        if time.monotonic() > deadline:
            raise Conflict("A request with this Idempotency-Key was stored, but its answer is "
                           "not available; fetch the resource instead of retrying.")
        time.sleep(0.05)  # the first request is between storing its events and its answer


def run_idempotent(
    app: Medborgarbudget, key: str | None, caller: str, method: str, path: str, body: bytes,
    handler: Handler, answers_itself: bool = False,
) -> JSONResponse:
    """Run `handler`, or replay the first answer to a request with the same key. The handler
    is given the request's idempotency record (None without a key) and hands it to the command
    it runs, which writes it with its events. A command that writes its answer in that
    transaction too (a ballot's receipt) says so with `answers_itself`."""
    if key is None:
        return handler(None)
    record = keyed_request(app, key, caller, method, path, body)
    replayed = _replay(app, record)
    if replayed is not None:
        return replayed
    try:
        response = handler(record)
    except (DomainError, IntegrityError, RepeatedRequest) as refusal:
        # A refusal may come from a concurrent twin having stored first: its record, or the
        # aggregate it created (the store's IntegrityError, or DuplicateBallot).
        replayed = _replay(app, record)
        if replayed is not None:
            return replayed
        if isinstance(refusal, DomainError):
            raise
        raise Conflict("Something this request writes was written concurrently by another "
                       "request; nothing was stored. Please try again.") from refusal
    if not answers_itself:
        _answers(app).answer_request(record.scope, response.status_code, bytes(response.body))
    return response
