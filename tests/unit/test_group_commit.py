"""Group commit: concurrent commands share a transaction, yet each caller gets exactly what a
lone save would have given it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError

from service.group_commit import GroupCommit, StaleRead


class FakeStore:
    """Stores events (strings) atomically; a repeated event is a conflict, as a second ballot
    for the same voter and area is in the event store."""

    def __init__(self, gate: threading.Event | None = None, failing: bool = False) -> None:
        self.failing = failing
        self.stored: list[str] = []
        self.transactions: list[list[str]] = []
        self.gate = gate
        self.writing = threading.Event()

    def record(self, events: Sequence[Any]) -> list[str]:
        self.writing.set()
        if self.gate is not None:
            self.gate.wait(timeout=10)  # hold the first writer so that others queue
        if self.failing:
            raise RuntimeError("disk full")
        if len(set(events)) < len(events) or set(events) & set(self.stored):
            raise IntegrityError("duplicate")
        self.stored.extend(events)
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
    runs = {"v1": 0, "v2": 0}

    def check(version: str, current: bool) -> Any:
        def run() -> bool:
            runs[version] += 1
            return current
        return ((version,), run)

    calls = [(["a"], None), (["b"], check("v1", True)), (["c"], check("v1", True)),
             (["d"], check("v2", False))]
    results = run_together(commit, store, calls)
    assert results == [["recorded a"], ["recorded b"], ["recorded c"], "StaleRead"]
    assert runs == {"v1": 1, "v2": 1}
    assert "d" not in store.stored


def test_a_store_failure_reaches_every_command_of_the_batch() -> None:
    store = FakeStore(threading.Event(), failing=True)
    commit = GroupCommit(store.record)
    results = run_together(commit, store, [([f"e{i}"], None) for i in range(4)])
    assert results == ["RuntimeError"] * 4
    assert store.stored == []
