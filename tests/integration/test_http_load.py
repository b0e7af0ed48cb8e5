"""Many residents voting at once through a real server: `medborgarbudget serve` in a process of
its own (two workers on PostgreSQL, one on SQLite), 200 residents and 40 of them trying twice.

Every 201 must be exactly one stored ballot, every second try a 409, and nothing else may
happen. Only loopback addresses are used; the server is always stopped at the end.
"""

from __future__ import annotations

import random
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.receipts import receipt_digest
from service.config import Settings
from tests.identities import valid_personnummer
from tests.integration.server_support import (
    HOST,
    REQUEST_TIMEOUT,
    Server,
    console_script,
    demo_cycle,
    environment,
    free_port,
    open_app,
    resident_headers,
    running_server,
    stop,
    stored_receipts,
)

RESIDENTS = 200
DUPLICATES = 40
THREADS = 50


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    with running_server(settings, tmp_path, 2 if settings.database_url else 1) as running:
        yield running


def _norr_ballots(settings: Settings, cycle_id: str) -> list[str]:
    """Ids of the stored ballots of area norr, read from the store the server writes to."""
    app = open_app(settings)
    try:
        return [b.id for b in app.counted_ballots(cycle_id) if b.area == "norr"]
    finally:
        app.close()


def test_residents_voting_at_once_each_store_one_ballot(server: Server,
                                                        settings: Settings) -> None:
    demo = demo_cycle(server.base)
    options = demo.options
    already = len(_norr_ballots(settings, demo.cycle_id))
    rng = random.Random(2027)
    voters = [valid_personnummer(n) for n in range(RESIDENTS)]
    attempts = voters + rng.sample(voters, DUPLICATES)
    rng.shuffle(attempts)
    headers = resident_headers(settings, voters)
    with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT,
                      limits=httpx.Limits(max_connections=THREADS)) as client:
        ballots = {v: rng.sample(options, rng.randint(1, 3)) for v in voters}

        def cast(voter: str) -> tuple[str, int, Mapping[str, Any]]:
            response = client.post(f"/api/v1/cycles/{demo.cycle_id}/ballots",
                                   headers=headers[voter],
                                   json={"area": "norr", "selections": ballots[voter]})
            return voter, response.status_code, response.json()

        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(cast, attempts))

    assert server.started_workers() == server.workers, server.output()
    statuses = Counter(status for _, status, _ in outcomes)
    assert set(statuses) <= {201, 409}, f"unexpected answers: {statuses}\n{server.output()}"
    accepted = Counter(voter for voter, status, _ in outcomes if status == 201)
    assert sorted(accepted) == sorted(voters) and set(accepted.values()) == {1}
    assert statuses == {201: RESIDENTS, 409: DUPLICATES}
    refusals = [body for _, status, body in outcomes if status == 409]
    assert all(body["title"] == "A ballot already exists" for body in refusals)

    receipts = {body["receipt"] for _, status, body in outcomes if status == 201}
    assert len(receipts) == RESIDENTS
    stored = _norr_ballots(settings, demo.cycle_id)
    assert len(stored) - already == RESIDENTS
    # A receipt proves inclusion: its digest is in a stored ballot, and it is no ballot's id.
    assert {receipt_digest(r) for r in receipts} <= stored_receipts(settings, demo.cycle_id)
    assert not receipts & set(stored)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_several_workers_on_sqlite_are_refused(settings: Settings, tmp_path: Path) -> None:
    command = [*console_script(), "serve", "--host", HOST, "--port", str(free_port()),
               "--workers", "2"]
    process = subprocess.Popen(command, env=environment(settings), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        stop(process)
    assert process.returncode == 2, (stdout, stderr)
    message = stderr.decode()
    assert "one worker" in message and "MEDBORGARBUDGET_DATABASE_URL" in message, message
    assert not (settings.data_dir / "events.sqlite3").exists()  # refused before opening a store
