"""Group commit: concurrent commands share a transaction, yet each caller gets exactly what a
lone save would have given it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from service.group_commit import GroupCommit, StaleRead
from service.recorders import (
    IdempotencyRecord,
    RecordFor,
    RepeatedRequest,
    StaleAggregates,
    Unchanged,
)

CYCLE = UUID(int=1)


class FakeStore:
    """Stores events (strings) atomically; a repeated event is a conflict, as a second ballot
    for the same voter and area is in the event store. Aggregates' versions and idempotency
    scopes are checked inside the "transaction", as service/recorders.py does."""

    def __init__(self, gate: threading.Event | None = None, failing: bool = False) -> None:
        self.failing = failing
        self.stored: list[str] = []
        self.transactions: list[list[str]] = []
        self.gate = gate
        self.writing = threading.Event()
        self.versions: dict[UUID, int] = {CYCLE: 2}
        self.checks: list[Unchanged] = []
        self.scopes: set[str] = set()

    def record(self, events: Sequence[Any], unchanged: Sequence[Unchanged] = (),
               records: Sequence[RecordFor] = ()) -> list[str]:
        self.writing.set()
        if self.gate is not None:
            self.gate.wait(timeout=10)  # hold the first writer so that others queue
        if self.failing:
            raise RuntimeError("disk full")
        self.checks.extend(unchanged)
        stale = frozenset(u for u in unchanged if self.versions[u.originator_id] != u.version)
        if stale:
            raise StaleAggregates(stale)
        for r in records:
            if r.record.scope in self.scopes:
                raise RepeatedRequest(r.record.scope)
        if len(set(events)) < len(events) or set(events) & set(self.stored):
            raise IntegrityError("duplicate")
        self.stored.extend(events)
        self.scopes.update(r.record.scope for r in records)
        self.transactions.append(list(events))
        return [f"recorded {e}" for e in events]


def run_together(commit: GroupCommit, store: FakeStore, calls: list[tuple[list[str], Any]],
                 ) -> list[Any]:
    """Start every call; the first holds the writer until all others are queued behind it."""
    results: list[Any] = [None] * len(calls)

    def call(index: int) -> None:
        events, check = calls[index]
        try:
            results[index] = commit.commit(events, check)
        except (IntegrityError, StaleRead, RuntimeError) as error:
            results[index] = type(error).__name__

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    threads[0].start()
    assert store.writing.wait(timeout=10)  # the first is writing alone, holding the writer
    for thread in threads[1:]:
        thread.start()
    while len(commit._queue) < len(calls) - 1:  # bounded: each thread queues at once
        threading.Event().wait(0.001)
    assert store.gate is not None
    store.gate.set()
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_a_lone_command_is_written_and_gets_its_recordings() -> None:
    store = FakeStore()
    assert GroupCommit(store.record).commit(["a", "b"]) == ["recorded a", "recorded b"]
    assert store.transactions == [["a", "b"]]


def test_commands_waiting_together_share_one_transaction() -> None:
    store = FakeStore(threading.Event())
    commit = GroupCommit(store.record)
    results = run_together(commit, store, [([f"e{i}"], None) for i in range(6)])
    assert results == [[f"recorded e{i}"] for i in range(6)]
    assert store.transactions[0] == ["e0"]
    assert sorted(store.transactions[1]) == [f"e{i}" for i in range(1, 6)]


def test_a_duplicate_in_a_batch_is_refused_alone() -> None:
    store = FakeStore(threading.Event())
    commit = GroupCommit(store.record)
    results = run_together(commit, store, [(["first"], None), (["x"], None), (["first"], None),
                                           (["y"], None)])
    assert results == [["recorded first"], ["recorded x"], "IntegrityError", ["recorded y"]]
    assert sorted(store.stored) == ["first", "x", "y"]


def test_a_failed_check_sends_back_stale_read_and_each_check_runs_once_per_batch() -> None:
    store = FakeStore(threading.Event())
    commit = GroupCommit(store.record)
    current, old = Unchanged(CYCLE, 2), Unchanged(CYCLE, 1)
    calls = [(["a"], None), (["b"], current), (["c"], current), (["d"], old)]
    results = run_together(commit, store, calls)
    assert results == [["recorded a"], ["recorded b"], ["recorded c"], "StaleRead"]
    assert "d" not in store.stored
    # Checked in the transaction of each write: once for the batch of three, and once again
    # for the two still current when the batch was written without the stale one.
    assert store.checks.count(old) == 1 and store.checks.count(current) == 2


def test_a_repeated_keyed_request_is_refused_alone() -> None:
    store = FakeStore()
    commit = GroupCommit(store.record)
    record = IdempotencyRecord("scope", "fingerprint", 0.0, lambda positions: None)
    assert commit.commit(["first"], None, record) == ["recorded first"]
    with pytest.raises(RepeatedRequest):
        commit.commit(["again"], None, record)
    assert store.stored == ["first"]


def test_a_store_failure_reaches_every_command_of_the_batch() -> None:
    store = FakeStore(threading.Event(), failing=True)
    commit = GroupCommit(store.record)
    results = run_together(commit, store, [([f"e{i}"], None) for i in range(4)])
    assert results == ["RuntimeError"] * 4
    assert store.stored == []


class Outcomes:
    """What `submit`'s callbacks received, by command; waits for all of them."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.received: dict[str, Any] = {}
        self.threads: set[str] = set()
        self.all_in = threading.Event()
        self._lock = threading.Lock()

    def callback(self, name: str) -> Any:
        def done(outcome: Any) -> None:
            with self._lock:
                self.received[name] = (type(outcome).__name__
                                       if isinstance(outcome, BaseException) else outcome)
                self.threads.add(threading.current_thread().name)
                if len(self.received) == self.expected:
                    self.all_in.set()
        return done

    def wait(self) -> dict[str, Any]:
        assert self.all_in.wait(timeout=10), f"only {self.received} arrived"
        return self.received


def held(expected: int) -> tuple[threading.Event, FakeStore, GroupCommit, Outcomes]:
    """A group commit whose store holds the first writer until the gate is set."""
    gate = threading.Event()
    store = FakeStore(gate)
    return gate, store, GroupCommit(store.record), Outcomes(expected)


def test_submitted_commands_are_written_together_by_the_writer_thread() -> None:
    gate, store, commit, outcomes = held(4)
    commit.submit(["a"], None, outcomes.callback("a"))
    assert store.writing.wait(timeout=10)  # "a" is being written; the rest queue behind it
    commit.submit(["b"], None, outcomes.callback("b"))
    commit.submit(["a"], None, outcomes.callback("again"))
    commit.submit(["c"], Unchanged(CYCLE, 1), outcomes.callback("stale"))
    gate.set()
    assert outcomes.wait() == {"a": ["recorded a"], "b": ["recorded b"],
                               "again": "IntegrityError", "stale": "StaleRead"}
    assert outcomes.threads == {"group-commit"}
    assert store.transactions == [["a"], ["b"]]
    commit.close()


def test_a_waiting_caller_writes_what_was_submitted_before_it() -> None:
    gate, store, commit, outcomes = held(1)
    first = threading.Thread(target=commit.commit, args=(["first"],))
    first.start()
    assert store.writing.wait(timeout=10)  # a waiting caller holds the writer
    commit.submit(["submitted"], None, outcomes.callback("submitted"))
    gate.set()
    first.join(timeout=10)
    assert outcomes.wait() == {"submitted": ["recorded submitted"]}
    assert sorted(store.stored) == ["first", "submitted"]
    commit.close()


def test_closing_writes_what_was_submitted_then_refuses_more() -> None:
    gate, store, commit, outcomes = held(2)
    commit.submit(["a"], None, outcomes.callback("a"))
    assert store.writing.wait(timeout=10)
    commit.submit(["b"], None, outcomes.callback("b"))
    closing = threading.Thread(target=commit.close)
    closing.start()
    gate.set()
    closing.join(timeout=10)
    assert not closing.is_alive()
    assert outcomes.wait() == {"a": ["recorded a"], "b": ["recorded b"]}
    with pytest.raises(RuntimeError, match="closed"):
        commit.submit(["c"], None, outcomes.callback("c"))
    assert "c" not in store.stored


def test_a_failing_callback_does_not_stop_the_writer() -> None:
    store = FakeStore()
    commit = GroupCommit(store.record)
    outcomes = Outcomes(1)

    def broken(_: Any) -> None:
        raise ValueError("the caller's own bug")

    commit.submit(["a"], None, broken)
    commit.submit(["b"], None, outcomes.callback("b"))
    assert outcomes.wait() == {"b": ["recorded b"]}
    commit.close()
