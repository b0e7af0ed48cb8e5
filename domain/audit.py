"""The audit export of a cycle, and its verification from the file alone.

An export is JSON Lines in store order: a header, one line per event (the cycle's, its
proposals', its ballots'), and a manifest. Every line is canonical JSON (sorted keys, no spaces)
and carries `hash` = SHA-256 of the previous line's hash and the line without its own hash, so a
line edited, removed, reordered or inserted breaks the chain where it happened. A rewrite of the
whole chain is caught by comparing the head hash (printed by verify) with the one the
municipality published, and by recounting: the published winners must follow from the ballots.

Verification rebuilds every aggregate with the domain's own classes, recounts with the recorded
rule, and compares with the published results. It needs no database and no server.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.cycle import BudgetCycle
from domain.cycle_tally import AreaRules, CountedBallot, CountedProposal, tally
from domain.proposal import Proposal

FORMAT = "medborgarbudget-audit"
VERSION = 1
GENESIS = "0" * 64
BALLOT_CAST = "medborgarbudget:Ballot.Cast"
BALLOT_CHANGED = "medborgarbudget:Ballot.Changed"
RESULTS_PUBLISHED = "medborgarbudget:BudgetCycle.ResultsPublished"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def chain_hash(previous: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{previous}\n{canonical(record)}".encode()).hexdigest()


class ExportWriter:
    """Turns records into chained lines. The export's author feeds it header, events, manifest."""

    def __init__(self) -> None:
        self.head = GENESIS
        self.lines = 0

    def line(self, record: dict[str, Any]) -> str:
        record = {**record, "prev": self.head}
        record["hash"] = chain_hash(self.head, record)
        self.head = record["hash"]
        self.lines += 1
        return canonical(record) + "\n"


def header(cycle_id: str, exported_at: datetime) -> dict[str, Any]:
    return {"kind": "header", "format": FORMAT, "version": VERSION, "cycle_id": cycle_id,
            "exported_at": exported_at.isoformat()}


def event_record(seq: int, position: int, topic: str, originator_id: UUID | str,
                 originator_version: int, timestamp: datetime, data: Mapping[str, Any],
                 ) -> dict[str, Any]:
    return {"kind": "event", "seq": seq, "position": position, "topic": topic,
            "originator_id": str(originator_id), "originator_version": originator_version,
            "timestamp": timestamp.isoformat(), "data": dict(data)}


def manifest(counts: Mapping[str, int], head: str, results_digest: str | None,
             ) -> dict[str, Any]:
    return {"kind": "manifest", "counts": dict(counts), "head": head,
            "results_digest": results_digest}


# ---- verification ------------------------------------------------------------------------

class NotAnExport(ValueError):
    """The file is not an audit export at all (exit code 2)."""


@dataclass
class Finding:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Report:
    ok: bool = True
    findings: list[Finding] = field(default_factory=list)
    cycle_id: str = ""
    cycle_name: str = ""
    phase: str = ""
    events: int = 0
    proposals: int = 0
    ballots: int = 0
    head: str = GENESIS
    results_checked: bool = False
    winners: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, line: int, message: str) -> None:
        self.ok = False
        self.findings.append(Finding(line, message))


def _datetimes(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data.get("at"), str):
        data["at"] = datetime.fromisoformat(data["at"])
    return data


class Verifier:
    """Feed it the export's lines in order; it stops at the first broken line."""

    def __init__(self) -> None:
        self.report = Report()
        self._previous = GENESIS
        self._number = 0
        self._seq = 0
        self._header_seen = False
        self._manifest_seen = False
        self._cycle: BudgetCycle | None = None
        self._proposals: dict[UUID, Proposal] = {}
        self._ballots: dict[str, CountedBallot] = {}
        self._ballot_versions: dict[str, int] = {}
        self._published_at_line = 0
        self._results_digest: str | None = None

    @property
    def done(self) -> bool:
        return not self.report.ok

    def feed(self, text: str) -> None:
        self._number += 1
        number = self._number
        if self._manifest_seen:
            self.report.fail(number, "a line after the manifest (inserted)")
            return
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            if not self._header_seen:
                raise NotAnExport("the first line is not JSON: not an audit export") from None
            self.report.fail(number, "not valid JSON (edited or damaged)")
            return
        if not self._header_seen:
            if not isinstance(record, dict) or record.get("format") != FORMAT:
                raise NotAnExport(f"the first line is not a {FORMAT} header")
            if record.get("version") != VERSION:
                raise NotAnExport(f"export version {record.get('version')} is not supported")
        if not isinstance(record, dict) or "hash" not in record:
            self.report.fail(number, "has no hash (edited or inserted)")
            return
        claimed = record.pop("hash")
        if record.get("prev") != self._previous:
            self.report.fail(number, self._chain_break(record))
            return
        if chain_hash(self._previous, record) != claimed:
            self.report.fail(number, "its content does not match its hash (edited)")
            return
        self._previous = claimed
        kind = record.get("kind")
        if kind == "header":
            self._header(number, record)
        elif kind == "event":
            self._event(number, record)
        elif kind == "manifest":
            self._manifest(number, record)
        else:
            self.report.fail(number, f"unknown kind of line '{kind}'")

    def _chain_break(self, record: dict[str, Any]) -> str:
        seq = record.get("seq")
        if isinstance(seq, int) and seq > self._seq + 1:
            return (f"does not follow the line before it: event {self._seq + 1} should come "
                    "here (a line was removed or moved)")
        if isinstance(seq, int) and seq <= self._seq:
            return "does not follow the line before it (lines were reordered or one inserted)"
        return "does not follow the line before it (a line was inserted, removed or reordered)"

    def _header(self, number: int, record: dict[str, Any]) -> None:
        if self._header_seen:
            self.report.fail(number, "a second header (inserted)")
            return
        self._header_seen = True
        self.report.cycle_id = str(record.get("cycle_id", ""))

    def _event(self, number: int, record: dict[str, Any]) -> None:
        self._seq += 1
        if record.get("seq") != self._seq:
            self.report.fail(number, f"event number {record.get('seq')} where {self._seq} "
                                     "was expected (reordered)")
            return
        self.report.events += 1
        topic = record["topic"]
        try:
            if topic in (BALLOT_CAST, BALLOT_CHANGED):
                self._ballot(number, record)
            else:
                self._aggregate_event(number, record)
        except (KeyError, TypeError, ValueError) as error:
            self.report.fail(number, f"the event cannot be applied: {error}")

    def _ballot(self, number: int, record: dict[str, Any]) -> None:
        if self._published_at_line:
            self.report.fail(number, f"a ballot recorded after the results were published "
                                     f"(line {self._published_at_line})")
            return
        ballot_id = record["originator_id"]
        data = record["data"]
        expected = self._ballot_versions.get(ballot_id, 0) + 1
        if record["originator_version"] != expected:
            self.report.fail(number, f"ballot {ballot_id} version {record['originator_version']}"
                                     f" where {expected} was expected")
            return
        if record["topic"] == BALLOT_CAST:
            if data.get("cycle_id") != self.report.cycle_id:
                self.report.fail(number, "a ballot of another cycle")
                return
            area = data["area"]
        else:
            if ballot_id not in self._ballots:
                self.report.fail(number, "a change of a ballot that was never cast")
                return
            area = self._ballots[ballot_id].area
        points = data.get("points")
        self._ballots[ballot_id] = CountedBallot(
            ballot_id, area, tuple(data["selections"]),
            tuple(points) if points is not None else None)
        self._ballot_versions[ballot_id] = expected

    def _aggregate_event(self, number: int, record: dict[str, Any]) -> None:
        event_class = resolve_topic(record["topic"])
        originator_id = UUID(record["originator_id"])
        event = event_class(
            originator_id=originator_id, originator_version=record["originator_version"],
            timestamp=datetime.fromisoformat(record["timestamp"]),
            **_datetimes(dict(record["data"])))
        if record["topic"].startswith("medborgarbudget:BudgetCycle."):
            if str(originator_id) != self.report.cycle_id:
                self.report.fail(number, "an event of another cycle")
                return
            self._cycle = event.mutate(self._cycle)
            if record["topic"] == RESULTS_PUBLISHED:
                self._check_results(number)
        elif record["topic"].startswith("medborgarbudget:Proposal."):
            self._proposals[originator_id] = event.mutate(self._proposals.get(originator_id))
        else:
            self.report.fail(number, f"an event of unknown kind '{record['topic']}'")

    def _check_results(self, number: int) -> None:
        cycle = self._cycle
        assert cycle is not None and cycle.results is not None
        self._published_at_line = number
        recorded = cycle.results
        recount = tally(
            {area_id: AreaRules(
                budget=area.budget, vote_type=cycle.voting_rule_for(area_id).vote_type,
                allocation_rule=recorded["areas"].get(area_id, {}).get(
                    "rule", cycle.allocation_rule_for(area_id)),
                threshold=recorded["areas"].get(area_id, {}).get("threshold",
                                                                 cycle.score_threshold),
                max_ranked=recorded["areas"].get(area_id, {}).get(
                    "max_ranked", cycle.voting_rule_for(area_id).max_choices))
             for area_id, area in cycle.areas.items()},
            [CountedProposal(str(p.id), p.area, p.title, p.cost)
             for p in self._proposals.values() if p.on_ballot],
            sorted(self._ballots.values(), key=lambda b: b.id),
        )
        self._results_digest = recorded.get("ballots_digest")
        if recount["ballots_counted"] != recorded.get("ballots_counted"):
            self.report.fail(number, f"the results count {recorded.get('ballots_counted')} "
                                     f"ballots but the history holds {recount['ballots_counted']}")
            return
        if recount["ballots_digest"] != recorded.get("ballots_digest"):
            self.report.fail(number, "the digest of the ballots counted does not match the "
                                     "ballots in the history")
            return
        for area_id, mine in recount["areas"].items():
            theirs = recorded["areas"].get(area_id, {})
            for proposal_id, score in mine["scores"].items():
                published = theirs.get("scores", {}).get(proposal_id)
                if str(published) != str(score):
                    self.report.fail(number, f"area {area_id}, proposal {proposal_id}: "
                                             f"published score {published}, recount {score}")
                    return
            if list(mine["selected"]) != list(theirs.get("selected", [])):
                differ = sorted(set(mine["selected"]) ^ set(theirs.get("selected", [])))
                first = differ[0] if differ else mine["selected"][0]
                self.report.fail(number, f"area {area_id}, proposal {first}: published "
                                         f"selection differs from the recount")
                return
        self.report.results_checked = True
        self.report.winners = {a: list(r["selected"]) for a, r in recount["areas"].items()}

    def _manifest(self, number: int, record: dict[str, Any]) -> None:
        self._manifest_seen = True
        counts = record.get("counts", {})
        actual = {"events": self.report.events, "proposals": len(self._proposals),
                  "ballots": len(self._ballots)}
        for key, value in actual.items():
            if counts.get(key) != value:
                self.report.fail(number, f"the manifest counts {counts.get(key)} {key}, "
                                         f"the file holds {value}")
                return
        if record.get("head") != record.get("prev"):
            self.report.fail(number, "the manifest's head is not the last event's hash")
            return
        if record.get("results_digest") != self._results_digest:
            self.report.fail(number, "the manifest's results digest differs from the "
                                     "published results")

    def finish(self) -> Report:
        report = self.report
        if report.ok and not self._header_seen:
            raise NotAnExport("the file is empty")
        if report.ok and not self._manifest_seen:
            report.fail(self._number + 1, "the manifest is missing (the file was cut short)")
        report.head = self._previous
        report.proposals = len(self._proposals)
        report.ballots = len(self._ballots)
        if self._cycle is not None:
            report.cycle_name = self._cycle.name
            report.phase = self._cycle.phase.value
        return report


def verify_lines(lines: Iterable[str], progress: Callable[[int], None] | None = None) -> Report:
    verifier = Verifier()
    for text in lines:
        verifier.feed(text)
        if progress is not None:
            progress(len(text.encode()) + 1)
        if verifier.done:
            break
    return verifier.finish()


def export_records(header_record: dict[str, Any], events: Iterable[dict[str, Any]],
                   results_digest: Callable[[], str | None]) -> Iterator[str]:
    """Chained lines for a header, the event records (in store order) and the manifest."""
    writer = ExportWriter()
    yield writer.line(header_record)
    counts = {"events": 0, "proposals": 0, "ballots": 0}
    seen: set[str] = set()
    for record in events:
        counts["events"] += 1
        kind = record["topic"].split(":", 1)[1].split(".", 1)[0]
        if kind in ("Proposal", "Ballot") and record["originator_id"] not in seen:
            seen.add(record["originator_id"])
            counts["proposals" if kind == "Proposal" else "ballots"] += 1
        yield writer.line(record)
    yield writer.line(manifest(counts, writer.head, results_digest()))
