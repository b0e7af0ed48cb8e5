"""Speed of the allocation rules against pabutools, and memory on a million ballots.

    .venv/bin/python -m benchmarks.bench_tally [--quick]

For each benchmark both libraries count the same parsed file; parsing is not timed, while
everything the rule itself builds (our voter classes, pabutools' satisfaction profiles) is.
Our time is the best of a few runs on a fresh Election; pabutools' the best of as many runs
as fit (one for its two-minute mes-add1). The winners must be identical. `--quick` skips
pabutools' mes-add1 on Warszawa (about two minutes); nothing is reused in its place.

Peak memory: mes-add1 on a seeded synthetic election of 1 000 000 approval ballots over 200
projects, counted in a child process whose peak resident set size (VmHWM, else ru_maxrss) is
reported, interpreter, numpy and data generation included.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from domain.allocation import CompactBallots, Election, Project, allocate
from domain.pabulib import read_pabulib, to_election

PABULIB = Path(__file__).resolve().parents[2] / "shared" / "pabulib"
WARSZAWA = PABULIB / "Poland_Warszawa_2024_Ursus.pb"
GDYNIA = PABULIB / "Poland_Gdynia_2021.pb"
KRAKOW = PABULIB / "Poland_Krakow_2019_Nowa_Huta.pb"
MEMORY_LIMIT_MB = 1024.0


@dataclass
class Row:
    what: str
    ours: float
    theirs: float | None
    target: str
    met: bool | None
    same: bool | None


def _election(path: Path) -> Election:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return to_election(read_pabulib(stream))


def _best(run: Callable[[], Any], times: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _ours(path: Path, rule: str, times: int = 3) -> tuple[float, list[str]]:
    # A fresh Election per run: building the voter classes is part of the timed work.
    best = float("inf")
    selected: list[str] = []
    for _ in range(times):
        election = _election(path)
        start = time.perf_counter()
        selected = allocate(election, rule).selected
        best = min(best, time.perf_counter() - start)
    return best, selected


def _pabutools(path: Path, rule: str, times: int) -> tuple[float, list[str]]:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    from tests.unit.allocation.pabutools_reference import score_satisfaction

    instance, profile = parse_pabulib(str(path))

    def run() -> Any:
        if rule == "greedy":
            return greedy_utilitarian_welfare(
                instance, profile, sat_class=score_satisfaction(instance.meta["vote_type"])
            )
        increment = 1 if rule == "mes-add1" else None
        return method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=increment
        )

    seconds, chosen = _best(run, times)
    return seconds, [p.name for p in chosen]


def compare(path: Path, rule: str, factor: float | None, limit: float | None,
            pabutools_runs: int) -> Row:
    ours, selected = _ours(path, rule)
    what = f"{rule} on {path.stem}"
    if pabutools_runs == 0:
        return Row(what, ours, None, f"≥{factor:.0f}x pabutools", None, None)
    theirs, their_selected = _pabutools(path, rule, pabutools_runs)
    same = set(selected) == set(their_selected)
    if limit is not None:
        return Row(what, ours, theirs, f"< {limit:g} s", ours < limit, same)
    assert factor is not None
    return Row(what, ours, theirs, f"≥{factor:.0f}x pabutools", theirs / ours >= factor, same)


# ----------------------------------------------------------------------- synthetic election


def synthetic_election(voters: int = 1_000_000, projects: int = 200, seed: int = 2024) -> Election:
    """Approval ballots of 1-15 projects (3.3 on average), popularity heavy-tailed, costs
    20 000-1 500 000 kr, budget 30 000 000 kr (30 kr per voter)."""
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.2, projects) + 1.0
    popularity /= popularity.sum()
    lengths = np.minimum(rng.geometric(0.3, voters), 15)
    indptr = np.zeros(voters + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = rng.choice(projects, size=int(indptr[-1]), p=popularity)
    costs = rng.integers(20, 1500, projects) * 1000
    ids = [f"P{i:03d}" for i in range(projects)]
    return Election(
        projects=[Project(pid, Decimal(int(cost))) for pid, cost in zip(ids, costs, strict=True)],
        ballots=CompactBallots(ids, indptr, indices),
        budget=Decimal(30_000_000),
        vote_type="approval",
    )


def _synthetic_child() -> None:
    start = time.perf_counter()
    election = synthetic_election()
    generated = time.perf_counter() - start
    start = time.perf_counter()
    outcome = allocate(election, "mes-add1")
    counted = time.perf_counter() - start
    peak_kb = _peak_rss_kb()
    print(json.dumps({
        "generate_s": generated, "count_s": counted, "peak_mb": peak_kb / 1024,
        "selected": len(outcome.selected), "cost": str(outcome.cost),
    }))


def _peak_rss_kb() -> int:
    """Peak resident set size of this process. VmHWM where Linux has it: ru_maxrss of a child
    started by fork + exec also counts the parent's memory from before the exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def synthetic_memory() -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_tally", "--synthetic-child"],
        capture_output=True, text=True, check=True,
    )
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="skip pabutools' two-minute mes-add1 on Warszawa")
    parser.add_argument("--synthetic-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.synthetic_child:
        _synthetic_child()
        return 0
    if not WARSZAWA.exists():
        print(f"the published files are not in {PABULIB}", file=sys.stderr)
        return 2

    rows = [
        compare(WARSZAWA, "mes", 20, None, pabutools_runs=2),
        compare(GDYNIA, "mes", 20, None, pabutools_runs=2),
        compare(WARSZAWA, "mes-add1", 50, None, pabutools_runs=0 if args.quick else 1),
        compare(KRAKOW, "greedy", None, 1.0, pabutools_runs=2),
    ]
    print(f"{'benchmark':<44} {'ours':>9} {'pabutools':>10} {'ratio':>8}  "
          f"{'target':<16} {'met':<5} same winners")
    for row in rows:
        theirs = f"{row.theirs:9.3f}s" if row.theirs is not None else "  skipped"
        ratio = f"{row.theirs / row.ours:7.1f}x" if row.theirs is not None else "     n/a"
        met = {True: "yes", False: "NO", None: "-"}[row.met]
        same = {True: "yes", False: "NO", None: "not checked (--quick)"}[row.same]
        print(f"{row.what:<44} {row.ours:8.3f}s {theirs:>10} {ratio:>8}  "
              f"{row.target:<16} {met:<5} {same}")

    memory = synthetic_memory()
    met_memory = memory["peak_mb"] < MEMORY_LIMIT_MB
    print()
    print("mes-add1 on 1 000 000 synthetic approval ballots x 200 projects (child process):")
    print(f"  peak memory {memory['peak_mb']:.0f} MB (target < {MEMORY_LIMIT_MB:.0f} MB: "
          f"{'met' if met_memory else 'NOT met'}); generating {memory['generate_s']:.1f} s, "
          f"counting {memory['count_s']:.1f} s; {memory['selected']} projects funded for "
          f"{memory['cost']} kr")
    failed = any(r.met is False or r.same is False for r in rows) or not met_memory
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
