"""A voting day compressed into minutes, on the production set-up: does any process grow, and do
the read models come back after the projector dies?

    .venv/bin/python -m benchmarks.bench_soak [--quick] [--voting-seconds S] [--arrivals N]
    .venv/bin/python -m benchmarks --only soak [--quick]       (a part of the full run)

`medborgarbudget serve --workers 2` and `medborgarbudget project` run as the systemd units of
docs/deploy.md start them (tests/integration/deploy_units.py reads the units from the guide), on
a PostgreSQL schema of their own. Everything else is real HTTP to the service:

1. last year: staff create a cycle, residents propose, a reviewer reviews, residents vote, staff
   close the vote and publish the results (SKR: repeated over time);
2. this year's cycle is created as its successor; while residents propose ideas others read the
   front page and last year's results; then the reviewer reviews every proposal (one in seven is
   refused with a reason) and staff open the vote;
3. the voting day: residents arrive at an even rate; each reads the cycle's page, the proposals
   (four in five the page, one in five the API), one proposal's page, casts a ballot with their
   own token, checks the receipt (API and page) and one in four reads last year's results,
   pausing between steps. After a quarter of
   the day (the warm-up) the resident set size (VmRSS) of every process is sampled; half-way the
   projector is killed (SIGKILL) and started again by the same command a little later, as
   `Restart=always` would;
4. staff close the vote and publish the results; in the evening residents read the results
   (page and API), check that their receipt is counted, and the last sample is taken once the
   read models have caught up.

/readyz is asked every 0.2 s throughout (on one connection, so one worker answers): the read
models' lag in events and seconds as operators see it. Afterwards every 201 is checked to be
exactly one ballot in the event store and in the read models.

Targets: every process grows less than 10 % between the warm-up and the end; the lag goes back
to 0 after the restart, and is 0 at the end; no ballot lost or doubled, no request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from benchmarks.bench_projection import fresh_settings
from service.api.auth import TokenVerifier
from service.config import Settings
from tests.identities import valid_personnummer
from tests.integration.deploy_units import Launch, LocalInstall, describe, guide_launches
from tests.integration.live_cycle import API, AREAS, Idea, Live, LiveCycle, ideas
from tests.integration.server_support import (
    REQUEST_TIMEOUT,
    Server,
    kill,
    percentile,
    reconcile,
    stop,
    wait_until_ready,
)

WORKERS = 2
GROWTH_TARGET = 0.10  # at most 10 % more resident memory at the end than after the warm-up
WARM_UP = 0.25  # of the voting day
KILL_AT = 0.5  # of the voting day
LAG_EVERY = 0.2  # seconds between two /readyz
RSS_EVERY = 1.0  # seconds between two samples of every process's memory
CATCH_UP_WITHIN = 120.0  # seconds for the read models to catch up at the end
FIRST_BORN = date(1950, 1, 1)
API_READERS = 0.2  # of the voters, read the proposals through the API rather than the page
LAST_YEAR_READERS = 0.25  # of the voters, also read last year's results


@dataclass(frozen=True)
class SoakSizes:
    last_year_ideas: int
    last_year_ballots: int
    ideas: int  # proposed this year
    ideas_seconds: float  # the ideas phase, while others read
    arrivals: float  # residents arriving per second on the voting day
    voting_seconds: float
    outage_seconds: float  # the projector dead
    evening_seconds: float  # residents reading the results
    think: tuple[float, float] = (0.2, 0.8)  # seconds between a resident's steps


QUICK = SoakSizes(last_year_ideas=8, last_year_ballots=100, ideas=14, ideas_seconds=2,
                  arrivals=25, voting_seconds=16, outage_seconds=3, evening_seconds=3)
FULL = SoakSizes(last_year_ideas=14, last_year_ballots=600, ideas=28, ideas_seconds=10,
                 arrivals=25, voting_seconds=150, outage_seconds=15, evening_seconds=15)


# ---- the processes and their memory ----------------------------------------------------------

def rss_kib(pid: int) -> int | None:
    """VmRSS of the process in KiB; None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time the process has used so far; None once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn started (multiprocessing spawn), not its resource tracker."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent != pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"spawn_main" in cmdline.read():
                    found.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return sorted(found)


@dataclass
class Memory:
    """A process's resident memory: after the warm-up, at the end, the highest seen, and every
    sample with its time."""

    name: str
    pid: int
    base: int | None = None
    end: int | None = None
    peak: int = 0
    base_at: float = 0.0
    series: list[tuple[float, int]] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds at the warm-up and the end
    day_end: int | None = None  # at the end of the voting day

    def sample(self) -> int | None:
        now = rss_kib(self.pid)
        if now is not None:
            self.peak = max(self.peak, now)
            self.series.append((time.monotonic(), now))
        return now

    def warmed_up(self) -> None:
        self.base, self.base_at = self.sample(), time.monotonic()
        self.cpu = [cpu_seconds(self.pid) or 0.0]

    def finished(self) -> None:
        self.end = self.sample()
        self.cpu.append(cpu_seconds(self.pid) or 0.0)

    @property
    def cpu_used(self) -> float:
        return self.cpu[-1] - self.cpu[0] if len(self.cpu) == 2 else 0.0

    def split(self) -> tuple[float, float] | None:
        """Growth from the warm-up to the end of the voting day, and from there to the end
        (closing, counting, publishing and reading the results)."""
        if self.base is None or self.end is None or self.day_end is None:
            return None
        return (self.day_end - self.base) / self.base, (self.end - self.day_end) / self.base

    @property
    def growth(self) -> float | None:
        if self.base is None or self.end is None:
            return None
        return (self.end - self.base) / self.base


# ---- the read models' lag, as /readyz tells it ----------------------------------------------

@dataclass(frozen=True)
class LagSample:
    at: float  # monotonic
    status: int | None
    events: int | None
    seconds: float | None


class LagWatcher(threading.Thread):
    """/readyz every LAG_EVERY seconds on one connection, and every process's memory every
    RSS_EVERY seconds, until stopped."""

    def __init__(self, base: str, memories: list[Memory]) -> None:
        super().__init__(name="soak-watcher", daemon=True)
        self.base = base
        self.memories = memories
        self.samples: list[LagSample] = []
        self.done = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        next_rss = 0.0
        with httpx.Client(base_url=self.base, timeout=10.0) as client:
            while not self.done.is_set():
                began = time.monotonic()
                try:
                    answer = client.get("/readyz")
                    body = answer.json()
                    sample = LagSample(began, answer.status_code, body.get("lag_events"),
                                       body.get("lag_seconds"))
                except (httpx.HTTPError, ValueError):
                    sample = LagSample(began, None, None, None)
                self.samples.append(sample)
                if began >= next_rss:
                    with self.lock:
                        for memory in self.memories:
                            memory.sample()
                    next_rss = began + RSS_EVERY
                self.done.wait(max(0.0, LAG_EVERY - (time.monotonic() - began)))

    def add(self, memory: Memory) -> None:
        with self.lock:
            self.memories.append(memory)

    def between(self, start: float, end: float) -> list[LagSample]:
        return [s for s in list(self.samples) if start <= s.at < end]

    def caught_up_since(self, moment: float) -> float | None:
        """Seconds from `moment` to the first answer after it showing no lag."""
        for sample in list(self.samples):
            if sample.at > moment and sample.events == 0:
                return sample.at - moment
        return None


# ---- residents ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    stage: str
    kind: str
    status: int | None
    seconds: float
    expected: int = 200
    error: str = ""
    at: float = 0.0  # perf_counter() when sent


@dataclass(frozen=True)
class Resident:
    subject: str  # a personnummer
    born: date
    area: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


# A resident's visit: their requests on a shared session, with pauses between them.
Visit = Callable[[aiohttp.ClientSession], Awaitable[None]]


@dataclass
class Crowd:
    """Residents on the service, recording every answer."""

    base: str
    think: tuple[float, float]
    seed: int = 7
    hits: list[Hit] = field(default_factory=list)
    receipts: dict[str, list[str]] = field(default_factory=dict)  # stage -> 201s' codes
    # When a receipt check found its ballot not yet in the read models (monotonic).
    unprojected: list[float] = field(default_factory=list)
    proposed: list[tuple[str, Idea]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think))

    async def ask(self, session: aiohttp.ClientSession, stage: str, kind: str, method: str,
                  path: str, expected: int = 200, **options: Any) -> tuple[int | None, Any]:
        began = time.perf_counter()
        body: Any = None
        try:
            async with session.request(method, path, **options) as answer:
                status: int | None = answer.status
                if answer.content_type.endswith("json"):
                    body = await answer.json(content_type=None)
                else:
                    await answer.read()
            error = ""
        except (TimeoutError, aiohttp.ClientError, OSError) as failure:
            status, error = None, type(failure).__name__
        self.hits.append(Hit(stage, kind, status, time.perf_counter() - began, expected, error,
                             began))
        return status, body

    # -- visits --

    async def proposer(self, session: aiohttp.ClientSession, delay: float, cycle: str,
                       who: Resident, idea: Idea) -> None:
        await asyncio.sleep(delay)
        await self.ask(session, "ideas", "front page", "GET", "/")
        await self.pause()
        await self.ask(session, "ideas", "cycle page", "GET", f"/cycles/{cycle}")
        await self.pause()
        body = {"area": idea.area, "title": idea.title, "estimated_cost": idea.cost,
                "description": f"{idea.title}, föreslaget av en invånare.", "category": "miljö"}
        status, made = await self.ask(session, "ideas", "proposal", "POST",
                                      f"{API}/cycles/{cycle}/proposals", 201, json=body,
                                      headers=who.headers)
        if status == 201:
            self.proposed.append((str(made["id"]), idea))
            await self.pause()
            await self.ask(session, "ideas", "proposal page", "GET", f"/proposals/{made['id']}")

    async def reader(self, session: aiohttp.ClientSession, stage: str, delay: float,
                     cycle: str, receipt: str | None) -> None:
        """Reads a cycle's results (page and API); with a receipt code, checks it is counted."""
        await asyncio.sleep(delay)
        await self.ask(session, stage, "front page", "GET", "/")
        await self.pause()
        await self.ask(session, stage, "results page", "GET", f"/cycles/{cycle}/results")
        await self.pause()
        await self.ask(session, stage, "results API", "GET", f"{API}/cycles/{cycle}/results")
        if receipt is not None:
            await self.pause()
            await self.ask(session, stage, "receipt API", "GET",
                           f"{API}/cycles/{cycle}/receipts/{receipt}")

    async def voter(self, session: aiohttp.ClientSession, stage: str, delay: float,
                    cycle: LiveCycle, who: Resident, last_year: str | None,
                    reads: bool = True) -> None:
        await asyncio.sleep(delay)
        options = cycle.proposals[who.area]
        if reads:
            await self.ask(session, stage, "cycle page", "GET", f"/cycles/{cycle.id}")
            await self.pause()
            # Most read the proposals' page; some (an app, a journalist) the API.
            if self.rng.random() < API_READERS:
                await self.ask(session, stage, "proposals API", "GET",
                               f"{API}/cycles/{cycle.id}/proposals")
            else:
                await self.ask(session, stage, "proposals page", "GET",
                               f"/cycles/{cycle.id}/proposals")
            await self.pause()
            await self.ask(session, stage, "proposal page", "GET",
                           f"/proposals/{self.rng.choice(options)}")
            await self.pause()
        choices = self.rng.sample(options, self.rng.randint(1, min(3, len(options))))
        status, cast = await self.ask(session, stage, "ballot", "POST",
                                      f"{API}/cycles/{cycle.id}/ballots", 201,
                                      json={"area": who.area, "selections": choices},
                                      headers=who.headers)
        if status != 201:
            return
        code = cast["receipt"]
        self.receipts.setdefault(stage, []).append(code)
        if not reads:
            return
        await self.pause()
        _, checked = await self.ask(session, stage, "receipt API", "GET",
                                    f"{API}/cycles/{cycle.id}/receipts/{code}")
        if isinstance(checked, dict) and checked.get("stored") is False:
            self.unprojected.append(time.monotonic())
        await self.ask(session, stage, "receipt page", "GET", f"/cycles/{cycle.id}/receipt",
                       params={"code": code})
        if last_year is not None and self.rng.random() < LAST_YEAR_READERS:
            await self.pause()
            await self.ask(session, stage, "results page", "GET", f"/cycles/{last_year}/results")

    async def gather(self, visits: Sequence[Visit]) -> None:
        connector = aiohttp.TCPConnector(limit=400, keepalive_timeout=2.0)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        async with aiohttp.ClientSession(base_url=self.base, connector=connector,
                                         timeout=timeout) as session:
            await asyncio.gather(*(visit(session) for visit in visits))

    def run(self, visits: Sequence[Visit]) -> None:
        asyncio.run(self.gather(visits))


class Residents:
    """Tokens for residents, minted in advance with the key the service keeps in its state
    folder (the service's `medborgarbudget token` would sign with the same)."""

    def __init__(self, service: Launch) -> None:
        data = Path(service.env["MEDBORGARBUDGET_DATA"])
        self.verifier = TokenVerifier.from_env(data, env=service.env)
        self.count = 0

    def new(self, area: str | None = None) -> Resident:
        n = self.count
        self.count += 1
        born = FIRST_BORN + timedelta(days=n // 1000)
        subject = valid_personnummer(n % 1000, born)
        area = area or str(AREAS[n % len(AREAS)]["id"])
        token = self.verifier.mint("resident", subject, 12 * 3600, born, area)
        return Resident(subject, born, area, token)

    def mint(self, role: str, subject: str, born: date | None, residence: str | None) -> str:
        return self.verifier.mint(role, subject, 12 * 3600, born, residence)


# ---- the day ---------------------------------------------------------------------------------

@dataclass
class SoakRun:
    seconds: float = 0.0
    residents: int = 0
    hits: list[Hit] = field(default_factory=list)
    ballots: int = 0
    lost: int = 0
    doubled: int = 0
    memories: list[Memory] = field(default_factory=list)
    voting_lag: tuple[int, float] = (0, 0.0)  # max events, max seconds, projector up
    outage_lag: tuple[int, float] = (0, 0.0)  # max while the projector was dead
    outage_seconds: float = 0.0
    catch_up_seconds: float | None = None  # from the restart to no lag
    # `project --once` on current read models: the start-up alone, at the end.
    projector_start_seconds: float | None = None
    driver_cpu: float = 0.0  # CPU seconds of this process (residents, watcher) on the day
    cpu_wall: float = 0.0  # seconds from the warm-up to the end
    day_seconds: float = 0.0  # the voting day as it ran (its last residents finish late)
    end_lag: tuple[int | None, float | None] = (None, None)
    unprojected: tuple[int, int] = (0, 0)  # receipt checks not yet projected: outage, other
    not_ready: int = 0  # /readyz answers other than 200
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> Counter[str]:
        return Counter(f"{h.kind} {h.status or h.error}" for h in self.hits
                       if h.status != h.expected)


def _max_lag(samples: Sequence[LagSample]) -> tuple[int, float]:
    return (max((s.events or 0 for s in samples), default=0),
            max((s.seconds or 0.0 for s in samples), default=0.0))


@contextlib.contextmanager
def _running(launch: Launch, log: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The unit's process (a list: a restart appends the new one); all stopped afterwards."""
    processes = [launch.start(log)]
    try:
        yield processes
    finally:
        for process in processes:
            stop(process)


def _in_thread(crowd: Crowd, visits: Sequence[Visit]) -> threading.Thread:
    thread = threading.Thread(target=crowd.run, args=(visits,), name="soak-crowd", daemon=True)
    thread.start()
    return thread


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def _last_year(live: Live, crowd: Crowd, residents: Residents, sizes: SoakSizes) -> str:
    """Last year's cycle from creation to published results, its ballots cast all at once."""
    cycle = live.create("Medborgarbudget Soakby 2026")
    live.fire(cycle, "open_ideas", "Idéinsamlingen öppnar")
    proposed = []
    for idea in ideas(sizes.last_year_ideas):
        who = residents.new(idea.area)
        proposed.append((live.propose(cycle, idea, who.subject, who.born), idea))
    voting = live.to_voting(cycle, proposed)
    crowd.run([partial(crowd.voter, stage="last year", delay=0.0, cycle=voting, who=who,
                       last_year=None, reads=False)
               for who in (residents.new() for _ in range(sizes.last_year_ballots))])
    live.results(cycle)
    return cycle


def _ideas(live: Live, crowd: Crowd, residents: Residents, sizes: SoakSizes,
           last_year: str) -> LiveCycle:
    """This year's cycle, next year's of `last_year`: residents propose while others read last
    year's results; then every proposal is reviewed and the vote opens."""
    cycle = live.create("Medborgarbudget Soakby 2027", predecessor=last_year)
    live.fire(cycle, "open_ideas", "Idéinsamlingen öppnar")
    spacing = sizes.ideas_seconds / max(1, sizes.ideas)
    visits: list[Visit] = []
    for n, idea in enumerate(ideas(sizes.ideas)):
        visits.append(partial(crowd.proposer, delay=n * spacing, cycle=cycle,
                              who=residents.new(idea.area), idea=idea))
        visits.append(partial(crowd.reader, stage="ideas", delay=n * spacing, cycle=last_year,
                              receipt=None))
    crowd.run(visits)
    return live.to_voting(cycle, sorted(crowd.proposed, key=lambda made: made[1].title))


@dataclass
class Day:
    """The voting day's moments (monotonic) and the processes watched."""

    start: float = 0.0
    killed: float = 0.0
    restarted: float = 0.0
    end: float = 0.0


def _voting_day(run: SoakRun, crowd: Crowd, residents: Residents, sizes: SoakSizes,
                voting: LiveCycle, last_year: str, watcher: LagWatcher, projector: Launch,
                projectors: list[subprocess.Popen[bytes]], log_file: Path,
                log: Callable[[str], None]) -> Day:
    """Residents vote all day; the memory is sampled after the warm-up; half-way the projector
    is killed, and started again after the outage."""
    voters = [residents.new() for _ in range(int(sizes.arrivals * sizes.voting_seconds))]
    log(f"  the voting day: {len(voters):,} residents over {sizes.voting_seconds:.0f} s...")
    day = Day(start=time.monotonic())
    crowding = _in_thread(crowd, [
        partial(crowd.voter, stage="voting", delay=n / sizes.arrivals, cycle=voting, who=who,
                last_year=last_year)
        for n, who in enumerate(voters)])
    _sleep_until(day.start + WARM_UP * sizes.voting_seconds)
    for memory in run.memories:
        memory.warmed_up()
    _sleep_until(day.start + KILL_AT * sizes.voting_seconds)
    first = next(m for m in run.memories if m.pid == projectors[0].pid)
    first.finished()
    day.killed = time.monotonic()
    kill(projectors[0])
    log(f"  projector killed at {day.killed - day.start:.0f} s, for "
        f"{sizes.outage_seconds:.0f} s...")
    _sleep_until(day.killed + sizes.outage_seconds)
    projectors.append(projector.start(log_file))
    day.restarted = time.monotonic()
    again = Memory("project, started again", projectors[-1].pid)
    run.memories.append(again)
    watcher.add(again)
    while (watcher.caught_up_since(day.restarted) is None and crowding.is_alive()
           and time.monotonic() < day.restarted + CATCH_UP_WITHIN):
        time.sleep(LAG_EVERY / 4)
    run.catch_up_seconds = watcher.caught_up_since(day.restarted)
    again.warmed_up()  # after the catch-up: the backlog was its warm-up
    crowding.join()
    day.end = time.monotonic()
    for memory in run.memories:
        if memory.end is None:
            memory.day_end = memory.sample()
    return day


def _evening(run: SoakRun, live: Live, crowd: Crowd, sizes: SoakSizes, voting: LiveCycle,
             watcher: LagWatcher, day: Day) -> None:
    """The vote closes and the results are published; residents read them and check that
    their receipt is counted; the last memory sample once the read models have caught up."""
    live.results(voting.id)
    rng = random.Random(11)
    codes = crowd.receipts.get("voting", [])
    crowd.run([partial(crowd.reader, stage="evening", delay=n / sizes.arrivals,
                       cycle=voting.id, receipt=rng.choice(codes) if codes else None)
               for n in range(int(sizes.arrivals * sizes.evening_seconds))])
    deadline = time.monotonic() + CATCH_UP_WITHIN
    while time.monotonic() < deadline:
        last = watcher.samples[-1] if watcher.samples else None
        if last is not None and last.at > day.end and last.events == 0:
            break
        time.sleep(LAG_EVERY)
    time.sleep(2 * LAG_EVERY)
    for memory in run.memories:
        if memory.end is None:
            memory.finished()


def soak(sizes: SoakSizes, say: Callable[[str], None] = print) -> SoakRun:
    """The whole day; progress through `say`, each line with the seconds so far."""
    run = SoakRun()
    began = time.monotonic()

    def log(text: str) -> None:
        say(f"  [{time.monotonic() - began:4.0f} s]{text}")

    with fresh_settings("postgres", keep=False) as settings:
        assert settings.database_url is not None
        root = settings.data_dir.parent
        service, projector = guide_launches(LocalInstall(root, settings.database_url),
                                           workers=WORKERS)
        log("  " + describe([service, projector]).replace("\n", "\n  "))
        with _running(projector, root / "project.log") as projectors, \
                _running(service, root / "serve.log") as servers:
            server = Server(servers[0], service.base, root / "serve.log", WORKERS)
            wait_until_ready(server)
            workers = workers_of(server.process.pid)
            run.memories = [Memory("serve, main process", server.process.pid),
                            *(Memory(f"serve, worker {n}", pid)
                              for n, pid in enumerate(workers, 1)),
                            Memory("project", projectors[0].pid)]
            watcher = LagWatcher(service.base, list(run.memories))
            watcher.start()
            residents = Residents(service)
            crowd = Crowd(service.base, sizes.think)
            try:
                with httpx.Client(base_url=service.base, timeout=REQUEST_TIMEOUT) as client:
                    live = Live(client, residents.mint)
                    log("  last year's cycle, proposals to results...")
                    last_year = _last_year(live, crowd, residents, sizes)
                    log("  this year's ideas, review, the vote opens...")
                    voting = _ideas(live, crowd, residents, sizes, last_year)
                    driver_cpu = time.process_time()
                    day = _voting_day(run, crowd, residents, sizes, voting, last_year, watcher,
                                      projector, projectors, root / "project-again.log", log)
                    log("  close, results, the evening...")
                    _evening(run, live, crowd, sizes, voting, watcher, day)
                    run.driver_cpu = time.process_time() - driver_cpu
                    run.cpu_wall = time.monotonic() - (run.memories[0].base_at or began)
                    began_once = time.monotonic()
                    once = projector.run("project", "--once")
                    if once.returncode == 0:
                        run.projector_start_seconds = time.monotonic() - began_once
            finally:
                watcher.done.set()
                watcher.join(timeout=10)
            if workers_of(server.process.pid) != workers:
                run.notes.append(f"uvicorn replaced a worker during the run: {workers} -> "
                                 f"{workers_of(server.process.pid)}")
        _lags(run, watcher, day)
        run.hits = crowd.hits
        outage = [at for at in crowd.unprojected if day.killed <= at < day.restarted
                  + (run.catch_up_seconds or CATCH_UP_WITHIN)]
        run.unprojected = (len(outage), len(crowd.unprojected) - len(outage))
        run.residents = residents.count
        _count(run, Settings(Path(service.env["MEDBORGARBUDGET_DATA"]), settings.database_url),
               voting.id, crowd.receipts.get("voting", []))
    run.seconds = time.monotonic() - began
    return run


def _lags(run: SoakRun, watcher: LagWatcher, day: Day) -> None:
    last = watcher.samples[-1] if watcher.samples else None
    run.end_lag = (last.events, last.seconds) if last is not None else (None, None)
    caught = day.restarted + (run.catch_up_seconds or 0.0)
    run.voting_lag = _max_lag(watcher.between(day.start, day.killed)
                              + watcher.between(caught, day.end))
    run.outage_lag = _max_lag(watcher.between(day.killed, caught))
    run.outage_seconds = day.restarted - day.killed
    run.day_seconds = day.end - day.start
    run.not_ready = sum(1 for s in watcher.samples if s.status != 200)


def _count(run: SoakRun, settings: Settings, cycle: str, receipts: Sequence[str]) -> None:
    """Every 201 of the voting day is one ballot stored and one in the read models (as the
    HTTP rows check it: the receipt code's digest is in exactly one stored ballot)."""
    from domain.receipts import receipt_digest

    reconciled = reconcile(settings, cycle, [receipt_digest(code) for code in receipts])
    run.ballots, run.lost, run.doubled = (reconciled.stored, reconciled.lost,
                                          reconciled.doubled)


# ---- report ---------------------------------------------------------------------------------

def _mib(kib: int | None) -> str:
    return "?" if kib is None else f"{kib / 1024:,.0f}"


@dataclass(frozen=True)
class Line:
    what: str
    figure: str
    reference: str
    target: str
    met: bool | None


def lines(run: SoakRun, sizes: SoakSizes) -> list[Line]:
    failures = run.failures
    requests = len(run.hits)
    out = [Line(f"soak, postgres, serve --workers {WORKERS} + project, "
                f"{sizes.voting_seconds:.0f} s voting day",
                f"{run.residents:,} residents, {requests:,} requests, {run.ballots:,} ballots "
                f"in {run.seconds:.0f} s",
                f"lost / doubled {run.lost} / {run.doubled}; failed requests "
                f"{sum(failures.values())}"
                + (" (" + ", ".join(f"{k}: {n}" for k, n in sorted(failures.items())) + ")"
                   if failures else ""),
                "0 / 0, none failed",
                run.lost == 0 and run.doubled == 0 and not failures)]
    voting = [h for h in run.hits if h.stage == "voting"]
    p50, p95, p99 = (percentile([h.seconds for h in voting], q) * 1000 for q in (.5, .95, .99))
    ballots = [h.seconds for h in voting if h.kind == "ballot"]
    pages = [h.seconds for h in voting if h.kind.endswith("page")]
    out.append(Line(f"request latency on the voting day ({len(voting):,} requests)",
                    f"p50/p95/p99 {p50:.0f}/{p95:.0f}/{p99:.0f} ms",
                    f"p99 ballots {percentile(ballots, .99) * 1000:.0f} ms, pages "
                    f"{percentile(pages, .99) * 1000:.0f} ms; the day took "
                    f"{run.day_seconds:.0f} s for {sizes.voting_seconds:.0f} s of arrivals",
                    "-", None))
    for memory in run.memories:
        growth = memory.growth
        out.append(Line(
            f"memory growth after warm-up, {memory.name}",
            "?" if growth is None else f"{growth * 100:+.1f} % ({_mib(memory.base)} -> "
                                       f"{_mib(memory.end)} MiB)",
            ("until it was killed" if memory.name == "project"
             else "from its catch-up to the end" if "again" in memory.name
             else f"from {WARM_UP:.0%} of the day to the end")
            + (f"; voting {split[0] * 100:+.1f} %, results {split[1] * 100:+.1f} %"
               if (split := memory.split()) else "") + f"; peak {_mib(memory.peak)} MiB",
            f"< {GROWTH_TARGET:.0%}", growth is not None and growth < GROWTH_TARGET))
    used = {m.name: m.cpu_used for m in run.memories}
    out.append(Line(f"CPU from the warm-up to the end ({run.cpu_wall:.0f} s, "
                    f"{os.cpu_count()} CPUs)",
                    f"{sum(used.values()) + run.driver_cpu:.0f} s",
                    ", ".join(f"{name.removeprefix('serve, ')} {cpu:.0f} s"
                              for name, cpu in used.items())
                    + f"; the residents' driver {run.driver_cpu:.0f} s", "-", None))
    events, seconds = run.voting_lag
    out.append(Line("read-model lag while voting, projector up",
                    f"max {events:,} events / {seconds:.1f} s",
                    f"/readyz every {LAG_EVERY} s, {run.not_ready} answers not 200 all day; "
                    f"{run.unprojected[1]:,} receipt checks not yet projected",
                    "-", None))
    events, seconds = run.outage_lag
    caught = run.catch_up_seconds
    up = run.projector_start_seconds
    out.append(Line(f"read-model lag, projector killed for {run.outage_seconds:.0f} s",
                    "not caught up" if caught is None
                    else f"back to 0 {caught:.1f} s after the restart",
                    ("" if up is None else f"a start with nothing to do takes {up:.1f} s; ")
                    + f"max {events:,} events / {seconds:.1f} s; {run.unprojected[0]:,} "
                    "receipt checks found their ballot not yet projected",
                    "back to 0", caught is not None))
    end_events, end_seconds = run.end_lag
    out.append(Line("read-model lag at the end",
                    f"{end_events} events / {end_seconds or 0:.1f} s",
                    "after the results were published and read", "0 / 0",
                    end_events == 0 and not end_seconds))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="well under a minute")
    parser.add_argument("--voting-seconds", type=float, default=None,
                        help="a longer (or shorter) voting day")
    parser.add_argument("--arrivals", type=float, default=None,
                        help="residents arriving per second on the voting day")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    sizes = replace(sizes, voting_seconds=args.voting_seconds or sizes.voting_seconds,
                    arrivals=args.arrivals or sizes.arrivals)
    run = soak(sizes)
    for line in lines(run, sizes):
        met = {True: "yes", False: "NO", None: "-"}[line.met]
        print(f"| {line.what} | {line.figure} | {line.reference} | {line.target} | {met} |")
    for note in run.notes:
        print(note)
    return 0 if all(line.met is not False for line in lines(run, sizes)) else 1


if __name__ == "__main__":
    sys.exit(main())
