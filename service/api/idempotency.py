"""Idempotency-Key on POST: a retried request returns the first response and stores nothing twice.

The record of a keyed request is an aggregate whose id is derived from (caller, method, path,
key). It is saved in the same transaction as the command's own events, so either both are stored
or neither; a concurrent or later retry finds it and replays the response recorded with it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from fastapi.responses import JSONResponse

from domain.errors import Conflict, DomainError, InvalidInput
from service.application import Medborgarbudget

NAMESPACE = UUID("2d8f0a40-7b8e-5d4e-9a61-3c0b6f2e9d15")
MAX_KEY_LENGTH = 200
REPLAY_WAIT_SECONDS = 5.0


class IdempotentRequest(Aggregate):
    TOPIC = "medborgarbudget:IdempotentRequest"

    class Created(Aggregate.Created):
        # Never recorded (creation is "Received"); pinned because the library defines it.
        TOPIC = "medborgarbudget:IdempotentRequest.Created"

    @staticmethod
    def create_id(scope: str) -> UUID:
        return uuid5(NAMESPACE, scope)

    @event("Received", topic="medborgarbudget:IdempotentRequest.Received")
    def __init__(self, scope: str, fingerprint: str, at: datetime) -> None:
        self.fingerprint = fingerprint
        self.status: int | None = None
        self.body: Any = None

    @event("Answered", topic="medborgarbudget:IdempotentRequest.Answered")
    def answered(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body


def _scope(actor: str, method: str, path: str, key: str) -> str:
    # Hashed so the record's id reveals neither the caller nor the key.
    return hashlib.sha256(f"{actor}\x1f{method}\x1f{path}\x1f{key}".encode()).hexdigest()


def _load(app: Medborgarbudget, record_id: UUID) -> IdempotentRequest | None:
    try:
        record: Aggregate = app.repository.get(record_id)
    except AggregateNotFoundError:
        return None
    return record if isinstance(record, IdempotentRequest) else None


def _replay(app: Medborgarbudget, record_id: UUID, fingerprint: str) -> JSONResponse | None:
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while True:
        record = _load(app, record_id)
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise InvalidInput(
                "Idempotency-Key", "was already used with a different request body"
            )
        if record.status is not None:
            return JSONResponse(record.body, status_code=record.status,
                                headers={"Idempotent-Replayed": "true"})
        if time.monotonic() > deadline:
            raise InvalidInput(
                "Idempotency-Key",
                "a request with this key was processed, but its response is not available yet; "
                "fetch the resource instead",
            )
        time.sleep(0.05)  # the first request is between storing its events and its answer


def run_idempotent(
    app: Medborgarbudget, key: str | None, actor: str, method: str, path: str, body: bytes,
    handler: Callable[[], JSONResponse],
) -> JSONResponse:
    if key is None:
        return handler()
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    scope = _scope(actor, method, path, key)
    record_id = IdempotentRequest.create_id(scope)
    fingerprint = hashlib.sha256(body).hexdigest()
    replayed = _replay(app, record_id, fingerprint)
    if replayed is not None:
        return replayed
    try:
        with app.saving_with(lambda: IdempotentRequest(scope, fingerprint, datetime.now(UTC))):
            response = handler()
    except (DomainError, IntegrityError) as refusal:
        # A refusal may come from a concurrent twin having stored the record first: commands
        # that create an aggregate meet the twin's record as the store's IntegrityError.
        replayed = _replay(app, record_id, fingerprint)
        if replayed is not None:
            return replayed
        if isinstance(refusal, IntegrityError):
            raise Conflict("Something this request writes was written concurrently by another "
                           "request; nothing was stored. Please try again.") from refusal
        raise
    record = _load(app, record_id)
    if record is not None and record.status is None:
        record.answered(response.status_code, json.loads(bytes(response.body)))
        app.save(record)
    return response
