"""The audit chain and the verifier on histories made by hand, in memory: the head covers the
events alone (the same in every export of a history), verify refuses digital ballots after
voting closed, reads interim (redacted) exports for what they are, and still reads version 1."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from domain.audit import (
    BALLOT_CAST,
    BALLOT_CHANGED,
    GENESIS,
    REDACTED,
    RESULTS_PUBLISHED,
    Chain,
    ExportWriter,
    NotAnExport,
    Report,
    canonical,
    canonical_bytes,
    event_body,
    event_data,
    event_record,
    export_records,
    header,
    redact,
    verify_lines,
)
from domain.ballot import Ballot, BallotTerms, RollMark
from domain.cycle import BudgetCycle
from domain.cycle_tally import CountedBallot, CountedProposal, tally
from domain.proposal import Proposal
from tests.unit.domain_builders import ADMIN, all_reviewed, configured_cycle

EARLY = datetime(2027, 1, 1, tzinfo=UTC)
LATER = datetime(2027, 6, 1, 12, 30, tzinfo=UTC)


@dataclass
class History:
    """A cycle's events in the order they happened, and what was made on the way."""

    cycle: BudgetCycle
    events: list[Any] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    ballots: list[Ballot] = field(default_factory=list)

    def take(self, *aggregates: Aggregate) -> None:
        for aggregate in aggregates:
            self.events.extend(aggregate.collect_events())

    def records(self, redacted: bool = False) -> list[dict[str, Any]]:
        records = []
        for seq, event in enumerate(self.events, start=1):
            topic = get_topic(type(event))
            data = event_data(event)
            records.append(event_record(seq, topic, event.originator_id,
                                        event.originator_version, event.timestamp,
                                        redact(topic, data) if redacted else data))
        return records

    def line_of(self, topic: str, nth: int = 0) -> int:
        """The line (1-based, after the header) of the nth event with `topic`."""
        numbers = [n for n, r in enumerate(self.records(), start=2) if r["topic"] == topic]
        return numbers[nth]

    def norr_terms(self) -> BallotTerms:
        """Norr's ballot as the tests change it: its first two proposals, 250 000 kr."""
        return BallotTerms(self.cycle.voting_rule_for("norr"),
                           {str(p.id): p.cost for p in self.proposals[:2]}, 250_000)

    def cast(self, area: str, choices: Sequence[int], channel: str = "digital") -> Ballot:
        options = {str(p.id): p.cost for p in self.proposals if p.area == area}
        chosen = [str(self.proposals[n].id) for n in choices]
        terms = BallotTerms(self.cycle.voting_rule_for(area), options,
                            self.cycle.area(area).budget)
        if channel == "paper":  # from a station's box: no voter
            ballot = Ballot.from_box(str(self.cycle.id), area, "Biblioteket", chosen, None,
                                     terms)
        else:
            ballot = Ballot.cast(str(self.cycle.id), area, f"voter-{len(self.ballots)}",
                                 chosen, None, terms)
        self.ballots.append(ballot)
        self.take(ballot)
        return ballot

    def trigger(self, trigger: str) -> None:
        self.cycle.trigger(trigger, ADMIN, f"test: {trigger}", all_reviewed(self.cycle))
        self.take(self.cycle)

    def publish(self) -> None:
        cycle = self.cycle
        rules = cycle.area_rules()
        proposals = [CountedProposal(str(p.id), p.area, p.title, p.cost) for p in self.proposals]
        ballots = sorted((CountedBallot(str(b.id), b.area, tuple(b.selections), None)
                          for b in self.ballots), key=lambda b: b.id)
        # Through JSON, as the store keeps it: scores as the verifier reads them.
        results = json.loads(canonical(tally(rules, proposals, ballots)))
        cycle.publish_results(results, ADMIN, "counted", all_reviewed(cycle))
        self.take(cycle)


def history(late: str | None = None, stop_in_voting: bool = False) -> History:
    """A cycle with three proposals and four ballots (one changed), published and adopted.
    `late`: a ballot after voting closed ('digital', 'changed' or 'paper'), or one before
    voting opened ('early')."""
    made = History(configured_cycle())
    made.take(made.cycle)
    made.trigger("open_ideas")
    for area, cost in (("norr", 60_000), ("norr", 90_000), ("unga", 40_000)):
        proposal = Proposal.submit(str(made.cycle.id), area, f"Förslag {cost}", "Beskrivning",
                                   cost, "test", "proposer-pseudonym")
        made.proposals.append(proposal)
        made.take(proposal)
    made.trigger("close_ideas")
    for proposal in made.proposals:
        proposal.review(True, proposal.estimated_cost, "", "reviewer:test")
        made.take(proposal)
    if late == "early":
        made.cast("norr", [0])
    made.trigger("open_voting")
    made.cast("norr", [0])
    changed = made.cast("norr", [1])
    made.cast("norr", [0, 1])
    made.cast("unga", [2])
    changed.change([str(made.proposals[0].id)], None, made.norr_terms(), True)
    made.take(changed)
    if late == "paper":  # a voter at the station, whose ballot is in the box
        made.take(RollMark.mark(str(made.cycle.id), "norr", "paper-voter", "Biblioteket"))
    if stop_in_voting:
        return made
    made.trigger("close_voting")
    if late in ("digital", "paper"):
        made.cast("norr", [1], channel=late)
    elif late == "changed":
        changed.change([str(made.proposals[1].id)], None, made.norr_terms(), True)
        made.take(changed)
    made.publish()
    made.cycle.record_adoption("Kommunstyrelsen", "2027-06-10", "KS § 88/2027", ADMIN)
    made.take(made.cycle)
    return made


def export(made: History, at: datetime = EARLY, interim: bool = False,
           records: Iterable[dict[str, Any]] | None = None) -> list[str]:
    records = made.records(redacted=interim) if records is None else records
    return list(export_records(header(str(made.cycle.id), at, interim), records))


def manifest_of(lines: Sequence[str]) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(lines[-1])
    assert record["kind"] == "manifest"
    return record


def verified(lines: Sequence[str]) -> Report:
    report = verify_lines(lines)
    assert report.ok, [str(f) for f in report.findings]
    return report


def caught(lines: Sequence[str], line: int, says: str) -> str:
    report = verify_lines(lines)
    assert not report.ok, "verified although it should not"
    first = report.findings[0]
    assert (first.line, says in first.message) == (line, True), str(first)
    return first.message


@pytest.fixture(scope="module")
def made() -> History:
    return history()


# ---- the head covers the events alone --------------------------------------------------------

def test_two_exports_of_the_same_history_have_the_same_head(made: History) -> None:
    first, second = export(made, EARLY), export(made, LATER)
    assert first[0] != second[0]  # the headers say when
    assert first[1:-1] == second[1:-1]  # every event line is the same
    assert manifest_of(first)["head"] == manifest_of(second)["head"] != GENESIS
    assert manifest_of(first)["published_head"] == manifest_of(second)["published_head"]
    assert verified(first).head == verified(second).head == manifest_of(first)["head"]


def test_the_head_is_the_chain_over_the_events_as_the_projection_links_them(
        made: History) -> None:
    chain = Chain()
    for event in made.events:
        chain.add(get_topic(type(event)), event.originator_id, event.originator_version,
                  event.timestamp, event_data(event))
    lines = export(made)
    manifest = manifest_of(lines)
    assert (chain.head, chain.events) == (manifest["head"], manifest["counts"]["events"])
    published = made.line_of(RESULTS_PUBLISHED)
    assert chain.published_head == manifest["published_head"] == json.loads(
        lines[published - 1])["hash"]
    assert chain.published_events == manifest["published_events"] == published - 1
    assert chain.published_head != chain.head  # the adoption came after


def test_each_event_line_is_its_link(made: History) -> None:
    lines = export(made)
    previous = GENESIS
    for line in lines[1:-1]:
        record = json.loads(line)
        claimed = record.pop("hash")
        assert record.pop("prev") == previous
        assert "position" not in record  # the store's numbering is not the history's
        chain = Chain({"head": previous, "events": record["seq"] - 1,
                       "published_head": None, "published_events": None})
        body = chain.add(record["topic"], record["originator_id"],
                         record["originator_version"], record["timestamp"], record["data"])
        assert chain.head == claimed
        assert line == f'{body[:-1].decode()},"hash":"{claimed}"}}\n'
        previous = claimed


def test_the_report_names_which_head_an_expected_one_is(made: History) -> None:
    report = verified(export(made))
    assert report.results_checked and not report.interim and report.version == 2
    assert report.published_head is not None and report.published_head != report.head
    assert report.matching_head(report.head) == "final"
    assert report.matching_head(report.published_head) == "published"
    assert report.matching_head("ab" * 32) is None


# ---- header and manifest, outside the chain ----------------------------------------------------

def test_an_edited_header_is_caught_at_line_1(made: History) -> None:
    lines = export(made)
    lines[0] = lines[0].replace('"interim":false', '"interim":true')
    caught(lines, 1, "does not match its hash")


def test_a_header_from_another_export_is_caught_at_the_manifest(made: History) -> None:
    lines = export(made, EARLY)
    lines[0] = export(made, LATER)[0]
    caught(lines, len(lines), "another header")


@pytest.mark.parametrize(("member", "value", "says"), [
    ("published_head", "0" * 64, "head at publication"),
    ("published_events", 3, "head at publication"),
    ("interim", True, "interim"),
    ("head", "0" * 64, "head"),
])
def test_a_rehashed_manifest_that_lies_is_caught(made: History, member: str, value: Any,
                                                 says: str) -> None:
    lines = export(made)
    writer = ExportWriter()
    rewritten = [writer.header(_plain(lines[0]))]
    rewritten += [writer.line(_plain(line)) for line in lines[1:-1]]
    rewritten.append(writer.manifest({**_plain(lines[-1]), member: value}))
    assert verify_lines([*rewritten[:-1], writer.manifest(_plain(lines[-1]))]).ok
    caught(rewritten, len(lines), says)


def _plain(line: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(line)
    record.pop("hash")
    record.pop("prev", None)
    return record


# ---- late ballots -------------------------------------------------------------------------

@pytest.mark.parametrize(("late", "topic", "says"), [
    ("digital", BALLOT_CAST, "a digital ballot cast after voting closed"),
    ("changed", BALLOT_CHANGED, "a digital ballot changed after voting closed"),
])
def test_a_digital_ballot_after_voting_closed_is_refused_at_its_line(
        late: str, topic: str, says: str) -> None:
    made = history(late=late)
    closed = next(n for n, r in enumerate(made.records(), start=2)
              if r["data"].get("trigger") == "close_voting")
    nth = 4 if topic == BALLOT_CAST else 1  # the ballot (or change) after the closing
    line = made.line_of(topic, nth)
    assert line > closed
    message = caught(export(made), line, says)
    assert f"(line {closed})" in message


def test_paper_ballots_may_be_entered_while_counting() -> None:
    made = history(late="paper")
    report = verified(export(made))
    assert report.results_checked and report.ballots == 5


def test_a_ballot_before_voting_opened_is_refused() -> None:
    made = history(late="early")
    caught(export(made), made.line_of(BALLOT_CAST), "while the cycle was in phase 'review'")


# ---- interim exports -----------------------------------------------------------------------

def test_an_interim_export_shows_counts_but_no_ballot_content() -> None:
    made = history(stop_in_voting=True)
    lines = export(made, interim=True)
    report = verified(lines)
    assert report.interim and not report.results_checked and report.ballots == 4
    ballots = [json.loads(line) for line in lines
               if json.loads(line).get("topic") in (BALLOT_CAST, BALLOT_CHANGED)]
    assert len(ballots) == 5
    for record in ballots:
        data = record["data"]
        assert data[REDACTED] is True
        assert not {"selections", "points", "voter", "at"} & set(data), data
        if record["topic"] == BALLOT_CAST:
            assert (data["area"], data["channel"]) in {("norr", "digital"), ("unga", "digital")}
    text = "".join(lines)
    for proposal in made.proposals:  # on no ballot line
        assert all(str(proposal.id) not in json.dumps(b) for b in ballots)
        assert str(proposal.id) in text  # (but the proposals are there)
    assert manifest_of(lines)["interim"] is True


def test_a_redacted_ballot_in_a_full_export_is_caught() -> None:
    made = history(stop_in_voting=True)
    records = made.records()
    line = made.line_of(BALLOT_CAST, 2)
    record = records[line - 2]
    record["data"] = redact(record["topic"], record["data"])
    caught(export(made, records=records), line, "without its content")


def test_ballot_content_in_an_interim_export_is_caught() -> None:
    made = history(stop_in_voting=True)
    records = made.records(redacted=True)
    line = made.line_of(BALLOT_CAST, 1)
    records[line - 2]["data"]["selections"] = [str(made.proposals[0].id)]
    caught(export(made, interim=True, records=records), line, "shows what is on a ballot")


def test_results_in_an_interim_export_are_refused(made: History) -> None:
    lines = export(made, interim=True)
    caught(lines, made.line_of(RESULTS_PUBLISHED), "results published in an interim export")


# ---- version 1 -------------------------------------------------------------------------------

def version_1(made: History) -> list[str]:
    """An export as version 1 wrote it: header and manifest in the chain, store positions in
    the event lines, the head the last line's hash."""
    previous, lines = GENESIS, []

    def line(record: dict[str, Any]) -> str:
        nonlocal previous
        body = canonical({**record, "prev": previous})
        previous = hashlib.sha256(f"{previous}\n{body}".encode()).hexdigest()
        return f'{body[:-1]},"hash":"{previous}"}}\n'

    first = {k: v for k, v in header(str(made.cycle.id), EARLY).items() if k != "interim"}
    lines.append(line({**first, "version": 1}))
    events = made.records()
    for position, record in enumerate(events, start=10):
        lines.append(line({**record, "position": position}))
    counts = {"events": len(events), "proposals": len(made.proposals),
              "ballots": len(made.ballots)}
    digest = next(r for r in events if r["topic"] == RESULTS_PUBLISHED)["data"]["results"][
        "ballots_digest"]
    head = previous
    lines.append(line({"kind": "manifest", "counts": counts, "head": head,
                       "results_digest": digest}))
    return lines


def test_a_version_1_export_still_verifies(made: History) -> None:
    lines = version_1(made)
    report = verified(lines)
    assert (report.version, report.results_checked) == (1, True)
    assert report.head == json.loads(lines[-1])["hash"]
    lines[5] = lines[5].replace('"seq":5', '"seq":50')
    caught(lines, 6, "does not match its hash")


def test_an_unknown_version_is_refused_clearly(made: History) -> None:
    lines = export(made)
    lines[0] = lines[0].replace('"version":2', '"version":3')
    with pytest.raises(NotAnExport, match=r"version 3 is not supported.*reads versions 1, 2"):
        verify_lines(lines)


def test_a_missing_event_of_the_cycle_is_named_not_a_crash() -> None:
    """An export rechained without one of the cycle's events (its versions then skip one) is
    refused at the line where the gap shows, with a finding, never a traceback."""
    made = history()
    records = made.records()
    cycle_id = str(made.cycle.id)
    dropped = next(n for n, r in enumerate(records)
                   if str(r["originator_id"]) == cycle_id and r["originator_version"] == 3)
    kept = [{**r, "seq": seq} for seq, r in enumerate(
        [r for n, r in enumerate(records) if n != dropped], start=1)]
    caught(export(made, records=kept), dropped + 2, "cannot be applied")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=8)


@given(seq=st.integers(min_value=1, max_value=2**40), topic=st.text(),
       version=st.integers(min_value=1, max_value=2**40),
       timestamp=st.datetimes(timezones=st.just(UTC)) | st.text(max_size=30),
       data=st.dictionaries(st.text(max_size=8), _JSON, max_size=5),
       previous=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_an_event_body_written_field_by_field_is_the_records_canonical_form(
        seq: int, topic: str, version: int, timestamp: datetime | str, data: dict[str, Any],
        previous: str) -> None:
    # Chain.add writes the body without building the record (the projection's hot path); the
    # exporter hashes the record (Chain.add_record): both must give the same bytes.
    record = event_record(seq, topic, "3f0c2a0e-1e6b-4c2e-9d53-0c1f8a3b5e77", version,
                          timestamp, data)
    assert event_body(seq, topic, "3f0c2a0e-1e6b-4c2e-9d53-0c1f8a3b5e77", version, timestamp,
                      data, previous) == canonical_bytes({**record, "prev": previous})
