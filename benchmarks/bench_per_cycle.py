"""How fast one cycle's history is read from a store full of other cycles' events.

    .venv/bin/python -m benchmarks.bench_per_cycle [--others N] [--backend sqlite|postgres]

Builds a fresh store: a cycle voting with N ballot events of its own (half of them stored
before the measured cycle, half after: see benchmarks/generate.py), and between them the demo
cycle taken to `closed` with enough voters for about 500 events. Then measures, in the same run:

1. the audit export of the measured cycle (`service.audit_export.export_lines`, every line);
2. its events pages as the API serves them (`events_page`, 100 events a page, the default),
   from the first to the last: the slowest page is the figure;
3. beside them, the library reading the same events aggregate by aggregate (`select_events`
   for every member, decoded by the mapper): what reading that much costs at least.

Targets (issue #15): with 1 000 000 events of other cycles, the export in < 1 s and an events
page in < 100 ms, on both backends. Before the cycle index (ADR 0015) both read the whole log:
16.6 s for a 463-event export and 18 s for a page with 300 000 events in the store.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

from benchmarks.bench_projection import fresh_settings
from benchmarks.generate import store_ballot_events
from domain.phases import Phase
from service.application import Medborgarbudget
from service.audit_export import events_page, export_lines
from service.demo import run_demo
from service.runtime import open_application

EXPORT_SECONDS = 1.0
PAGE_SECONDS = 0.1
PAGE_LIMIT = 100  # the API's default
VOTERS_PER_AREA = 127  # the demo cycle then has about 500 events
RUNS = 3  # each measurement repeated; the best run counts for the export, every page counts


@dataclass(frozen=True)
class Measurement:
    others: int  # events of other cycles in the store
    cycle_events: int
    export_seconds: float
    export_lines: int
    slowest_page_seconds: float
    pages: int
    library_seconds: float  # the same events read by aggregate through the library

    @property
    def met(self) -> bool:
        return (self.export_seconds < EXPORT_SECONDS
                and self.slowest_page_seconds < PAGE_SECONDS)


def populate(app: Medborgarbudget, others: int) -> tuple[object, int]:
    """(the measured cycle's id, events of other cycles stored)."""
    crowd = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
    stored = store_ballot_events(app, crowd, others // 2, seed=1)
    measured = run_demo(app, stop_in=Phase.CLOSED, voters_per_area=VOTERS_PER_AREA,
                        seed=2028).cycle_id
    stored += store_ballot_events(app, crowd, others - others // 2, seed=2)
    return measured, stored


def library_read(app: Medborgarbudget, cycle_id: object) -> tuple[int, float]:
    members = app.cycle_member_ids(str(cycle_id))
    began = time.perf_counter()
    count = 0
    for member in members:
        for stored in app.recorder.select_events(member):
            app.mapper.to_domain_event(stored)
            count += 1
    return count, time.perf_counter() - began


def measure(app: Medborgarbudget, cycle_id: object, others: int) -> Measurement:
    best_export, lines = float("inf"), 0
    for _ in range(RUNS):
        began = time.perf_counter()
        lines = sum(1 for _ in export_lines(app, str(cycle_id)))
        best_export = min(best_export, time.perf_counter() - began)
    slowest, pages, events = 0.0, 0, 0
    for _ in range(RUNS):
        after: int | None = 0
        pages = events = 0
        while after is not None:
            began = time.perf_counter()
            found, after, _ = events_page(app, str(cycle_id), after, PAGE_LIMIT)
            slowest = max(slowest, time.perf_counter() - began)
            pages += 1
            events += len(found)
    library = min(library_read(app, cycle_id)[1] for _ in range(RUNS))
    return Measurement(others, events, best_export, lines, slowest, pages, library)


def run(backend: str, others: int, keep: bool = False) -> Measurement:
    with fresh_settings(backend, keep) as settings:
        app = open_application(settings)
        try:
            cycle_id, _ = populate(app, others)
            return measure(app, cycle_id, others)
        finally:
            app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--others", type=int, default=1_000_000,
                        help="events of other cycles in the store")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the store afterwards")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    m = run(args.backend, args.others, args.keep)
    print(f"{args.backend}: {m.others:,} events of other cycles, a cycle of {m.cycle_events} "
          f"events (built and measured in {time.perf_counter() - began:.0f} s)")
    print(f"  export: {m.export_seconds * 1000:.0f} ms ({m.export_lines} lines; "
          f"target < {EXPORT_SECONDS * 1000:.0f} ms)")
    print(f"  events pages of {PAGE_LIMIT}: slowest {m.slowest_page_seconds * 1000:.1f} ms "
          f"of {m.pages} (target < {PAGE_SECONDS * 1000:.0f} ms)")
    print(f"  library, the same events by aggregate: {m.library_seconds * 1000:.0f} ms")
    print("  targets " + ("met" if m.met else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
