"""Racing actions against each other: each in a thread of its own, all released together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

TIMEOUT = 60


def race(actions: Sequence[Callable[[], str]],
         failed: Callable[[Exception], str] = lambda error: f"error: {error!r}") -> list[str]:
    """Runs the actions in threads released together; their outcomes, sorted, an error raised
    given as `failed` words it (by default its repr, which fails a test expecting outcomes)."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            outcome = action()
        except Exception as error:  # reported to the test, which asserts on it
            outcome = failed(error)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), "a racing thread did not finish"
    return sorted(outcomes)
