"""Real elections through the audit: each Pabulib file in ../shared/pabulib is imported as a cycle
(every phase up to published results), exported, and verified from the export alone; the winners
the verifier recounts are the ones the allocation rule gives on the file itself. A cycle also goes
back out as a Pabulib file with the same ballots and budget, its voters numbered 1..N: no ballot id
(a resident's receipt number) or pseudonym in it.

Every file runs on SQLite; two small ones also on PostgreSQL. The console script is exercised once
(`pabulib import`, `audit export`, `audit verify`, `pabulib export`)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from domain.allocation import allocate
from domain.audit import verify_lines
from domain.errors import Conflict
from domain.pabulib import (
    PabulibFile,
    format_pabulib,
    parse_pabulib,
    read_pabulib,
    to_election,
)
from domain.phases import Phase
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.pabulib_cycles import GREEDY_RULES, export_area, import_election
from tests.integration.builders import ADMIN, drive, resident
from tests.paths import PABULIB_DIR, SCRIPT
from tests.unit.allocation.test_tie_break import TIED

FILES = sorted(PABULIB_DIR.glob("*.pb"))
# Small files (a few hundred ballots) that also run on PostgreSQL: approval and cumulative.
ON_BOTH = ("Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
           "Poland_Gdansk_2020_Oliwa.pb")
LARGE = ("Poland_Gdynia_2021.pb",)  # 23 597 ballots: about 20 s
SUBMITTED = "medborgarbudget:Proposal.Submitted"
UUID_LINE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _cases() -> list[Any]:
    cases = []
    for path in FILES:
        marks = [pytest.mark.slow] if path.name in LARGE else []
        backends = ("sqlite", "postgres") if path.name in ON_BOTH else ("sqlite",)
        cases += [pytest.param(path, backend, id=f"{path.stem}-{backend}", marks=marks)
                  for backend in backends]
    return cases


def read(path: Path) -> PabulibFile:
    with path.open(encoding="utf-8", newline="") as stream:
        return read_pabulib(stream)


def _cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    return subprocess.run([str(SCRIPT), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def titles_in(lines: Sequence[str]) -> dict[str, str]:
    """Proposal id -> title, as the export itself records them."""
    titles = {}
    for line in lines:
        record = json.loads(line)
        if record.get("topic") == SUBMITTED:
            titles[record["originator_id"]] = record["data"]["title"]
    return titles


def project_id(title: str) -> str:
    project, separator, _ = title.partition(": ")
    assert separator, f"not an imported proposal's title: {title!r}"
    return project


def ballot_contents(pb: PabulibFile, name_of: dict[str, str]) -> Counter[Any]:
    """Every ballot of a file as what it says, in project names (`name_of`: id -> name):
    a set of names, with each one's points (summed when a project is named twice) for cumulative
    ballots, in order of preference for ordinal ones. A multiset, as ballots are anonymous."""
    contents: Counter[Any] = Counter()
    for vote in pb.votes:
        chosen: dict[str, int] = {}
        for index, pid in enumerate(vote.vote):
            points = vote.points[index] if vote.points is not None else 0
            chosen[name_of[pid]] = chosen.get(name_of[pid], 0) + points
        if pb.vote_type == "ordinal":
            contents[tuple(chosen)] += 1
        elif pb.vote_type == "cumulative":
            contents[frozenset(chosen.items())] += 1
        else:
            contents[frozenset(chosen)] += 1
    return contents


def assert_same_election(original: PabulibFile, exported: PabulibFile) -> None:
    """Same META, project ids and names, and ballots (up to voter numbering): an imported
    cycle keeps what its file said (service/pabulib_cycles.export_area)."""
    assert exported.meta == original.meta
    assert [(p.id, p.name) for p in exported.projects] == [
        (p.id, p.name) for p in original.projects]
    names = {p.id: p.id for p in original.projects}
    assert len(exported.votes) == len(original.votes)
    assert ballot_contents(exported, names) == ballot_contents(original, names)


@pytest.mark.skipif(not FILES, reason=f"no Pabulib files in {PABULIB_DIR}")
def test_the_shared_folder_holds_the_ten_elections() -> None:
    assert len(FILES) == 10, [p.name for p in FILES]
    assert set(ON_BOTH) | set(LARGE) <= {p.name for p in FILES}


@pytest.mark.parametrize(("path", "backend"), _cases(), indirect=["backend"])
def test_imported_election_verifies_and_recounts_the_files_winners(
        path: Path, backend: str, app: Medborgarbudget) -> None:
    pb = read(path)
    cycle_id = import_election(app, pb, path.name).cycle_id
    lines = list(export_lines(app, cycle_id))

    report = verify_lines(lines)
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.results_checked
    assert report.cycle_id == str(cycle_id)
    assert (report.proposals, report.ballots) == (len(pb.projects), len(pb.votes))

    (area_id, winners), = report.winners.items()
    cycle = app.cycle(cycle_id)
    rule = cycle.allocation_rule_for(area_id)
    assert cycle.results is not None and cycle.results["areas"][area_id]["rule"] == rule
    # The file's own rule where the service has it; plain greedy for 'unknown' and
    # 'greedy-exclusive' (see service/pabulib_cycles.allocation_rule).
    assert rule == (pb.rule if pb.rule in GREEDY_RULES else "greedy")
    titles = titles_in(lines)
    recounted = [project_id(titles[w]) for w in winners]
    expected = allocate(to_election(pb), rule).selected
    assert recounted == expected
    assert expected, "every one of these elections funds at least one project"

    # And back out as a Pabulib file: the same ballots and budget.
    assert_same_election(pb, parse_pabulib(format_pabulib(export_area(app, cycle_id, None))))


@pytest.mark.skipif(not FILES, reason=f"no Pabulib files in {PABULIB_DIR}")
@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_console_script_imports_exports_and_verifies(settings: Settings, backend: str,
                                                     tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (run pip install -e .)"
    path = PABULIB_DIR / ON_BOTH[0]
    data = ["--data", str(settings.data_dir)]

    imported = _cli(settings, tmp_path, "pabulib", "import", str(path), *data)
    assert imported.returncode == 0, imported.stderr
    cycle_id = imported.stdout.strip().splitlines()[-1]
    assert UUID_LINE.match(cycle_id), imported.stdout

    export = tmp_path / "audit.jsonl"
    exported = _cli(settings, tmp_path, "audit", "export", cycle_id, "-o", str(export), *data)
    assert exported.returncode == 0, exported.stderr
    verified = _cli(settings, tmp_path, "audit", "verify", str(export))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"({cycle_id})" in verified.stdout
    assert "Verified:" in verified.stdout

    pb = read(path)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    report = verify_lines(lines)
    titles = titles_in(lines)
    (winners,) = report.winners.values()
    assert [project_id(titles[w]) for w in winners] == allocate(to_election(pb), "greedy").selected

    written = tmp_path / "again.pb"
    back = _cli(settings, tmp_path, "pabulib", "export", cycle_id, "-o", str(written), *data)
    assert back.returncode == 0, back.stderr
    assert_same_election(pb, read(written))
    stdout = _cli(settings, tmp_path, "pabulib", "export", cycle_id, *data)
    assert stdout.returncode == 0, stdout.stderr
    assert parse_pabulib(stdout.stdout) == read(written)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_the_pabulib_export_numbers_voters_and_counts_the_same(app: Medborgarbudget) -> None:
    built = drive(app, Phase.RESULTS, voters=9)
    cycle = app.cycle(built.cycle_id)
    text = format_pabulib(export_area(app, built.cycle_id, "norr"))
    for ballot in built.ballots:
        assert str(ballot) not in text, "a ballot id is in the file"
    for number in range(9):
        the_id = app.ballots.ballot_id_of(cycle, "norr", resident(number, "norr"))
        pseudonym = app.repository.get(the_id).voter
        assert pseudonym not in text and resident(number, "norr").identity not in text

    pb = parse_pabulib(text)
    assert [v.voter_id for v in pb.votes] == [str(n) for n in range(1, 10)]
    counted = [b for b in app.counted_ballots(cycle.id) if b.area == "norr"]
    assert Counter(v.vote for v in pb.votes) == Counter(b.selections for b in counted)
    # Its tally is the published one.
    assert cycle.results is not None
    published = cycle.results["areas"]["norr"]
    assert allocate(to_election(pb), published["rule"]).selected == published["selected"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_no_pabulib_export_while_the_cycle_votes(app: Medborgarbudget) -> None:
    built = drive(app, Phase.VOTING, voters=3)
    with pytest.raises(Conflict, match="sealed while the cycle votes"):
        export_area(app, built.cycle_id, "norr")
    app.trigger(built.cycle_id, "close_voting", ADMIN, "closed")
    assert len(export_area(app, built.cycle_id, "norr").votes) == 3


def _on_a_terminal(args: Sequence[str], cwd: Path) -> tuple[int, str, str]:
    """The console script run with its stderr on a terminal (a pseudo-terminal): its exit
    code, stdout, and what the terminal showed."""
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    leader, follower = pty.openpty()
    with subprocess.Popen([str(SCRIPT), *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=follower, text=True) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the script ended and the terminal closed
                break
            if not chunk:
                break
            shown += chunk
        stdout = process.stdout.read() if process.stdout else ""
        code = process.wait(timeout=300)
    os.close(leader)
    return code, stdout, shown.decode("utf-8", errors="replace")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_import_shows_its_progress_on_a_terminal_and_only_there(
        settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "tied.pb"
    source.write_text(TIED, encoding="utf-8")
    votes = len(parse_pabulib(TIED).votes)
    data = ["--data", str(settings.data_dir)]

    code, stdout, shown = _on_a_terminal(["pabulib", "import", str(source), *data], tmp_path)
    assert code == 0, shown
    assert UUID_LINE.match(stdout.strip().splitlines()[-1]), stdout
    assert "Importing ballots" in shown
    assert f"{votes}/{votes}" in shown  # the bar ends full

    piped = _cli(settings, tmp_path, "pabulib", "import", str(source), *data)
    assert piped.returncode == 0, piped.stderr
    assert "Importing ballots" not in piped.stderr
    assert "\r" not in piped.stderr
