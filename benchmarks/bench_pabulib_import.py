"""How fast a Pabulib file imports, beside the eventsourcing library's own batch save.

    .venv/bin/python -m benchmarks.bench_pabulib_import [--ballots N] [--backend sqlite|postgres]

The file: the real election with the most votes in ../shared/pabulib (Gdynia 2021, 23 597
approval ballots), or with `--ballots N` (and always when that folder is missing, as in CI) a
generated approval election of N ballots shaped like it (6-20 projects, 1-3 chosen, voting
methods mixed). It is imported into a fresh store the way `medborgarbudget pabulib import` does
it: the file read (`read_pabulib`), then `import_election` (the cycle, its projects, every
ballot checked by the domain and stored with its cycle index rows, the tally published).

Beside it, on a fresh store of the same backend: the same number of `Ballot` aggregates, made
beforehand (not timed) for a cycle in voting, saved by the library, `app.save(*aggregates)` in
batches of the size the import writes (service/ballot_intake.import_chunk).

Target (issue #14): the whole import at 10 000 ballots/s or more on SQLite.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.bench_projection import fresh_settings
from benchmarks.generate import _ballots
from domain.pabulib.model import PabulibFile, PabulibProject, PabulibVote
from domain.pabulib.reader import read_pabulib
from domain.pabulib.writer import format_pabulib
from domain.phases import Phase
from service.ballot_intake import import_chunk
from service.demo import run_demo
from service.pabulib_cycles import import_election
from service.runtime import open_application

PABULIB = Path(__file__).resolve().parents[2] / "shared" / "pabulib"
TARGET = 10_000  # ballots/s, the whole import on SQLite


@dataclass(frozen=True)
class Measurement:
    source: str
    ballots: int
    seconds: float  # read + import_election
    ballot_seconds: float  # of which storing the ballots (import_ballots)
    library_rate: float  # app.save(*aggregates) in batches, ballots/s
    # The same two measured in this process's CPU time, which others sharing the machine
    # change less than the time on the clock (the fsyncs of the commits are not in it).
    cpu_seconds: float
    library_cpu_rate: float

    @property
    def rate(self) -> float:
        return self.ballots / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.ballots / self.cpu_seconds

    @property
    def ballot_rate(self) -> float:
        return self.ballots / self.ballot_seconds


def largest_real_file() -> Path | None:
    """The file in ../shared/pabulib with the most votes (None when the folder is missing)."""
    best: tuple[int, Path] | None = None
    for path in sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else ():
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("num_votes;"):
                    votes = int(line.split(";")[1])
                    if best is None or votes > best[0]:
                        best = (votes, path)
                    break
    return best[1] if best else None


def synthetic(ballots: int, seed: int = 14) -> str:
    """A valid approval election of `ballots` ballots, shaped like Gdynia 2021."""
    rng = random.Random(seed)
    projects = [PabulibProject({"project_id": str(100 + n), "cost": str(20_000 + 7_919 * n),
                                "votes": "0", "name": f"Projekt {n}"}) for n in range(20)]
    ids = [p.id for p in projects]
    meta = {"description": "Generated approval election", "country": "Poland",
            "unit": "Benchmark", "instance": "2026", "num_projects": str(len(projects)),
            "num_votes": str(ballots), "budget": "1000000", "vote_type": "approval",
            "rule": "greedy", "min_length": "1", "max_length": "3", "currency": "PLN"}
    votes = [PabulibVote({"voter_id": str(n), "vote": ",".join(rng.sample(ids, rng.randint(1, 3))),
                          "voting_method": "paper" if n % 7 == 0 else "internet"})
             for n in range(1, ballots + 1)]
    return format_pabulib(PabulibFile(meta, ["project_id", "cost", "votes", "name"], projects,
                                      ["voter_id", "vote", "voting_method"], votes))


def ours(backend: str, path: Path) -> tuple[int, float, float, float]:
    """(ballots, seconds for read + import, seconds storing the ballots, CPU seconds for read
    + import) on a fresh store."""
    with fresh_settings(backend, keep=False) as settings:
        app = open_application(settings)
        try:
            intake = app.ballots
            spent: list[float] = []
            store = intake.import_ballots

            def timed(*args: Any, **kwargs: Any) -> Any:
                began = time.perf_counter()
                try:
                    return store(*args, **kwargs)
                finally:
                    spent.append(time.perf_counter() - began)

            intake.import_ballots = timed  # type: ignore[method-assign]
            began, cpu = time.perf_counter(), time.process_time()
            with path.open(encoding="utf-8", newline="") as handle:
                election = read_pabulib(handle)
            imported = import_election(app, election, path.name)
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
            results = app.cycle(imported.cycle_id).results or {}
            counted = sum(a["ballots"] for a in results.get("areas", {}).values())
            if counted != len(election.votes):
                raise AssertionError(f"{counted} ballots counted of {len(election.votes)}")
            return len(election.votes), seconds, sum(spent), cpu
        finally:
            app.close()


def library(backend: str, count: int) -> tuple[float, float]:
    """The library alone: `app.save(*aggregates)`, as many at a time as the import writes in
    a transaction; ballots/s on the clock and in CPU time."""
    with fresh_settings(backend, keep=False) as settings:
        app = open_application(settings)
        try:
            batch = import_chunk(app.recorder)
            cycle_id = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
            ballots = list(_ballots(app, cycle_id, count, 14, "batch"))  # not timed
            began, cpu = time.perf_counter(), time.process_time()
            for start in range(0, count, batch):
                app.save(*ballots[start:start + batch])
            return (count / (time.perf_counter() - began),
                    count / (time.process_time() - cpu))
        finally:
            app.close()


def run(backend: str, ballots: int | None, workdir: Path) -> Measurement:
    """`ballots` None: the largest real file if there is one, else 20 000 generated."""
    real = largest_real_file() if ballots is None else None
    if real is None:
        count = ballots or 20_000
        real = workdir / f"generated_{count}.pb"
        real.write_text(synthetic(count), encoding="utf-8")
    count, seconds, ballot_seconds, cpu = ours(backend, real)
    library_rate, library_cpu_rate = library(backend, count)
    return Measurement(real.name, count, seconds, ballot_seconds, library_rate, cpu,
                       library_cpu_rate)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--ballots", type=int, default=None,
                        help="a generated file of N ballots (default: the largest real file)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        m = run(args.backend, args.ballots, Path(folder))
    print(f"{args.backend}: {m.source}, {m.ballots:,} ballots imported in {m.seconds:.2f} s: "
          f"{m.rate:,.0f} ballots/s (storing the ballots {m.ballot_rate:,.0f}/s)")
    print(f"  library app.save(*aggregates), as many a batch: {m.library_rate:,.0f}/s "
          f"(ratio {m.rate / m.library_rate:.2f}); target >= {TARGET:,}/s: "
          + ("met" if m.rate >= TARGET else "NOT met"))
    print(f"  in CPU time: the import {m.cpu_rate:,.0f}/s, the library's save "
          f"{m.library_cpu_rate:,.0f}/s (ratio {m.cpu_rate / m.library_cpu_rate:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
