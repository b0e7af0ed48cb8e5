"""Many residents voting at once through a real server: `medborgarbudget serve` in a process of
its own (two workers on PostgreSQL, one on SQLite), 200 residents and 40 of them trying twice.

Every 201 must be exactly one stored ballot, every second try a 409, and nothing else may
happen. Only loopback addresses are used; the server is always stopped at the end.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.api.auth import Role, TokenVerifier
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import DEMO_NAME

HOST = "127.0.0.1"
RESIDENTS = 200
DUPLICATES = 40
THREADS = 50
READY_WITHIN = 90.0  # seconds for the server to answer /healthz
REQUEST_TIMEOUT = 60.0
# Fixed keys, shared by every worker (and by this test, which mints tokens with the first).
JWT_SECRET = "4a" * 32
PSEUDONYM_SECRET = "5b" * 32
ADULT = date(1975, 3, 1)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _console_script() -> list[str]:
    beside = Path(sys.executable).with_name("medborgarbudget")
    found = str(beside) if beside.exists() else shutil.which("medborgarbudget")
    assert found, "the console script `medborgarbudget` is not installed (pip install -e .)"
    return [found]


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBORGARBUDGET_")}
    env.update({
        "MEDBORGARBUDGET_DATA": str(settings.data_dir),
        "MEDBORGARBUDGET_JWT_SECRET": JWT_SECRET,
        "MEDBORGARBUDGET_SECRET": PSEUDONYM_SECRET,
    })
    if settings.database_url:
        env["MEDBORGARBUDGET_DATABASE_URL"] = settings.database_url
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path
    workers: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def started_workers(self) -> int:
        return self.log.read_text(errors="replace").count("Started server process")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn then stops its workers); if it hangs, kill the group it leads."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only what this test started
        process.wait(timeout=30)


def _wait_until_ready(server: Server) -> None:
    """Bounded polling of /healthz: the only waiting on time in this file."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within {READY_WITHIN} s:\n{server.output()}")


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    workers = 2 if settings.database_url else 1
    port = _free_port()
    log = tmp_path / "server.log"
    command = [*_console_script(), "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers), "--demo"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=_environment(settings), cwd=tmp_path,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Server(process, f"http://{HOST}:{port}", log, workers)
    try:
        _wait_until_ready(running)
        yield running
    finally:
        _stop(process)


def _norr_ballots(settings: Settings, cycle_id: str) -> list[str]:
    """Ids of the stored ballots of area norr, read from the store the server writes to."""
    app = Medborgarbudget(bytes.fromhex(PSEUDONYM_SECRET), env=settings.eventsourcing_env())
    try:
        return [b.id for b in app.counted_ballots(cycle_id) if b.area == "norr"]
    finally:
        app.close()


def test_residents_voting_at_once_each_store_one_ballot(server: Server,
                                                        settings: Settings) -> None:
    with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT,
                      limits=httpx.Limits(max_connections=THREADS)) as client:
        cycles = client.get("/api/v1/cycles").json()["cycles"]
        demo = next(c for c in cycles if c["name"] == DEMO_NAME)
        assert demo["phase"] == "voting"
        proposals = client.get(f"/api/v1/cycles/{demo['id']}/proposals").json()["proposals"]
        options = sorted(p["id"] for p in proposals
                         if p["area"] == "norr" and p["status"] == "feasible")
        assert len(options) >= 3
        already = len(_norr_ballots(settings, demo["id"]))

        tokens = TokenVerifier.from_env(settings.data_dir,
                                        env={"MEDBORGARBUDGET_JWT_SECRET": JWT_SECRET})
        rng = random.Random(2027)
        voters = [f"load-resident-{n:04d}" for n in range(RESIDENTS)]
        attempts = voters + rng.sample(voters, DUPLICATES)
        rng.shuffle(attempts)
        headers = {v: {"Authorization": "Bearer " + tokens.mint(
            Role.RESIDENT, v, 3600, ADULT, "norr")} for v in voters}
        ballots = {v: rng.sample(options, rng.randint(1, 3)) for v in voters}

        def cast(voter: str) -> tuple[str, int, Mapping[str, Any]]:
            response = client.post(f"/api/v1/cycles/{demo['id']}/ballots",
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

    receipts = {body["ballot"] for _, status, body in outcomes if status == 201}
    assert len(receipts) == RESIDENTS
    stored = _norr_ballots(settings, demo["id"])
    assert len(stored) - already == RESIDENTS
    assert receipts <= set(stored)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_several_workers_on_sqlite_are_refused(settings: Settings, tmp_path: Path) -> None:
    command = [*_console_script(), "serve", "--host", HOST, "--port", str(_free_port()),
               "--workers", "2"]
    process = subprocess.Popen(command, env=_environment(settings), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        _stop(process)
    assert process.returncode == 2, (stdout, stderr)
    message = stderr.decode()
    assert "one worker" in message and "MEDBORGARBUDGET_DATABASE_URL" in message, message
    assert not (settings.data_dir / "events.sqlite3").exists()  # refused before opening a store
