"""A real server under load, and killed with `kill -9` in the middle of it (both backends: SQLite
with one worker, PostgreSQL with two).

Load: residents read the cycle's feedback page, cast a ballot and read the page again, some of
them trying twice. Every 201 must be exactly one ballot in the event store and in the read
models (turnout and receipts, caught up by `medborgarbudget project --once`), every second try
a 409, every page a 200.

Crash: the server and its workers are killed (SIGKILL to the process group it leads) while
ballots are being cast, then started again on the same store. Every ballot that got a 201 is
stored exactly once; residents left without an answer try again and get a 201 or, when their
ballot was stored before the crash, a 409; in the end each resident has exactly one ballot.

The figures (ballots/s, latencies) are printed, never asserted: targets live in
`python -m benchmarks`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from service.config import Settings
from tests.identities import valid_personnummer
from tests.integration.server_support import (
    Outcome,
    demo_cycle,
    drive_residents,
    kill,
    percentile,
    project_once,
    read_model_receipts,
    receipt_digests,
    resident_headers,
    start_projector,
    start_server,
    stop,
    stored_ballots,
    stored_receipt_list,
    stored_receipts,
    wait_for_page,
)

RESIDENTS = 80
DUPLICATES = 16
CONCURRENCY = 40
CRASH_RESIDENTS = 160
CRASH_CONCURRENCY = 40
KILL_WITHIN = 60.0  # seconds to wait for the first fifth of the 201s before the kill


def _workers(settings: Settings) -> int:
    return 2 if settings.database_url else 1


def _ballots(voters: list[str], options: list[str], seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    return {v: rng.sample(options, rng.randint(1, 3)) for v in voters}


def _summary(outcomes: list[Outcome], seconds: float) -> str:
    ballots = [o.seconds for o in outcomes if o.kind == "ballot"]
    pages = [o.seconds for o in outcomes if o.kind == "page"]
    accepted = sum(1 for o in outcomes if o.kind == "ballot" and o.status == 201)
    return (f"{accepted / seconds:.0f} ballots/s; ballot p50/p95/p99 "
            + "/".join(f"{percentile(ballots, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99))
            + " ms; page p50/p95/p99 "
            + "/".join(f"{percentile(pages, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99)) + " ms")


def _assert_read_models_match(settings: Settings, tmp_path: Path, cycle_id: str) -> None:
    """After `project --once`, the read models count exactly the cycle's stored ballots and
    hold exactly their receipts."""
    project_once(settings, tmp_path)
    stored = [ballot for _, ballot in stored_ballots(settings, cycle_id)]
    receipts = stored_receipt_list(settings, cycle_id)
    projected, counted = read_model_receipts(settings, cycle_id)
    assert counted == len(stored) == len(set(stored))
    assert sorted(projected) == sorted(receipts) and len(receipts) == len(set(receipts))


def test_load_every_201_is_one_stored_and_projected_ballot(settings: Settings,
                                                           tmp_path: Path) -> None:
    server = start_server(settings, tmp_path, _workers(settings))
    projector = start_projector(settings, tmp_path)
    try:
        demo = demo_cycle(server.base)
        wait_for_page(server.base, f"/cycles/{demo.cycle_id}")
        before = {ballot for _, ballot in stored_ballots(settings, demo.cycle_id)}
        voters = [valid_personnummer(n) for n in range(RESIDENTS)]
        attempts = voters + random.Random(7).sample(voters, DUPLICATES)
        random.Random(8).shuffle(attempts)
        began = time.perf_counter()
        outcomes = drive_residents(server.base, demo, resident_headers(settings, voters),
                                   _ballots(voters, demo.options, 9), attempts,
                                   concurrency=CONCURRENCY, pages=2)
        elapsed = time.perf_counter() - began
    finally:
        stop(server.process)
        if projector is not None:
            stop(projector)
    print(f"\n{settings.describe()}, {server.workers} worker(s): {_summary(outcomes, elapsed)}")

    ballots = [o for o in outcomes if o.kind == "ballot"]
    statuses = Counter(o.status for o in ballots)
    assert statuses == {201: RESIDENTS, 409: DUPLICATES}, f"{statuses}\n{server.output()}"
    pages = Counter(o.status for o in outcomes if o.kind == "page")
    assert pages == {200: 2 * len(attempts)}, f"{pages}\n{server.output()}"
    accepted = Counter(o.voter for o in ballots if o.status == 201)
    assert sorted(accepted) == sorted(voters) and set(accepted.values()) == {1}
    receipts = receipt_digests(ballots)
    assert len(set(receipts)) == RESIDENTS

    new = Counter(ballot for _, ballot in stored_ballots(settings, demo.cycle_id)
                  if ballot not in before)
    assert set(new.values()) == {1}, "a ballot was stored twice"
    assert len(new) == RESIDENTS
    assert set(receipts) <= stored_receipts(settings, demo.cycle_id)
    _assert_read_models_match(settings, tmp_path, demo.cycle_id)


def test_kill_9_in_the_middle_of_voting_loses_and_doubles_nothing(settings: Settings,
                                                                   tmp_path: Path) -> None:
    workers = _workers(settings)
    server = start_server(settings, tmp_path, workers)
    try:
        demo = demo_cycle(server.base)
        before = {ballot for _, ballot in stored_ballots(settings, demo.cycle_id)}
        voters = [valid_personnummer(50_000 + n) for n in range(CRASH_RESIDENTS)]
        headers = resident_headers(settings, voters)
        ballots = _ballots(voters, demo.options, 11)
        seen: list[Outcome] = []
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(drive_residents, server.base, demo, headers, ballots, voters,
                               concurrency=CRASH_CONCURRENCY, pages=0, seen=seen)
            # Bounded polling: kill once a fifth of the residents have their 201 in hand.
            deadline = time.monotonic() + KILL_WITHIN
            while (sum(1 for o in list(seen) if o.status == 201) < CRASH_RESIDENTS // 5
                   and time.monotonic() < deadline and not load.done()):
                time.sleep(0.005)
            kill(server.process)
            outcomes = load.result(timeout=120)
    finally:
        kill(server.process)

    statuses = Counter(o.status for o in outcomes)
    assert set(statuses) <= {201, None}, f"{statuses}\n{server.output()}"
    assert statuses[None] > 0, "the server was not killed in the middle of the load"
    assert statuses[201] > 0, "no ballot was accepted before the kill"
    receipts = set(receipt_digests(outcomes))
    stored = [ballot for _, ballot in stored_ballots(settings, demo.cycle_id)
              if ballot not in before]
    assert len(stored) == len(set(stored)), "a ballot was stored twice"
    assert receipts <= stored_receipts(settings, demo.cycle_id), \
        "a ballot that got a 201 was lost"

    restarted = start_server(settings, tmp_path, workers, name="restarted")
    try:
        unanswered = [o.voter for o in outcomes if o.status is None]
        retried = drive_residents(restarted.base, demo, headers, ballots, unanswered,
                                  concurrency=CRASH_CONCURRENCY, pages=0)
    finally:
        stop(restarted.process)
    print(f"\n{settings.describe()}, {workers} worker(s): {statuses[201]} accepted before the "
          f"kill, {len(stored) - statuses[201]} stored without an answer, "
          f"{len(unanswered)} retried after the restart")
    again = Counter(o.status for o in retried)
    assert set(again) <= {201, 409}, f"{again}\n{restarted.output()}"
    # A 409 exactly for those whose ballot reached the store before the kill.
    assert again[409] == len(stored) - statuses[201]

    final = [ballot for _, ballot in stored_ballots(settings, demo.cycle_id)
             if ballot not in before]
    assert len(final) == len(set(final)) == CRASH_RESIDENTS
    assert receipts | set(receipt_digests(retried)) <= stored_receipts(settings, demo.cycle_id)
    _assert_read_models_match(settings, tmp_path, demo.cycle_id)
