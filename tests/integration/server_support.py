"""A real `medborgarbudget serve` in a process of its own, and residents driving it over HTTP.

Shared by the load, crash and hostile-input tests and by `python -m benchmarks`. Only loopback
addresses; every wait is bounded polling; a server is stopped (or killed, as a whole process
group that it leads) only by the code that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from domain.receipts import receipt_digest
from service.api.auth import Role, TokenVerifier
from service.application import BALLOT_CAST, Medborgarbudget
from service.config import Settings
from service.demo import DEMO_NAME

HOST = "127.0.0.1"
READY_WITHIN = 90.0  # seconds for the server to answer /healthz
REQUEST_TIMEOUT = 60.0
# Fixed keys, shared by every worker (and by the driver, which mints tokens with the first).
JWT_SECRET = "4a" * 32
PSEUDONYM_SECRET = "5b" * 32
SESSION_SECRET = "6c" * 32
ADULT = date(1975, 3, 1)


class ServerFailed(AssertionError):
    """The server exited early or did not become ready in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def console_script() -> list[str]:
    beside = Path(sys.executable).with_name("medborgarbudget")
    found = str(beside) if beside.exists() else shutil.which("medborgarbudget")
    assert found, "the console script `medborgarbudget` is not installed (pip install -e .)"
    return [found]


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDBORGARBUDGET_")}
    env.update({
        "MEDBORGARBUDGET_DATA": str(settings.data_dir),
        "MEDBORGARBUDGET_JWT_SECRET": JWT_SECRET,
        "MEDBORGARBUDGET_SECRET": PSEUDONYM_SECRET,
        "MEDBORGARBUDGET_SESSION_SECRET": SESSION_SECRET,
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


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn then stops its workers); if it hangs, kill the group it leads."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill(process)


def kill(process: subprocess.Popen[bytes]) -> None:
    """`kill -9` of the server and its workers: the process group it leads (its own session, so
    only what was started here)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_until_ready(server: Server) -> None:
    """Bounded polling of /healthz."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(
                f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            healthy = httpx.get(f"{server.base}/healthz", timeout=2.0).status_code == 200
            # Ready when every worker process is up, not just the first to answer.
            if healthy and server.started_workers() >= server.workers:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise ServerFailed(f"the server did not answer /healthz within {READY_WITHIN} s:\n"
                       f"{server.output()}")


def start_server(settings: Settings, workdir: Path, workers: int, *, demo: bool = True,
                 name: str = "server") -> Server:
    """`medborgarbudget serve` on a free loopback port, ready when this returns. The log is
    `workdir/NAME.log` (use another name for a restart)."""
    port = free_port()
    log = workdir / f"{name}.log"
    command = [*console_script(), "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers), *(["--demo"] if demo else [])]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=environment(settings), cwd=workdir,
                                   stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Server(process, f"http://{HOST}:{port}", log, workers)
    try:
        wait_until_ready(running)
    except BaseException:
        kill(running.process)
        raise
    return running


@contextlib.contextmanager
def running_server(settings: Settings, workdir: Path, workers: int) -> Iterator[Server]:
    """`start_server` with `--demo`, stopped when the block ends."""
    running = start_server(settings, workdir, workers)
    try:
        yield running
    finally:
        stop(running.process)


def project_once(settings: Settings, workdir: Path) -> str:
    """`medborgarbudget project --once`: the read models caught up with the log."""
    done = subprocess.run([*console_script(), "project", "--once"], env=environment(settings),
                          cwd=workdir, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, (done.stdout, done.stderr)
    return done.stdout.decode()


def start_projector(settings: Settings, workdir: Path) -> subprocess.Popen[bytes] | None:
    """On PostgreSQL, `medborgarbudget project` following the log in a process of its own (the
    server keeps the read models itself only on SQLite); None on SQLite. Stop it with `stop`."""
    if settings.backend == "sqlite":
        return None
    with (workdir / "projector.log").open("ab") as output:
        return subprocess.Popen([*console_script(), "project"], env=environment(settings),
                                cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_for_page(base: str, path: str) -> None:
    """Bounded polling until the page answers 200 (the read models have caught up with it)."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if httpx.get(f"{base}{path}", timeout=REQUEST_TIMEOUT).status_code == 200:
            return
        time.sleep(0.1)
    raise ServerFailed(f"{path} did not answer 200 within {READY_WITHIN} s")


def open_app(settings: Settings) -> Medborgarbudget:
    """The application on the store the server writes to, with the server's pseudonym key."""
    return Medborgarbudget(bytes.fromhex(PSEUDONYM_SECRET), env=settings.eventsourcing_env())


@dataclass(frozen=True)
class Demo:
    """The demo cycle's id and the feasible proposals of area norr."""

    cycle_id: str
    options: list[str]


def demo_cycle(base: str) -> Demo:
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        cycles = client.get("/api/v1/cycles").json()["cycles"]
        demo = next(c for c in cycles if c["name"] == DEMO_NAME)
        assert demo["phase"] == "voting"
        proposals = client.get(f"/api/v1/cycles/{demo['id']}/proposals").json()["proposals"]
    options = sorted(p["id"] for p in proposals
                     if p["area"] == "norr" and p["status"] == "feasible")
    assert len(options) >= 3
    return Demo(demo["id"], options)


def signed_in_cookie() -> dict[str, str]:
    """The Cookie header of a resident signed in on the pages of a server started here (sealed
    with its session key), with the CSRF token its pages' forms need already made."""
    from service.web.session import SESSION_COOKIE, SessionCookie, new_session_id

    session = {"sid": new_session_id(), "csrf": "benchmark-csrf-token",
               "resident": {"subject": "bench-reader", "name": "Läsare", "via": "local",
                            "birth_date": ADULT.isoformat(), "residence": "norr"}}
    sealed = SessionCookie(bytes.fromhex(SESSION_SECRET)).seal(session)
    return {"Cookie": f"{SESSION_COOKIE}={sealed}"}


def resident_headers(settings: Settings, voters: Sequence[str]) -> dict[str, dict[str, str]]:
    """A bearer token for each resident of norr (`voters` are personnummer, which tell the
    birth date)."""
    tokens = TokenVerifier.from_env(settings.data_dir,
                                    env={"MEDBORGARBUDGET_JWT_SECRET": JWT_SECRET})
    return {v: {"Authorization": "Bearer " + tokens.mint(Role.RESIDENT, v, 3600, None, "norr")}
            for v in voters}


@dataclass(frozen=True)
class Outcome:
    voter: str
    kind: str  # "ballot", "page" (the feedback page), "list" or "proposal" (see Browse)
    status: int | None  # None: no answer (connection refused or reset, time-out)
    seconds: float
    body: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""  # when there was no answer: the client's exception
    started: float = 0.0  # perf_counter() when the request was sent


@dataclass(frozen=True)
class Browse:
    """Pages a resident also reads before voting: a list of proposals, then one proposal
    (resident number n reads `proposals[n % len(proposals)]`)."""

    list_path: str
    proposals: Sequence[str]

    def paths(self, number: int) -> dict[str, str]:
        return {"list": self.list_path, "proposal": self.proposals[number % len(self.proposals)]}


@dataclass(frozen=True)
class Pacing:
    """How residents behave: `think` seconds (uniform between the two) between their actions,
    and arrivals spread evenly over `ramp` seconds. Zero: every request as fast as possible."""

    think: tuple[float, float] = (0.0, 0.0)
    ramp: float = 0.0
    seed: int = 1


async def _resident(session: aiohttp.ClientSession, gate: asyncio.Semaphore, demo: Demo,
                    voter: str, headers: Mapping[str, str], selections: Sequence[str],
                    pages: int, delay: float, pauses: Sequence[float],
                    seen: list[Outcome] | None, page_headers: Mapping[str, str],
                    browsed: Mapping[str, str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    paths = {"page": f"/cycles/{demo.cycle_id}", **browsed}
    await asyncio.sleep(delay)
    async with gate:
        kinds = (["page", *browsed, "ballot", *["page"] * (pages - 1)] if pages
                 else ["ballot"])
        for number, kind in enumerate(kinds):
            if number:
                await asyncio.sleep(pauses[number - 1])
            began = time.perf_counter()
            body: Mapping[str, Any] = {}
            error = ""
            status: int | None
            try:
                if kind == "ballot":
                    async with session.post(
                            f"/api/v1/cycles/{demo.cycle_id}/ballots", headers=headers,
                            json={"area": "norr", "selections": list(selections)}) as response:
                        status = response.status
                        if response.content_type.endswith("json"):
                            body = await response.json(content_type=None)
                        else:
                            await response.read()
                else:
                    async with session.get(paths[kind], headers=page_headers) as response:
                        status = response.status
                        await response.read()
            except (TimeoutError, aiohttp.ClientError, OSError) as failure:
                status, error = None, type(failure).__name__
            outcome = Outcome(voter, kind, status, time.perf_counter() - began, body, error,
                              began)
            outcomes.append(outcome)
            if seen is not None:
                seen.append(outcome)
    return outcomes


async def _drive(base: str, demo: Demo, headers: Mapping[str, Mapping[str, str]],
                 ballots: Mapping[str, Sequence[str]], attempts: Sequence[str],
                 concurrency: int, pages: int, pacing: Pacing,
                 seen: list[Outcome] | None, page_headers: Mapping[str, str],
                 browse: Browse | None) -> list[Outcome]:
    gate = asyncio.Semaphore(concurrency)
    rng = random.Random(pacing.seed)
    low, high = pacing.think
    spacing = pacing.ramp / max(1, len(attempts))
    # Idle connections are dropped well before uvicorn closes them (after 5 s): reusing one the
    # server is closing would read as the server failing.
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=2.0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(base_url=base, connector=connector,
                                     timeout=timeout) as session:
        def visit(number: int, voter: str) -> Coroutine[Any, Any, list[Outcome]]:
            browsed = browse.paths(number) if browse else {}
            pauses = [rng.uniform(low, high) for _ in range(pages + len(browsed))]
            return _resident(session, gate, demo, voter, headers[voter], ballots[voter], pages,
                             number * spacing, pauses, seen, page_headers, browsed)

        done = await asyncio.gather(*(visit(n, voter) for n, voter in enumerate(attempts)))
    return [outcome for outcomes in done for outcome in outcomes]


def drive_residents(base: str, demo: Demo, headers: Mapping[str, Mapping[str, str]],
                    ballots: Mapping[str, Sequence[str]], attempts: Sequence[str], *,
                    concurrency: int, pages: int = 1, pacing: Pacing | None = None,
                    seen: list[Outcome] | None = None,
                    page_headers: Mapping[str, str] | None = None,
                    browse: Browse | None = None) -> list[Outcome]:
    """Each attempt is a resident who reads the cycle's feedback page (then, with `browse`, a
    list of proposals and one proposal: outcomes of kind "list" and "proposal"), casts a
    ballot, then reads the feedback page `pages - 1` more times; at most `concurrency`
    residents at once, paced by `pacing` (default: no pauses); each answer is also appended to
    `seen` as it arrives, for a caller watching from another thread. Pages are asked for with
    `page_headers` (e.g. a session cookie). Every request is bounded by REQUEST_TIMEOUT. The
    client is aiohttp: httpx's pool spent more CPU per request than the server did."""
    return asyncio.run(_drive(base, demo, headers, ballots, attempts, concurrency, pages,
                              pacing or Pacing(), seen, page_headers or {}, browse))


def most_at_once(outcomes: Sequence[Outcome]) -> int:
    """The largest number of residents with a session in progress at the same moment (from
    their first request sent to their last answer)."""
    spans: dict[str, list[float]] = {}
    for o in outcomes:
        span = spans.setdefault(o.voter, [o.started, o.started + o.seconds])
        span[0], span[1] = min(span[0], o.started), max(span[1], o.started + o.seconds)
    edges = sorted([(a, 1) for a, _ in spans.values()] + [(b, -1) for _, b in spans.values()])
    current = peak = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _stored_casts(settings: Settings, cycle_id: str) -> list[Any]:
    """Every `Ballot.Cast` event of the cycle, read from the event store one event at a time (a
    ballot stored twice would appear twice)."""
    app = open_app(settings)
    found: list[Any] = []
    try:
        start = 1
        while True:
            page = app.recorder.select_notifications(start, 1000, topics=[BALLOT_CAST])
            for notification in page:
                event: Any = app.mapper.to_domain_event(notification)
                if event.cycle_id == cycle_id:
                    found.append(event)
            if len(page) < 1000:
                return found
            start = page[-1].id + 1
    finally:
        app.close()


def stored_ballots(settings: Settings, cycle_id: str) -> list[tuple[str, str]]:
    """(area, ballot id) of every `Ballot.Cast` event of the cycle."""
    return [(str(e.area), str(e.originator_id)) for e in _stored_casts(settings, cycle_id)]


def stored_receipt_list(settings: Settings, cycle_id: str) -> list[str]:
    """The receipt digest of every stored ballot that has one (a paper ballot has none), once
    per `Ballot.Cast` event."""
    return [e.receipt for e in _stored_casts(settings, cycle_id) if e.receipt]


def stored_receipts(settings: Settings, cycle_id: str) -> set[str]:
    """The receipt digests of the cycle's stored ballots (a 201's receipt code hashes to one)."""
    app = open_app(settings)
    try:
        return {record["data"]["receipt"] for record in app.iter_cycle_events(cycle_id)
                if record["topic"] == BALLOT_CAST and record["data"].get("receipt")}
    finally:
        app.close()


def receipt_digests(outcomes: Sequence[Outcome]) -> list[str]:
    """The digests of the receipt codes the residents got with their 201s."""
    return [receipt_digest(o.body["receipt"]) for o in outcomes if o.status == 201]


def read_model_receipts(settings: Settings, cycle_id: str) -> tuple[list[str], int]:
    """(the receipt digests in the read models' `rm_receipts`, the ballots their turnout
    counts) for the cycle."""
    from service.read_models import open_store

    store = open_store(settings)
    try:
        return ([str(row[0]) for row in store.cycle_rows("rm_receipts", cycle_id)],
                sum(int(row["ballots"]) for row in store.turnout_of(cycle_id)))
    finally:
        store.close()


@dataclass(frozen=True)
class Reconciled:
    """The ballots of a cycle against the 201s that answered them."""

    stored: int  # Ballot.Cast events of the cycle
    lost: int  # a 201's ballot not stored, or a stored ballot not in the read models
    doubled: int  # a ballot stored or projected twice, or one projected that is not stored


def reconcile(settings: Settings, cycle_id: str, digests: Sequence[str]) -> Reconciled:
    """Every 201 (its receipt code's `digests`) must be exactly one stored ballot, and every
    stored ballot counted once in the read models (turnout) with its receipt there once."""
    stored = [ballot for _, ballot in stored_ballots(settings, cycle_id)]
    stored_list = stored_receipt_list(settings, cycle_id)
    projected, counted = read_model_receipts(settings, cycle_id)
    lost = (len(set(digests) - set(stored_list)) + len(set(stored_list) - set(projected))
            + max(0, len(stored) - counted))
    doubled = (len(digests) - len(set(digests)) + len(stored) - len(set(stored))
               + len(stored_list) - len(set(stored_list))
               + len(projected) - len(set(projected)) + len(set(projected) - set(stored_list))
               + max(0, counted - len(stored)))
    return Reconciled(len(stored), lost, doubled)
