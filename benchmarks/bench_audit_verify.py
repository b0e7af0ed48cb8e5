"""How fast an auditor can verify the export of a large cycle: `audit verify` on N ballots.

    .venv/bin/python -m benchmarks.bench_audit_verify [--ballots N] [--keep DIR]

Storing a million ballots through the application would take far longer than verifying them, so
the export is built directly, from a real one:

1. a small cycle (one area, approval 1-3 of 12 proposals, greedy, ballots may be changed) is run
   through the application on a temporary SQLite store up to published results, and exported
   with `service.audit_export.export_lines`: the header, the cycle's and proposals' events and
   the shape of `Ballot.Cast` / `Ballot.Changed` events are taken from that export, exactly as
   the store wrote them;
2. N ballots are generated like the template's (one in ten on paper, one in a hundred of the
   digital ones changed afterwards), with ids derived from (cycle, area, voter) as the domain
   does; the voter keys are synthetic 64-hex pseudonyms;
3. the results are counted with the real tally (`domain.cycle_tally.tally`, called as the
   application calls it), so that the `ResultsPublished` line holds what the service would
   have published and the verifier really recounts a million ballots;
4. the lines are chained with `domain.audit.export_records`, the exporter's own code.

Then `medborgarbudget audit verify FILE` runs as a subprocess under `/usr/bin/time -v`, its
standard error on a pseudo-terminal so that the progress bar is drawn as a user would see it.
Targets: verified (exit 0) within 60 s, peak memory under 2 GiB, a progress bar on stderr.
Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import pty
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from domain.audit import BALLOT_CAST, BALLOT_CHANGED, export_records, header, verify_lines
from domain.ballot import ballot_id
from domain.cycle_tally import AreaRules, CountedBallot, CountedProposal, tally
from domain.identity import personnummer_of
from service.application import Medborgarbudget, actor_of
from service.audit_export import export_lines
from service.ballot_intake import (
    CastBallot,
    ChangeBallot,
    Voter,
)
from service.config import Settings
from service.runtime import open_application

TARGET_SECONDS = 60.0
TARGET_BYTES = 2 * 1024**3
TIME = Path("/usr/bin/time")
SCRIPT = Path(sys.executable).parent / "medborgarbudget"

ADMIN = actor_of("admin", "bench")
AREA = "centrum"
BUDGET = 3_000_000
TEMPLATE_VOTERS = 40


def _voter(n: int) -> Voter:
    born = date(1980, 1, 1)
    return Voter(str(personnummer_of(born, n)), born)
# (title, cost): a city-wide pot, as in a large city's participatory budget.
IDEAS = [
    ("Utegym i Stadsparken", 450_000), ("Belysning längs ån", 300_000),
    ("Lekplats på torget", 600_000), ("Pumptrack vid skolan", 800_000),
    ("Blomsterängar", 120_000), ("Hundrastgård", 250_000), ("Parkbänkar", 90_000),
    ("Skatepark", 900_000), ("Fruktträd i parken", 60_000), ("Bokbussen", 400_000),
    ("Konstgräsplan", 1_200_000), ("Grillplatser vid sjön", 150_000),
]


@dataclass
class Template:
    """What the benchmark takes from a real cycle and its real export."""

    records: list[dict[str, Any]]  # the export's records, without prev/hash
    rules: dict[str, AreaRules]
    proposals: list[CountedProposal]


def area_rules(app: Medborgarbudget, cycle_id: Any) -> dict[str, AreaRules]:
    """The rules the application's tally counts with (as in Medborgarbudget.tally)."""
    return app.cycle(cycle_id).area_rules()


def make_template(workdir: Path) -> Template:
    app = open_application(Settings(workdir / "data", None))
    try:
        cycle_id = app.create_cycle("Medborgarbudget Storstad 2027", "Storstads kommun", ADMIN)
        app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
        app.add_area(cycle_id, {"id": AREA, "name": "Hela staden", "kind": "territorial",
                                "budget": BUDGET}, ADMIN)
        app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 3},
                            ADMIN, allow_ballot_changes=True)
        app.set_allocation_rule(cycle_id, "greedy", ADMIN)
        app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut i fullmäktige")
        ids = [str(app.submit_proposal(cycle_id, AREA, title, title, cost, "miljö",
                                       f"bench-proposer-{n}"))
               for n, (title, cost) in enumerate(IDEAS)]
        app.trigger(cycle_id, "close_ideas", ADMIN, "Slut på idéer")
        for pid, (_, cost) in zip(ids, IDEAS, strict=True):
            app.review_proposal(pid, True, cost, "", ADMIN)
        app.trigger(cycle_id, "open_voting", ADMIN, "Alla förslag prövade")
        rng = random.Random(1)
        # Digital ballots only: the generated ones are copies of one of them (paper ballots
        # cost the verifier the same, and would need roll marks and boxes around them).
        for n in range(TEMPLATE_VOTERS):
            app.ballots.cast(CastBallot(cycle_id, AREA, _voter(n),
                                        rng.sample(ids, rng.randint(1, 3))))
        app.ballots.change(ChangeBallot(cycle_id, AREA, _voter(1), ids[:2]))
        app.trigger(cycle_id, "close_voting", ADMIN, "Röstningen stängde")
        app.trigger(cycle_id, "publish_results", ADMIN, "Räknat")
        lines = list(export_lines(app, cycle_id))
        report = verify_lines(lines)
        assert report.ok, report.findings
        rules = area_rules(app, cycle_id)
        proposals = [CountedProposal(str(p.id), p.area, p.title, p.cost)
                     for p in app.proposals(cycle_id) if p.on_ballot]
        # The pure tally, called as here, reproduces what the application published.
        published = app.cycle(cycle_id).results
        assert tally(rules, proposals, app.counted_ballots(cycle_id)) == published
    finally:
        app.close()
    records = []
    for line in lines:
        record = json.loads(line)
        record.pop("hash")
        record.pop("prev", None)  # the header has none
        records.append(record)
    return Template(records, rules, proposals)


@dataclass
class Generated:
    path: Path
    ballots: int
    events: int
    seconds: float


def build_export(template: Template, path: Path, count: int, seed: int) -> Generated:
    started = time.perf_counter()
    records = template.records
    events = [r for r in records if r["kind"] == "event"]
    is_ballot = [r["topic"] in (BALLOT_CAST, BALLOT_CHANGED) for r in events]
    first, last = is_ballot.index(True), len(is_ballot) - 1 - is_ballot[::-1].index(True)
    prefix, suffix = events[:first], events[last + 1:]
    cast = next(r for r in events if r["topic"] == BALLOT_CAST)
    changed = next(r for r in events if r["topic"] == BALLOT_CHANGED)
    cycle_id = records[0]["cycle_id"]
    options = [p.id for p in template.proposals]
    rng = random.Random(seed)
    weights = [rng.uniform(0.2, 3.0) for _ in options]

    def choose() -> tuple[str, ...]:
        picked: list[str] = []
        for _ in range(rng.randint(1, 3)):
            pid = rng.choices(options, weights)[0]
            if pid not in picked:
                picked.append(pid)
        return tuple(picked)

    ballots: list[CountedBallot] = []
    voters: list[str] = []
    for n in range(count):
        voter = hashlib.sha256(f"bench-voter-{seed}-{n}".encode()).hexdigest()
        voters.append(voter)
        ballots.append(CountedBallot(str(ballot_id(cycle_id, AREA, voter)), AREA, choose(),
                                     None))
    changes = {n: choose() for n in range(1, count, 100) if n % 10}
    final = [CountedBallot(b.id, b.area, changes.get(n, b.selections), None)
             for n, b in enumerate(ballots)]
    results = json.loads(json.dumps(
        tally(template.rules, template.proposals, sorted(final, key=lambda b: b.id))))
    del final
    day = cast["timestamp"]  # ballots carry the day only (ADR 0004)

    def stream() -> Iterator[dict[str, Any]]:
        seq = 0

        def numbered(record: dict[str, Any]) -> dict[str, Any]:
            nonlocal seq
            seq += 1
            return {**record, "seq": seq}

        yield from (numbered(r) for r in prefix)
        for n, ballot in enumerate(ballots):
            receipt = hashlib.sha256(f"bench-receipt-{seed}-{n}".encode()).hexdigest()
            data = {**cast["data"], "voter": voters[n], "selections": list(ballot.selections),
                    "receipt": receipt}
            yield numbered({**cast, "originator_id": ballot.id, "originator_version": 1,
                            "timestamp": day, "data": data})
        for n, selections in changes.items():
            data = {**changed["data"], "selections": list(selections)}
            yield numbered({**changed, "originator_id": ballots[n].id,
                            "originator_version": 2, "timestamp": day, "data": data})
        for record in suffix:
            if record["topic"].endswith(".ResultsPublished"):
                record = copy.deepcopy(record)
                record["data"]["results"] = results
            yield numbered(record)

    total = 0
    with path.open("w", encoding="utf-8") as file:
        for line in export_records(header(cycle_id, datetime.now(UTC)), stream()):
            file.write(line)
            total += 1
    return Generated(path, count, total - 2, time.perf_counter() - started)


@dataclass
class Measurement:
    exit_code: int
    wall_seconds: float
    cpu_seconds: float  # user + system: what the wall time would be on an idle machine
    peak_bytes: int
    stdout: str
    terminal: str  # what the pseudo-terminal showed on stderr

    @property
    def progress_bar(self) -> bool:
        return "Verifying" in self.terminal and bool(re.search(r"\[[#-]+\]", self.terminal))


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other end is closed
            return
        if not chunk:
            return
        into.append(chunk)


def run_verify(script: Path, export: Path, workdir: Path) -> Measurement:
    timings = workdir / "time.txt"
    master, slave = pty.openpty()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(TIME), "-v", "-o", str(timings), str(script), "audit", "verify", str(export)],
        stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
    )
    os.close(slave)
    shown: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, shown), daemon=True)
    reader.start()
    stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    reader.join(timeout=5)
    os.close(master)
    text = timings.read_text()
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    elapsed = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    if elapsed:
        wall = sum(float(part) * 60**i for i, part in enumerate(reversed(
            elapsed.group(1).split(":"))))
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    return Measurement(process.returncode, wall, cpu,
                       int(peak.group(1)) * 1024 if peak else -1,
                       stdout.decode(errors="replace"),
                       b"".join(shown).decode(errors="replace"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--keep", type=Path, default=None,
                        help="Keep the export in this folder (default: a temporary one).")
    parser.add_argument("--script", type=Path, default=SCRIPT,
                        help="The medborgarbudget executable (default: the virtualenv's).")
    args = parser.parse_args(argv)
    if not TIME.exists():
        print(f"{TIME} is missing: apt-get install -y time", file=sys.stderr)
        return 2
    if not args.script.exists():
        print(f"{args.script} is missing: pip install -e .", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        template = make_template(workdir)
        folder = args.keep or workdir
        folder.mkdir(parents=True, exist_ok=True)
        generated = build_export(template, folder / f"export-{args.ballots}.jsonl",
                                 args.ballots, args.seed)
        size = generated.path.stat().st_size
        print(f"Export: {generated.path} ({size / 1024**2:.0f} MiB, {generated.ballots:,} "
              f"ballots, {generated.events:,} events), built in {generated.seconds:.1f} s")
        result = run_verify(args.script, generated.path, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    verified = result.exit_code == 0 and "Verified:" in result.stdout
    fast = result.wall_seconds <= TARGET_SECONDS
    small = 0 <= result.peak_bytes < TARGET_BYTES
    rate = generated.ballots / result.wall_seconds if result.wall_seconds else 0.0
    load = os.getloadavg()[0]
    print(f"audit verify: exit {result.exit_code}, wall {result.wall_seconds:.1f} s "
          f"({rate:,.0f} ballots/s), CPU {result.cpu_seconds:.1f} s, peak RSS "
          f"{result.peak_bytes / 1024**2:,.0f} MiB; {os.cpu_count()} CPUs, load {load:.1f}")
    print(f"  verified:             {'yes' if verified else 'NO'}")
    print(f"  within {TARGET_SECONDS:.0f} s:         {'yes' if fast else 'NO'}")
    print(f"  peak memory < 2 GiB:  {'yes' if small else 'NO'}")
    print(f"  progress bar shown:   {'yes' if result.progress_bar else 'NO'}")
    if not verified:
        print(result.stdout[-2000:])
        print(result.terminal[-2000:])
    return 0 if verified and fast and small and result.progress_bar else 1


if __name__ == "__main__":
    sys.exit(main())
