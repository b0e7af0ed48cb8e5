"""Group commit: ballots cast at the same moment in different request threads are written in one
transaction, so one commit (one fsync on SQLite, one round trip on PostgreSQL) serves many
residents instead of one.

Each caller hands over the events of its own command and blocks until they are durable. Whoever
holds the writer lock writes everything waiting at that moment; a caller whose events were
written by another leaves without touching the store. When a batch is refused because one
command in it conflicts (a second ballot for the same voter and area), the batch is rolled back
whole and every command in it is written again in a transaction of its own, so only the
conflicting one is refused: the result for each caller is exactly what saving alone would give.

A command may say what it was decided on ("the budget cycle is still at version 12"): the
recorder checks it inside the transaction that writes the batch (service/recorders.py), once per
distinct aggregate, so nothing can be written between the check and the commit. When a check
fails, the commands that relied on it get `StaleRead` back (to decide again on fresh state) and
the others are written again without them. A command may also carry its idempotency record,
written in the same transaction.

`submit` is for a caller that must not block (the server's event loop): its command joins the
same queue and a writer thread of the group commit's own writes it and calls back, so a batch
costs one wake-up of that thread rather than one thread hand-off per command.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

from service import metrics
from service.recorders import (
    IdempotencyRecord,
    RecordFor,
    RepeatedRequest,
    StaleAggregates,
    Unchanged,
)

LOG = logging.getLogger(__name__)
# events, and what the transaction must check and write with them -> their recordings, in order
Record = Callable[[Sequence[Any], Sequence[Unchanged], Sequence[RecordFor]], Sequence[Any]]
# Called from the thread that wrote the batch, with the recordings or with what storing them
# alone would have raised (IntegrityError, StaleRead, or the store's own error).
Done = Callable[[Sequence[Any] | BaseException], None]


class StaleRead(Exception):
    """What the command was decided on changed before it could be written."""


@dataclass
class _Command:
    events: Sequence[Any]
    unchanged: Unchanged | None = None
    record: IdempotencyRecord | None = None
    done: bool = False
    recordings: Sequence[Any] = field(default_factory=list)
    error: BaseException | None = None
    on_done: Done | None = None


class GroupCommit:
    def __init__(self, record: Record) -> None:
        self._record = record
        self._queue_lock = threading.Lock()
        self._writer_lock = threading.Lock()
        self._queue: list[_Command] = []
        self._submitted = threading.Condition(self._queue_lock)
        self._writer: threading.Thread | None = None
        self._closed = False

    def commit(self, events: Sequence[Any], unchanged: Unchanged | None = None,
               record: IdempotencyRecord | None = None) -> Sequence[Any]:
        """Store `events` atomically; returns their recordings, or raises what storing them
        alone would have raised (IntegrityError for a conflict, RepeatedRequest), or
        StaleRead."""
        command = _Command(events, unchanged, record)
        with self._queue_lock:
            self._queue.append(command)
        with self._writer_lock:
            if not command.done:
                self._write_waiting()
        if command.error is not None:
            raise command.error
        return command.recordings

    def submit(self, events: Sequence[Any], unchanged: Unchanged | None, on_done: Done) -> None:
        """Store `events` atomically without waiting: `on_done` is called once they are (or
        with the error that refused them), from the thread that wrote them."""
        with self._queue_lock:
            if self._closed:
                raise RuntimeError("the group commit is closed")
            self._queue.append(_Command(events, unchanged, on_done=on_done))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_submitted,
                                                name="group-commit", daemon=True)
                self._writer.start()
            self._submitted.notify()

    def close(self) -> None:
        """Stop the writer thread once what was submitted is written."""
        with self._queue_lock:
            self._closed = True
            writer = self._writer
            self._submitted.notify()
        if writer is not None:
            writer.join()

    def _write_submitted(self) -> None:
        while True:
            with self._queue_lock:
                while not self._queue and not self._closed:
                    self._submitted.wait()
                if not self._queue:
                    return
            with self._writer_lock:
                self._write_waiting()

    def _write_waiting(self) -> None:
        """Everything queued now, as one batch; the caller holds the writer lock."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
        self._write(batch)

    def _write(self, batch: list[_Command]) -> None:
        if not batch:
            return
        unchanged = list({c.unchanged for c in batch if c.unchanged is not None})
        records, start = [], 0
        for command in batch:
            end = start + len(command.events)
            if command.record is not None:
                records.append(RecordFor(command.record, start, end))
            start = end
        try:
            recordings = self._record([e for c in batch for e in c.events], unchanged, records)
        except StaleAggregates as stale:
            current = []
            for command in batch:
                if command.unchanged in stale.stale:
                    self._finish(command, error=StaleRead())
                else:
                    current.append(command)
            self._write(current)
            return
        except RepeatedRequest as repeated:
            current = []
            for command in batch:
                if command.record is not None and command.record.scope == repeated.scope:
                    self._finish(command, error=repeated)
                else:
                    current.append(command)
            self._write(current)
            return
        except IntegrityError as error:
            if len(batch) == 1:
                self._finish(batch[0], error=error)
            else:
                for command in batch:  # alone, so that only the conflicting one is refused
                    self._write([command])
            return
        except BaseException as error:  # the store failed: every command in the batch failed
            for command in batch:
                self._finish(command, error=error)
            return
        metrics.BATCHES.observe(len(batch))
        start = 0
        for command in batch:
            end = start + len(command.events)
            self._finish(command, recordings=recordings[start:end])
            start = end

    @staticmethod
    def _finish(command: _Command, recordings: Sequence[Any] = (),
                error: BaseException | None = None) -> None:
        command.recordings, command.error, command.done = recordings, error, True
        if command.on_done is not None:
            try:
                command.on_done(error if error is not None else recordings)
            except Exception:  # the caller's trouble: the writer carries on for the others
                LOG.exception("A group-commit callback failed")
