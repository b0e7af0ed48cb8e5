"""Every benchmark in one run, one table: `.venv/bin/python -m benchmarks [--quick]`
(`--only PART`, repeatable, runs some of them: http-sqlite, http-postgres, projection-sqlite,
projection-postgres, audit, tally, close-race, soak, per-cycle, pabulib-import).

Each figure is measured side by side with its reference in the same run:

1. ballots/s through the HTTP API of a real `medborgarbudget serve` (SQLite with one worker,
   PostgreSQL with two and `medborgarbudget project` following), against the eventsourcing
   library saving the same kind of `Ballot` aggregates directly, one `save` at a time, in one
   thread, on a fresh store of the same backend; afterwards every 201 is checked to be exactly
   one ballot in the event store and in the read models (counted in the turnout, its receipt
   in `rm_receipts`);
2. p50/p95/p99 latency of casting a ballot and of the cycle's feedback page with 500 residents
   at once: they arrive within two seconds and each reads the page, casts a ballot and reads
   the page again, pausing one to three seconds between the three as a person would (without
   pauses, 500 requests sent in the same instant measure only the queue they form); the table
   shows how many residents were in fact in the middle of their visit at the same moment;
   before voting each resident also reads, after the same pauses, the proposals list (with
   thumbnails) and one proposal page of another cycle whose proposals carry three pictures and
   twenty comments each (benchmarks.rich_pages), and their p50/p95/p99 are shown too;
3. projection catch-up against the library reading the same log (benchmarks.bench_projection);
4. `audit verify` of a generated export (benchmarks.bench_audit_verify);
5. the allocation rules against pabutools (benchmarks.bench_tally);
6. ballots and ballot changes racing a close of voting from another process, in 50 rounds on
   each backend (10 with --quick; CI runs 3): none may be stored after the close
   (tests/integration/test_close_race.py);
7. the soak: a voting day compressed into minutes (seconds with --quick) on PostgreSQL, with
   `serve --workers 2` and `project` started as docs/deploy.md's systemd units start them,
   residents reading and voting over HTTP, staff taking two cycles through their phases and the
   projector killed and started again half-way: each process's memory growth after the
   warm-up, and the read models' lag (benchmarks.bench_soak).
8. one cycle's audit export and events pages read from a store holding a million events of other
   cycles, on each backend, beside the library reading the same events by aggregate
   (benchmarks.bench_per_cycle).
9. `pabulib import` of a large election (the largest real file with --quick, 100 000 generated
   approval ballots at full size) into a fresh store of each backend, ballots/s for the whole
   import, beside the library saving as many `Ballot` aggregates with `app.save(*aggregates)` in
   batches of the import's size (benchmarks.bench_pabulib_import).

The load driver (aiohttp, asyncio) runs on the same machine as the server and shares its CPUs.
Targets are printed next to the figures; the exit status is 0 whatever they show, unless a
ballot was lost or doubled (1). PostgreSQL: MEDBORGARBUDGET_TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    bench_audit_verify,
    bench_pabulib_import,
    bench_per_cycle,
    bench_projection,
    bench_soak,
    bench_tally,
    rich_pages,
)
from benchmarks.bench_projection import fresh_settings
from benchmarks.generate import _ballots
from domain.phases import Phase
from service.config import Settings
from service.demo import run_demo
from service.runtime import open_application
from tests.identities import valid_personnummer
from tests.integration.server_support import (
    Browse,
    Outcome,
    Pacing,
    demo_cycle,
    drive_residents,
    most_at_once,
    percentile,
    project_once,
    receipt_digests,
    reconcile,
    resident_headers,
    signed_in_cookie,
    start_projector,
    start_server,
    stop,
    wait_for_page,
)


@dataclass(frozen=True)
class Sizes:
    ballots: int  # cast through HTTP, and saved directly
    concurrency: int  # residents at once for the throughput run
    residents: int  # residents at once for the latency run
    events: int  # projection catch-up
    audit_ballots: int
    other_cycles_events: int  # in the store beside the cycle read by the per-cycle part
    import_ballots: int | None  # a generated Pabulib file; None: the largest real one


# A signed-in resident's session cookie: decrypted, and its id looked up among the ended
# sessions, on every page; the page gets the reader's own account corner (docs/adr/0011).
SESSION = signed_in_cookie()
# Residents arrive within two seconds and pause 1-3 s between reading, voting and reading again.
RESIDENTS_PACING = Pacing(think=(1.0, 3.0), ramp=2.0)
QUICK = Sizes(ballots=400, concurrency=50, residents=500, events=20_000, audit_ballots=20_000,
              other_cycles_events=50_000, import_ballots=None)
PARTS = ("http-sqlite", "http-postgres", "projection-sqlite", "projection-postgres", "audit",
         "tally", "close-race", "soak", "per-cycle", "pabulib-import")
# The race of ballots against a close from another process (tests/integration/
# test_close_race.py), in more rounds than CI runs it.
CLOSE_RACE_ROUNDS = {True: 10, False: 50}  # --quick, full
FULL = Sizes(ballots=3_000, concurrency=50, residents=500, events=1_000_000,
             audit_ballots=1_000_000, other_cycles_events=1_000_000,
             import_ballots=100_000)


@dataclass
class Row:
    what: str
    figure: str
    reference: str
    target: str
    met: bool | None


@dataclass
class HttpRun:
    rate: float
    errors: int
    lost: int
    doubled: int
    ballot_ms: tuple[float, float, float]
    page_ms: tuple[float, float, float]
    session_page_ms: tuple[float, float, float]  # residents with a session cookie
    list_ms: tuple[float, float, float]  # the proposals list with thumbnails
    proposal_ms: tuple[float, float, float]  # a proposal page: 3 pictures, 20 comments
    session_rich_ms: tuple[float, float, float]  # both, with a session cookie
    latency_errors: int
    at_once: int  # residents in the middle of their visit at the same moment, at most
    unexpected: str  # the answers other than 201 (ballots) and 200 (pages), by status


def _latency(what: str, ms: tuple[float, float, float], beside: str, p99_under: int) -> Row:
    p50, p95, p99 = ms
    return Row(what, f"p50/p95/p99 {p50:.0f}/{p95:.0f}/{p99:.0f} ms", beside,
               f"p99 < {p99_under} ms", p99 < p99_under)


def _answered_as_meant(outcome: Outcome) -> bool:
    return outcome.status == (201 if outcome.kind == "ballot" else 200)


def _ms(values: list[float]) -> tuple[float, float, float]:
    return (percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000,
            percentile(values, 0.99) * 1000)


def http_run(backend: str, workers: int, sizes: Sizes) -> HttpRun:
    with fresh_settings(backend, keep=False) as settings:
        workdir = settings.data_dir.parent
        rich = rich_pages.seed(settings)
        browse = Browse(rich.list_path, rich.proposal_paths)
        server = start_server(settings, workdir, workers)
        projector = start_projector(settings, workdir)
        try:
            demo = demo_cycle(server.base)
            wait_for_page(server.base, f"/cycles/{demo.cycle_id}")
            rich_pages.wait_until_shown(server.base, rich)
            voters = [valid_personnummer(n)
                      for n in range(sizes.ballots + 2 * sizes.residents)]
            headers = resident_headers(settings, voters)
            rng_ballots = {v: demo.options[: 1 + n % 3] for n, v in enumerate(voters)}
            throughput_voters = voters[: sizes.ballots]
            # The driver's own set-up is set aside from its garbage collector: a full
            # collection of it stopped the driver's event loop for 60-90 ms, and the answers
            # that arrived meanwhile were timed as the server's latency.
            gc.collect()
            gc.freeze()
            began = time.perf_counter()
            first = drive_residents(server.base, demo, headers, rng_ballots, throughput_voters,
                                    concurrency=sizes.concurrency, pages=0)
            elapsed = time.perf_counter() - began
            residents = voters[sizes.ballots:sizes.ballots + sizes.residents]
            second = drive_residents(server.base, demo, headers, rng_ballots, residents,
                                     concurrency=sizes.residents, pages=2,
                                     pacing=RESIDENTS_PACING, browse=browse)
            # The same again, as residents with a session cookie.
            third = drive_residents(server.base, demo, headers, rng_ballots,
                                    voters[sizes.ballots + sizes.residents:],
                                    concurrency=sizes.residents, pages=2,
                                    pacing=RESIDENTS_PACING, page_headers=SESSION,
                                    browse=browse)
        finally:
            gc.unfreeze()
            stop(server.process)
            if projector is not None:
                stop(projector)
        project_once(settings, workdir)
        return _check(settings, demo.cycle_id, first, second, third, elapsed)


def _check(settings: Settings, cycle_id: str, first: list[Outcome], second: list[Outcome],
           third: list[Outcome], elapsed: float) -> HttpRun:
    everything = (*first, *second, *third)
    accepted = [o for o in everything if o.kind == "ballot" and o.status == 201]
    # A receipt code proves its ballot is stored: its digest is in the ballot's event.
    reconciled = reconcile(settings, cycle_id, receipt_digests(accepted))
    ok_first = sum(1 for o in first if o.status == 201)
    unexpected = Counter(f"{o.kind} {o.status or o.error}" for o in everything
                         if not _answered_as_meant(o))
    return HttpRun(
        rate=ok_first / elapsed,
        errors=sum(1 for o in first if o.status != 201),
        lost=reconciled.lost, doubled=reconciled.doubled,
        ballot_ms=_ms([o.seconds for o in second if o.kind == "ballot"]),
        page_ms=_ms([o.seconds for o in second if o.kind == "page"]),
        session_page_ms=_ms([o.seconds for o in third if o.kind == "page"]),
        list_ms=_ms([o.seconds for o in second if o.kind == "list"]),
        proposal_ms=_ms([o.seconds for o in second if o.kind == "proposal"]),
        session_rich_ms=_ms([o.seconds for o in third if o.kind in ("list", "proposal")]),
        latency_errors=sum(1 for o in (*second, *third) if not _answered_as_meant(o)),
        at_once=most_at_once(second),
        unexpected=", ".join(f"{what}: {n}" for what, n in sorted(unexpected.items())),
    )


def direct_rate(backend: str, count: int) -> float:
    """The library alone: `app.save(ballot)` for each of `count` ballots, one thread."""
    with fresh_settings(backend, keep=False) as settings:
        app = open_application(settings)
        try:
            cycle_id = run_demo(app, stop_in=Phase.VOTING).cycle_id
            ballots = list(_ballots(app, cycle_id, count, 5, "direct"))  # not timed
            began = time.perf_counter()
            for ballot in ballots:
                app.save(ballot)
            return count / (time.perf_counter() - began)
        finally:
            app.close()


def projection(backend: str, events: int) -> tuple[float, float]:
    """(ours, library) events/s catching up with a log of `events` events."""
    with fresh_settings(backend, keep=False) as settings:
        app = open_application(settings)
        try:
            bench_projection.populate(app, events)
            bench_projection.raw_read(app, bench_projection.PAGE)  # warm the caches
            read, seconds = bench_projection.library_read(app, bench_projection.PAGE)
            library = read / seconds
            done, seconds = bench_projection.ours(app, settings, bench_projection.PAGE)
            return done / seconds, library
        finally:
            app.close()


def audit_verify(ballots: int) -> bench_audit_verify.Measurement:
    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        template = bench_audit_verify.make_template(workdir)
        generated = bench_audit_verify.build_export(template, workdir / "export.jsonl",
                                                    ballots, 2027)
        return bench_audit_verify.run_verify(bench_audit_verify.SCRIPT, generated.path,
                                             workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def close_race(rounds: int) -> tuple[bool, str]:
    """The close-race test in `rounds` rounds; whether it passed, and pytest's last line."""
    env = {**os.environ, "MEDBORGARBUDGET_STRESS_ROUNDS": str(rounds)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/integration/test_close_race.py"], env=env, text=True,
                          capture_output=True, check=False, timeout=3600)
    last = (done.stdout.strip().splitlines() or ["no output"])[-1]
    return done.returncode == 0, f"pytest: {last.strip('= ')}"


def _yes(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


def machine() -> str:
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    postgres = "not reachable"
    try:
        import psycopg

        with psycopg.connect(bench_projection.POSTGRES_URL, connect_timeout=3) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            postgres = str(row[0]) if row else "unknown"
    except Exception as error:  # reported, not fatal: the PostgreSQL rows then fail
        postgres = f"not reachable ({error})"
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs ({model}); "
            f"{memory} memory; Python {platform.python_version()}; PostgreSQL {postgres}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (minutes); default: full sizes")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="run only these parts (repeatable); default: all")
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    sizes = QUICK if args.quick else FULL
    rows: list[Row] = []
    lost_or_doubled = 0
    print(machine(), flush=True)

    for backend, workers in (("sqlite", 1), ("postgres", 2)):
        if f"http-{backend}" not in parts:
            continue
        print(f"HTTP on {backend}, {workers} worker(s)...", flush=True)
        run = http_run(backend, workers, sizes)
        direct = direct_rate(backend, sizes.ballots)
        ratio = run.rate / direct
        wanted = 0.5 if workers == 1 else 1.0
        rows.append(Row(f"ballots/s via HTTP, {backend}, {workers} worker(s), "
                        f"{sizes.concurrency} at once", f"{run.rate:,.0f}/s",
                        f"direct save {direct:,.0f}/s (ratio {ratio:.2f})",
                        f"ratio >= {wanted:.1f}", ratio >= wanted))
        at_once = f"{run.at_once} residents in mid-visit at the peak"
        rows += [
            _latency(f"ballot latency, {backend}, {sizes.residents} residents at once",
                     run.ballot_ms, at_once, 250),
            _latency(f"feedback page latency, {backend}, {sizes.residents} at once",
                     run.page_ms, at_once, 100),
            _latency(f"the same, {sizes.residents} residents with a session cookie",
                     run.session_page_ms, "session read, own account corner", 100),
            _latency(f"proposal page latency (3 pictures, {rich_pages.COMMENTS} comments), "
                     f"{backend}, {sizes.residents} at once", run.proposal_ms,
                     f"one of {rich_pages.PROPOSALS}, read by every resident", 100),
            _latency(f"proposals list latency (thumbnails), {backend}, {sizes.residents} at once",
                     run.list_ms, f"{rich_pages.PROPOSALS} proposals, 3 pictures each", 100),
            _latency(f"the same two, {sizes.residents} residents with a session cookie",
                     run.session_rich_ms, "session read, own account corner", 100),
        ]
        errors = run.errors + run.latency_errors
        rows.append(Row(f"lost / doubled ballots, {backend} (errors: {errors})",
                        f"{run.lost} / {run.doubled}",
                        "store and read models vs 201s" + (f"; {run.unexpected}"
                                                           if run.unexpected else ""),
                        "0 / 0", run.lost == 0 and run.doubled == 0))
        lost_or_doubled += run.lost + run.doubled

    for backend in ("sqlite", "postgres"):
        if f"projection-{backend}" not in parts:
            continue
        print(f"Projection catch-up on {backend}...", flush=True)
        ours, library = projection(backend, sizes.events)
        ratio = ours / library
        rows.append(Row(f"projection catch-up, {backend}, {sizes.events:,} events",
                        f"{ours:,.0f} events/s",
                        f"library read+decode {library:,.0f}/s (ratio {ratio:.2f})",
                        f"ratio >= {bench_projection.TARGET:.2f}",
                        ratio >= bench_projection.TARGET))

    if "audit" in parts:
        print("audit verify...", flush=True)
        measured = audit_verify(sizes.audit_ballots)
        ok = measured.exit_code == 0 and "Verified:" in measured.stdout
        rows.append(Row(f"audit verify, {sizes.audit_ballots:,} ballots",
                        f"{measured.wall_seconds:.1f} s, "
                        f"{measured.peak_bytes / 1024**2:,.0f} MiB",
                        f"exit {measured.exit_code}, CPU {measured.cpu_seconds:.1f} s",
                        f"verified, < {bench_audit_verify.TARGET_SECONDS:.0f} s, < 2 GiB",
                        ok and measured.wall_seconds <= bench_audit_verify.TARGET_SECONDS
                        and 0 <= measured.peak_bytes < bench_audit_verify.TARGET_BYTES))

    if "per-cycle" in parts:
        for backend in ("sqlite", "postgres"):
            print(f"one cycle among {sizes.other_cycles_events:,} other events on {backend}...",
                  flush=True)
            cycle = bench_per_cycle.run(backend, sizes.other_cycles_events)
            among = f"{cycle.others:,} other events"
            rows.append(Row(f"audit export of a {cycle.cycle_events}-event cycle, {backend}, "
                            f"{among}", f"{cycle.export_seconds * 1000:,.0f} ms",
                            f"library reads its events by aggregate in "
                            f"{cycle.library_seconds * 1000:,.0f} ms",
                            f"< {bench_per_cycle.EXPORT_SECONDS * 1000:.0f} ms",
                            cycle.export_seconds < bench_per_cycle.EXPORT_SECONDS))
            rows.append(Row(f"events page of that cycle, {backend}, {among}",
                            f"{cycle.slowest_page_seconds * 1000:,.1f} ms",
                            f"slowest of {cycle.pages} pages of {bench_per_cycle.PAGE_LIMIT}, "
                            f"{bench_per_cycle.RUNS} times",
                            f"< {bench_per_cycle.PAGE_SECONDS * 1000:.0f} ms",
                            cycle.slowest_page_seconds < bench_per_cycle.PAGE_SECONDS))

    if "pabulib-import" in parts:
        for backend in ("sqlite", "postgres"):
            print(f"pabulib import on {backend}...", flush=True)
            with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
                imported = bench_pabulib_import.run(backend, sizes.import_ballots, Path(folder))
            ratio = imported.rate / imported.library_rate
            wanted = bench_pabulib_import.TARGET
            rows.append(Row(f"pabulib import, {backend}, {imported.ballots:,} ballots "
                            f"({imported.source})",
                            f"{imported.rate:,.0f} ballots/s (storing them "
                            f"{imported.ballot_rate:,.0f}/s)",
                            f"library batch save {imported.library_rate:,.0f}/s "
                            f"(ratio {ratio:.2f}); CPU time "
                            f"{imported.cpu_rate:,.0f}/s vs {imported.library_cpu_rate:,.0f}/s "
                            f"(ratio {imported.cpu_rate / imported.library_cpu_rate:.2f})",
                            f">= {wanted:,}/s" if backend == "sqlite" else "-",
                            imported.rate >= wanted if backend == "sqlite" else None))

    if "close-race" in parts:
        rounds = CLOSE_RACE_ROUNDS[args.quick]
        print(f"ballots racing the close, {rounds} rounds on each backend...", flush=True)
        passed, summary = close_race(rounds)
        rows.append(Row(f"ballots stored after the close, {rounds} rounds x 2 backends",
                        "0" if passed else "some", summary, "0", passed))

    if "soak" in parts:
        soak_sizes = bench_soak.QUICK if args.quick else bench_soak.FULL
        print(f"soak: a {soak_sizes.voting_seconds:.0f} s voting day on postgres...", flush=True)
        soaked = bench_soak.soak(soak_sizes)
        rows += [Row(line.what, line.figure, line.reference, line.target, line.met)
                 for line in bench_soak.lines(soaked, soak_sizes)]
        lost_or_doubled += soaked.lost + soaked.doubled

    tallies: list[bench_tally.Row] = []
    if "tally" in parts:
        print("tally vs pabutools...", flush=True)
        tallies = [
            bench_tally.compare(bench_tally.WARSZAWA, "mes", 20, None, pabutools_runs=2),
            bench_tally.compare(bench_tally.GDYNIA, "mes", 20, None, pabutools_runs=2),
            bench_tally.compare(bench_tally.KRAKOW, "greedy", None, 1.0, pabutools_runs=2),
        ]
        if not args.quick:
            tallies.append(bench_tally.compare(bench_tally.WARSZAWA, "mes-add1", 50, None,
                                               pabutools_runs=1))
    for tally in tallies:
        theirs = (f"pabutools {tally.theirs:.3f} s (ratio {tally.theirs / tally.ours:.1f}x)"
                  if tally.theirs is not None else "pabutools skipped")
        same = {True: "", False: ", DIFFERENT winners", None: ""}[tally.same]
        rows.append(Row(f"tally {tally.what}", f"{tally.ours:.3f} s", theirs + same,
                        tally.target, tally.met if tally.same is not False else False))

    print()
    print(f"Benchmarks ({'--quick' if args.quick else 'full sizes'})")
    header = ("measurement", "figure", "measured beside it", "target", "met")
    table = [header, *((r.what, r.figure, r.reference, r.target, _yes(r.met)) for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for number, row in enumerate(table):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
              + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    verdicts = Counter(_yes(r.met) for r in rows)
    print(f"\nTargets met: {verdicts['yes']}, not met: {verdicts['NO']}.")
    return 1 if lost_or_doubled else 0


if __name__ == "__main__":
    sys.exit(main())
