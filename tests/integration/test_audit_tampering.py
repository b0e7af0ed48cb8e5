"""Tampering with an audit export is caught by `medborgarbudget audit verify`, naming the line.

The export of the demo cycle (Nässjö 2027, 30 voters per area, taken to closed) is edited the ways
a careless or a careful forger would: by hand in a text editor (the chain breaks where the edit
is), or with the exporter's own code, recomputing the whole chain and the manifest (then the
recount, the ballots digest or the manifest's own checks catch it; a rewrite that is consistent
throughout is caught only by comparing the head hash with the published one, `--expect-head`:
the head is over the events alone, so it is the same in every export of the same history).
Exit codes: 0 verified, 1 a check failed, 2 not an export at all.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from domain.audit import (
    BALLOT_CAST,
    GENESIS,
    RESULTS_PUBLISHED,
    ExportWriter,
    canonical,
    chain_hash,
    verify_lines,
)
from domain.ballot import ballot_id
from domain.events import PhaseChanged, ProposalReviewed
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import Settings
from service.demo import run_demo
from service.runtime import open_application
from tests.cli_runner import run_cli
from tests.integration.forgery import plain, rechain, recount
from tests.paths import PABULIB_DIR, SCRIPT

FORGED_VOTER = "f" * 64
PHASE_CHANGED, PROPOSAL_REVIEWED = PhaseChanged.TOPIC, ProposalReviewed.TOPIC


@dataclass
class Demo:
    app: Medborgarbudget
    cycle_id: str
    lines: list[str]

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def line_of(self, topic: str, nth: int = 0) -> int:
        """The 1-based line number of the nth event with `topic`."""
        numbers = [n for n, r in enumerate(self.records, start=1) if r.get("topic") == topic]
        return numbers[nth]

    @property
    def results_line(self) -> int:
        return self.line_of(RESULTS_PUBLISHED)

    @property
    def head(self) -> str:
        """The head of the chain: the manifest's, the last event's hash."""
        return str(self.records[-1]["head"])

    @property
    def published_head(self) -> str:
        return str(self.records[-1]["published_head"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo")
    app = open_application(Settings(folder / "data", None))
    try:
        cycle_id = str(run_demo(app, voters_per_area=30).cycle_id)
        yield Demo(app, cycle_id, list(export_lines(app, cycle_id)))
    finally:
        app.close()


def verify(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run_cli("audit", "verify", str(path), *options)


def verify_in_a_process(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "audit", "verify", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


def write(folder: Path, lines: Sequence[str], name: str = "export.jsonl") -> Path:
    path = folder / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def assert_caught(done: subprocess.CompletedProcess[str], line: int,
                  says: str = "") -> str:
    """Exit 1, and the (first) finding names `line`; the finding's text."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    findings = re.findall(r"^FAILED: (.*)$", done.stderr, flags=re.MULTILINE)
    assert findings, done.stderr
    assert findings[0].startswith(f"line {line}: "), (line, findings)
    assert says in findings[0], (says, findings)
    assert "Verified" not in done.stdout
    return str(findings[0])


def assert_not_an_export(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "is not an audit export" in done.stderr or "No such file" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def forged_ballot(demo: Demo, like: dict[str, Any]) -> dict[str, Any]:
    """A new ballot in the same area as `like`, from a voter who never voted."""
    area = like["data"]["area"]
    return {**like, "originator_id": str(ballot_id(demo.cycle_id, area, FORGED_VOTER)),
            "data": {**like["data"], "voter": FORGED_VOTER}}


def other_option(demo: Demo, record: dict[str, Any]) -> str:
    """A proposal on the same area's ballot that this ballot did not choose."""
    cycle = demo.app.cycle(demo.cycle_id)
    options = demo.app.ballots.options(cycle, record["data"]["area"])
    return next(p for p in sorted(options) if p not in record["data"]["selections"])


# ---- the untampered export -------------------------------------------------------------------

def test_the_untampered_export_verifies(demo: Demo, tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (run pip install -e .)"
    path = write(tmp_path, demo.lines)
    for done in (verify_in_a_process(path), verify(path)):
        assert done.returncode == 0, done.stdout + done.stderr
    manifest = demo.records[-1]
    # The head is the last event's hash; the manifest is hashed after it, outside the chain.
    assert manifest["head"] == demo.records[-2]["hash"] == manifest["prev"]
    assert f"Head hash:  {demo.head}" in done.stdout
    assert f"At results: {demo.published_head}" in done.stdout
    assert demo.published_head == demo.records[demo.results_line - 1]["hash"] != demo.head
    assert "Events:     " in done.stdout and "90 ballots" in done.stdout
    assert done.stdout.count("as published") == 3  # the three areas were recounted
    assert "Verified:" in done.stdout and "FAILED" not in done.stderr

    right = verify(write(tmp_path, demo.lines), "--expect-head", demo.head)
    assert right.returncode == 0, right.stderr
    assert "Expected:   the final head of the file" in right.stdout
    published = verify(write(tmp_path, demo.lines), "--expect-head", demo.published_head)
    assert published.returncode == 0, published.stderr
    assert "Expected:   the head when the results were published" in published.stdout


def test_a_wrong_expected_head_fails(demo: Demo, tmp_path: Path) -> None:
    done = verify(write(tmp_path, demo.lines), "--expect-head", "ab" * 32)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "head hash is not the published one" in done.stderr
    assert "Verified" not in done.stdout


# ---- the layout of a line -----------------------------------------------------------------

def test_each_line_is_its_canonical_record_with_the_hash_appended(demo: Demo) -> None:
    # The header is hashed on its own; the events are chained from 64 zeros; the manifest is
    # hashed after the last event without moving the head.
    header, *events, manifest = demo.records
    claimed = header.pop("hash")
    assert "prev" not in header and chain_hash(GENESIS, header) == claimed
    assert demo.lines[0] == f'{canonical(header)[:-1]},"hash":"{claimed}"}}\n'
    assert manifest["header"] == claimed
    previous = GENESIS
    for line, record in zip(demo.lines[1:], [*events, manifest], strict=True):
        claimed = record.pop("hash")
        assert record["prev"] == previous
        assert chain_hash(previous, record) == claimed
        assert line == f'{canonical(record)[:-1]},"hash":"{claimed}"}}\n'
        if record["kind"] == "event":
            previous = claimed
    assert previous == manifest["head"]


def test_lines_with_all_keys_sorted_verify_too(demo: Demo, tmp_path: Path) -> None:
    # The same records with `hash` in its sorted place: the hash is over the same content.
    lines = [json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
             for r in demo.records]
    assert lines != demo.lines
    done = verify(write(tmp_path, lines), "--expect-head", demo.head)
    assert done.returncode == 0, done.stdout + done.stderr
    number = demo.line_of(BALLOT_CAST, 5)
    record = demo.records[number - 1]
    lines[number - 1] = lines[number - 1].replace(record["data"]["selections"][0],
                                                  other_option(demo, record))
    assert_caught(verify(write(tmp_path, lines)), number, "does not match its hash")


def test_a_second_hash_member_is_caught(demo: Demo, tmp_path: Path) -> None:
    number = demo.line_of(BALLOT_CAST, 5)
    lines = list(demo.lines)
    lines[number - 1] = lines[number - 1].replace('{"data":', '{"hash":"x","data":', 1)
    assert_caught(verify(write(tmp_path, lines)), number)


# ---- edits by hand -----------------------------------------------------------------------------

def test_a_changed_vote_is_caught_at_its_line(demo: Demo, tmp_path: Path) -> None:
    number = demo.line_of(BALLOT_CAST, 7)
    record = demo.records[number - 1]
    chosen, other = record["data"]["selections"][0], other_option(demo, record)
    lines = list(demo.lines)
    lines[number - 1] = lines[number - 1].replace(chosen, other)
    assert lines[number - 1] != demo.lines[number - 1]
    assert_caught(verify(write(tmp_path, lines)), number, "does not match its hash")


def test_a_deleted_ballot_is_caught_where_it_was(demo: Demo, tmp_path: Path) -> None:
    number = demo.line_of(BALLOT_CAST, 12)
    lines = demo.lines[:number - 1] + demo.lines[number:]
    assert_caught(verify(write(tmp_path, lines)), number, "removed")


def test_swapped_lines_are_caught_at_the_first(demo: Demo, tmp_path: Path) -> None:
    first, second = demo.line_of(BALLOT_CAST, 3), demo.line_of(BALLOT_CAST, 20)
    lines = list(demo.lines)
    lines[first - 1], lines[second - 1] = lines[second - 1], lines[first - 1]
    assert_caught(verify(write(tmp_path, lines)), first, "does not follow")


def test_swapped_neighbours_are_caught(demo: Demo, tmp_path: Path) -> None:
    first = demo.line_of(BALLOT_CAST, 40)
    lines = list(demo.lines)
    lines[first - 1], lines[first] = lines[first], lines[first - 1]
    assert_caught(verify(write(tmp_path, lines)), first, "does not follow")


def test_a_forged_ballot_copied_in_is_caught_at_its_line(demo: Demo, tmp_path: Path) -> None:
    # Copy the ballot line above, give it another voter and id: its chain fields are stale.
    at = demo.line_of(BALLOT_CAST, 30)
    above = demo.lines[at - 2]
    record = demo.records[at - 2]
    forged = forged_ballot(demo, record)
    text = above.replace(record["data"]["voter"], FORGED_VOTER).replace(
        record["originator_id"], forged["originator_id"])
    lines = [*demo.lines[:at - 1], text, *demo.lines[at - 1:]]
    assert_caught(verify(write(tmp_path, lines)), at, "does not follow")


def test_a_forged_ballot_chained_to_its_neighbour_breaks_the_next_line(
        demo: Demo, tmp_path: Path) -> None:
    # The forged line itself is chained correctly to the line before; the next one is not.
    at = demo.line_of(BALLOT_CAST, 30)
    before = demo.records[at - 2]
    forged = {**forged_ballot(demo, before), "seq": before["seq"] + 1}
    writer = ExportWriter()
    writer.head = before["hash"]
    lines = [*demo.lines[:at - 1], writer.line(plain(forged)), *demo.lines[at - 1:]]
    assert_caught(verify(write(tmp_path, lines)), at + 1, "does not follow")


def test_an_edited_manifest_is_caught(demo: Demo, tmp_path: Path) -> None:
    last = len(demo.lines)
    lines = list(demo.lines)
    assert '"ballots":90' in lines[-1]
    lines[-1] = lines[-1].replace('"ballots":90', '"ballots":89')
    assert_caught(verify(write(tmp_path, lines)), last, "does not match its hash")


def test_a_changed_score_is_caught_at_the_results(demo: Demo, tmp_path: Path) -> None:
    number = demo.results_line
    lines = list(demo.lines)
    edited, count = re.subn(r'("scores":\{"[0-9a-f-]{36}":)(\d+)',
                            lambda m: m.group(1) + str(int(m.group(2)) + 50), lines[number - 1],
                            count=1)
    assert count == 1
    lines[number - 1] = edited
    assert_caught(verify(write(tmp_path, lines)), number, "does not match its hash")


def test_a_truncated_export_lacks_its_manifest(demo: Demo, tmp_path: Path) -> None:
    kept = demo.results_line + 3
    assert_caught(verify(write(tmp_path, demo.lines[:kept])), kept + 1,
                  "the manifest is missing")


def test_an_export_cut_mid_line_is_caught_at_that_line(demo: Demo, tmp_path: Path) -> None:
    number = demo.line_of(BALLOT_CAST, 50)
    lines = [*demo.lines[:number - 1], demo.lines[number - 1][:80]]
    assert_caught(verify(write(tmp_path, lines)), number, "not valid JSON")


def test_a_line_appended_after_the_manifest_is_caught(demo: Demo, tmp_path: Path) -> None:
    lines = [*demo.lines, demo.lines[demo.line_of(BALLOT_CAST) - 1]]
    assert_caught(verify(write(tmp_path, lines)), len(lines), "after the manifest")


# ---- rewrites with the exporter's own code: the chain is intact, the content is not --------

def test_the_rechaining_helper_alone_changes_nothing(demo: Demo) -> None:
    # So that what the tests below catch is their edit, not the helper.
    lines = rechain(demo.records)
    assert verify_lines(lines).ok
    assert [plain(json.loads(line)) for line in lines] == [plain(r) for r in demo.records]


def test_a_changed_vote_with_a_new_chain_is_caught_by_the_recount(
        demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    record = records[demo.line_of(BALLOT_CAST, 7) - 1]
    record["data"]["selections"] = [other_option(demo, record)]
    assert_caught(verify(write(tmp_path, rechain(records))), demo.results_line,
                  "digest of the ballots counted does not match")


def test_a_forged_ballot_with_a_new_chain_is_caught_by_the_recount(
        demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    at = demo.line_of(BALLOT_CAST, 30)
    records.insert(at - 1, forged_ballot(demo, records[at - 2]))
    finding = assert_caught(verify(write(tmp_path, rechain(records))), demo.results_line + 1,
                            "ballots but the history holds")
    assert "count 90 ballots but the history holds 91" in finding


@pytest.mark.parametrize(("forge", "says"), [
    ("unknown-area", "the cycle has no area 'nowhere'"),
    ("not-on-the-ballot", "is not a proposal on the ballot of this area"),
    ("too-many", "too many choices: 4, at most 3 allowed"),
    ("twice", "names the same proposal more than once"),
    ("no-selections", "cannot be applied"),
])
def test_a_forged_ballot_breaking_the_rules_is_caught_at_its_line(
        demo: Demo, tmp_path: Path, forge: str, says: str) -> None:
    # Even in a file rewritten consistently (results recounted, chain recomputed), every
    # ballot must be one the cycle's voting rule accepts.
    records = demo.records
    at = demo.line_of(BALLOT_CAST)
    forged = forged_ballot(demo, records[at - 1])
    assert forged["data"]["area"] == "norr"  # approval, 1 to 3 choices
    options = sorted(demo.app.ballots.options(demo.app.cycle(demo.cycle_id), "norr"))
    data = forged["data"]
    if forge == "unknown-area":
        data["area"] = "nowhere"
    elif forge == "not-on-the-ballot":
        data["selections"] = [*data["selections"][:1], str(ballot_id(demo.cycle_id, "x", "y"))]
    elif forge == "too-many":
        data["selections"] = options[:4]
    elif forge == "twice":
        data["selections"] = [options[0], options[0]]
    else:
        del data["selections"]
    records.insert(at, forged)
    assert_caught(verify(write(tmp_path, rechain(records))), at + 1, says)


def test_a_forged_ballot_after_the_results_is_caught(demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    at = demo.results_line + 1
    records.insert(at - 1, forged_ballot(demo, records[demo.line_of(BALLOT_CAST) - 1]))
    assert_caught(verify(write(tmp_path, rechain(records))), at,
                  "after the results were published")


def test_a_changed_score_with_a_new_chain_is_caught_by_the_recount(
        demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    results = records[demo.results_line - 1]["data"]["results"]
    area = results["areas"]["norr"]
    proposal = area["selected"][0]
    area["scores"][proposal] += 50
    assert_caught(verify(write(tmp_path, rechain(records))), demo.results_line,
                  f"proposal {proposal}: published score")


def test_a_changed_selection_with_a_new_chain_is_caught_by_the_recount(
        demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    area = records[demo.results_line - 1]["data"]["results"]["areas"]["soder"]
    area["selected"] = area["selected"][:-1]
    assert_caught(verify(write(tmp_path, rechain(records))), demo.results_line,
                  "published selection differs")


def test_a_lowered_minimum_of_votes_with_a_new_chain_is_caught_by_the_recount(
        demo: Demo, tmp_path: Path) -> None:
    # Results that claim no minimum could fund a proposal without votes: the recount counts with
    # the area's configured minimum and names the difference.
    records = demo.records
    area = records[demo.results_line - 1]["data"]["results"]["areas"]["norr"]
    assert area["min_votes"] == 1
    area["min_votes"] = 0
    assert_caught(verify(write(tmp_path, rechain(records))), demo.results_line,
                  "area norr: the results were counted with a minimum of 0 votes, the area's "
                  "is 1")


@pytest.mark.parametrize(("edit", "says"), [
    (lambda m: m["counts"].update(ballots=89), "the manifest counts 89 ballots"),
    (lambda m: m["counts"].update(events=m["counts"]["events"] - 1), "events"),
    (lambda m: m.update(results_digest="0" * 64), "results digest"),
    (lambda m: m.update(head="0" * 64), "head"),
    (lambda m: m.update(published_head="0" * 64), "head at publication"),
    (lambda m: m.update(header="0" * 64), "another header"),
], ids=["ballots", "events", "results-digest", "head", "published-head", "header"])
def test_an_edited_manifest_with_a_new_hash_is_caught(
        demo: Demo, tmp_path: Path, edit: Callable[[dict[str, Any]], None], says: str) -> None:
    records = demo.records
    writer = ExportWriter()
    lines = [writer.header(plain(records[0]))] + [writer.line(plain(r)) for r in records[1:-1]]
    manifest = plain(records[-1])
    assert verify_lines([*lines, writer.manifest(manifest)]).ok  # the rewriting alone
    edit(manifest)
    lines.append(writer.manifest(manifest))
    assert_caught(verify(write(tmp_path, lines)), len(lines), says)


def test_a_consistent_rewrite_is_caught_only_by_the_published_head(
        demo: Demo, tmp_path: Path) -> None:
    # Forge a ballot and recount everything as the service would: the file is consistent in
    # itself, so only the head hash the municipality published shows it is not the original.
    records = demo.records
    at = demo.line_of(BALLOT_CAST, 30)
    records.insert(at - 1, forged_ballot(demo, records[at - 2]))
    published = records[demo.results_line]  # shifted by the inserted line
    assert published["topic"] == RESULTS_PUBLISHED
    before = published["data"]["results"]["ballots_counted"]
    recount(demo.app, demo.cycle_id, records)
    assert published["data"]["results"]["ballots_counted"] == before + 1
    path = write(tmp_path, rechain(records))

    assert verify(path).returncode == 0
    for original_head in (demo.head, demo.published_head):
        done = verify(path, "--expect-head", original_head)
        assert done.returncode == 1
        assert f"the head hash is not the published one ({original_head})" in done.stderr


def recounted(demo: Demo, records: list[dict[str, Any]]) -> None:
    recount(demo.app, demo.cycle_id, records)


def test_a_changed_selection_recounted_and_rechained_fails_only_against_the_published_head(
        demo: Demo, tmp_path: Path) -> None:
    # One ballot says something else, the results are recounted from the ballots and the whole
    # chain recomputed: the file is consistent in itself, and only the head published with
    # the results (the API's `published_head`) shows it is not the history.
    records = demo.records
    record = records[demo.line_of(BALLOT_CAST, 7) - 1]
    record["data"]["selections"] = [other_option(demo, record)]
    recounted(demo, records)
    path = write(tmp_path, rechain(records))
    structural = verify(path)
    assert structural.returncode == 0, structural.stdout + structural.stderr
    assert "Verified:" in structural.stdout
    done = verify(path, "--expect-head", demo.published_head)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"the head hash is not the published one ({demo.published_head})" in done.stderr
    # The events before the changed ballot are untouched: their links are the same.
    forged = [json.loads(line) for line in rechain(records)]
    changed_at = demo.line_of(BALLOT_CAST, 7) - 1
    assert forged[changed_at - 1]["hash"] == demo.records[changed_at - 1]["hash"]
    assert forged[changed_at]["hash"] != demo.records[changed_at]["hash"]


# ---- ballots after voting closed ------------------------------------------------------------

def close_voting_line(demo: Demo) -> int:
    return next(n for n, r in enumerate(demo.records, start=1)
                if r.get("data", {}).get("trigger") == "close_voting")


@pytest.mark.parametrize("channel", ["digital", "paper"])
def test_a_ballot_entered_while_counting_is_refused_if_digital(
        demo: Demo, tmp_path: Path, channel: str) -> None:
    # A hand-made export: a new ballot between the close of voting and the results, the
    # results recounted with it and the chain recomputed. Paper ballots may be entered while
    # counting; a digital one cannot have been cast then.
    records = demo.records
    at = close_voting_line(demo) + 1
    assert at <= demo.results_line  # before the results
    forged = forged_ballot(demo, records[demo.line_of(BALLOT_CAST) - 1])
    forged["data"] = {**forged["data"], "channel": channel,
                      "station": "Stadsbiblioteket" if channel == "paper" else None}
    records.insert(at - 1, forged)
    recounted(demo, records)
    done = verify(write(tmp_path, rechain(records)))
    if channel == "paper":
        assert done.returncode == 0, done.stdout + done.stderr
        assert "91 ballots" in done.stdout
    else:
        finding = assert_caught(done, at, "a digital ballot cast after voting closed")
        assert f"(line {close_voting_line(demo)})" in finding


def test_a_ballot_changed_after_voting_closed_is_refused(demo: Demo, tmp_path: Path) -> None:
    records = demo.records
    at = close_voting_line(demo) + 1
    cast = records[demo.line_of(BALLOT_CAST, 3) - 1]
    assert cast["data"]["channel"] == "digital"
    versions = [r["originator_version"] for r in records
                if r.get("originator_id") == cast["originator_id"]]
    change = {"kind": "event", "topic": "medborgarbudget:Ballot.Changed",
              "originator_id": cast["originator_id"], "originator_version": max(versions) + 1,
              "timestamp": records[at - 2]["timestamp"],
              "data": {"selections": [other_option(demo, cast)], "points": None,
                       "at": records[at - 2]["timestamp"]}}
    records.insert(at - 1, change)
    recounted(demo, records)
    assert_caught(verify(write(tmp_path, rechain(records))), at,
                  "a digital ballot changed after voting closed")


# ---- not an export at all ------------------------------------------------------------------

def test_a_pabulib_file_is_not_an_export(tmp_path: Path) -> None:
    files = sorted(PABULIB_DIR.glob("*.pb"))
    if not files:
        pytest.skip(f"no Pabulib files in {PABULIB_DIR}")
    assert_not_an_export(verify(files[0]))


@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty"),
    (bytes(reversed(range(256))) * 64, "not UTF-8"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "not UTF-8"),
    (b"garbage that is text\nand more\n", "not JSON"),
    (b'{"kind":"header","format":"something-else","version":1}\n', "header"),
    (b"[1, 2, 3]\n", "header"),
], ids=["empty", "binary", "png", "text", "other-json", "json-array"])
def test_other_files_are_not_exports(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "file.jsonl"
    path.write_bytes(content)
    done = verify(path)
    assert_not_an_export(done)
    assert says in done.stderr


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    assert_not_an_export(verify(tmp_path / "nowhere.jsonl"))


# ---- the same export from PostgreSQL -------------------------------------------------------

@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_export_from_postgres_verifies(app: Medborgarbudget, tmp_path: Path) -> None:
    cycle_id = run_demo(app, voters_per_area=30).cycle_id
    lines = list(export_lines(app, cycle_id))
    report = verify_lines(lines)
    assert report.ok, [str(f) for f in report.findings]
    assert (report.ballots, report.results_checked) == (90, True)
    done = verify(write(tmp_path, lines))
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(cycle_id) in done.stdout


@pytest.mark.parametrize(("topic", "edit", "says"), [
    (PHASE_CHANGED, "add", "fields not in the schema ['smuggled']"),
    (PROPOSAL_REVIEWED, "remove", "required fields missing ['reason']"),
])
def test_an_event_with_fields_other_than_the_schemas_is_caught_at_its_line(
        demo: Demo, topic: str, edit: str, says: str) -> None:
    # The domain's classes would take any attribute: the schema (domain/events.py) says which.
    records = demo.records
    at = demo.line_of(topic)
    data = records[at - 1]["data"]
    if edit == "add":
        data["smuggled"] = "x"
    else:
        del data["reason"]
    report = verify_lines(rechain(records))
    assert not report.ok
    assert report.findings[0].line == at and says in report.findings[0].message, \
        report.findings[0]
