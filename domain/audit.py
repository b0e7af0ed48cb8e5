"""The audit export of a cycle, and its verification from the file alone.

An export is JSON Lines in store order: a header, one line per event (the cycle's, its
proposals', its ballots'), and a manifest. Each line is a record as canonical JSON (sorted keys,
no spaces) with `hash` appended as its last member:

    line = canonical(record)[:-1] + ',"hash":"' + H + '"}'
    H    = SHA-256(previous line's hash + "\n" + canonical(record))   (the record without hash)

`record` includes `prev`, the previous line's hash (64 zeros before the header). So a line
edited, removed, reordered or inserted breaks the chain where it happened, and the verifier
checks a line by hashing the bytes it received, up to the hash member, without serialising
anything again. A rewrite of the whole chain is caught by comparing the head hash (printed by
verify) with the one the municipality published, and by recounting: the published winners must
follow from the ballots.

Verification rebuilds every aggregate but the ballots with the domain's own classes (a ballot is
kept as what the tally counts, compactly: there may be millions), recounts with the recorded rule
(domain/cycle_tally.py, as the service does), and compares with the published results. It needs
no database and no server.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.cycle import BudgetCycle
from domain.cycle_tally import AreaRules, CountedBallot, CountedProposal, tally
from domain.errors import DomainError
from domain.proposal import Proposal

FORMAT = "medborgarbudget-audit"
VERSION = 1
GENESIS = "0" * 64
BALLOT_CAST = "medborgarbudget:Ballot.Cast"
BALLOT_CHANGED = "medborgarbudget:Ballot.Changed"
ROLL_MARKED = "medborgarbudget:RollMark.Marked"
RESULTS_PUBLISHED = "medborgarbudget:BudgetCycle.ResultsPublished"

_HASH_MEMBER = b',"hash":"'
_TAIL = len(_HASH_MEMBER) + 64 + len(b'"}')  # ',"hash":"<64 hex>"}'

try:  # a faster parser when installed; the standard one reads the same records
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency, json the fallback
    _loads = json.loads  # type: ignore[assignment]


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
    """The hash of a line: `record` is the line's record without `hash` (with `prev`)."""
    return _hash_body(previous, canonical(record).encode())


def _hash_body(previous: str, body: bytes) -> str:
    return hashlib.sha256(b"%s\n%s" % (previous.encode(), body)).hexdigest()


class ExportWriter:
    """Turns records into chained lines. The export's author feeds it header, events, manifest."""

    def __init__(self) -> None:
        self.head = GENESIS
        self.lines = 0

    def line(self, record: dict[str, Any]) -> str:
        body = canonical({**record, "prev": self.head})
        self.head = _hash_body(self.head, body.encode())
        self.lines += 1
        return f'{body[:-1]},"hash":"{self.head}"}}\n'


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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Counting a million ballots makes millions of small containers, none in a reference
    cycle; the cyclic garbage collector would scan them over and over (a fifth of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# A ballot as the verifier keeps it: (version, area, selections, points). Strings and contents
# that recur (areas, proposal ids, the same choices) are shared: a million ballots take a few
# hundred megabytes.
_Content = tuple[str, tuple[str, ...], tuple[int, ...] | None]
_Ballot = tuple[int, str, tuple[str, ...], tuple[int, ...] | None]


class Verifier:
    """Feed it the export's lines in order (text or bytes); it stops at the first broken line."""

    def __init__(self) -> None:
        self.report = Report()
        self._previous = GENESIS
        self._number = 0
        self._seq = 0
        self._header_seen = False
        self._manifest_seen = False
        self._cycle: BudgetCycle | None = None
        self._proposals: dict[UUID, Proposal] = {}
        self._ballots: dict[str, _Ballot] = {}
        self._shared: dict[str, str] = {}
        # Each ballot content seen (area, selections, points): the one instance of it that all
        # ballots alike share, and why the voting rule refuses it ('' when it does not).
        self._checked: dict[_Content, tuple[_Content, str]] = {}
        self._options: dict[str, dict[str, int]] = {}  # per area: proposal id -> cost
        self._published_at_line = 0
        self._results_digest: str | None = None
        # Paper voting: the voters each station marked in its roll, per (area, station), and
        # the ballots entered from its box; a box never holds more ballots than marks.
        self._marks: set[str] = set()
        self._marked: dict[tuple[str, str], int] = {}
        self._boxed: dict[tuple[str, str], int] = {}

    @property
    def done(self) -> bool:
        return not self.report.ok

    def feed(self, line: str | bytes) -> None:
        self._number += 1
        number = self._number
        if self._manifest_seen:
            self.report.fail(number, "a line after the manifest (inserted)")
            return
        raw = (line.encode() if isinstance(line, str) else line).rstrip(b"\r\n")
        # The layout the exporter writes: the hash member last, so the bytes before it are
        # exactly what was hashed. (A claimed hash that is not hex simply does not match.)
        tail = raw[-_TAIL:]
        claimed: str | None = None
        if tail.startswith(_HASH_MEMBER) and tail.endswith(b'"}'):
            body = raw[:-_TAIL] + b"}"
            claimed = tail[len(_HASH_MEMBER):-2].decode(errors="replace")
        else:
            body = raw
        try:
            record = _loads(body)
        except ValueError:  # also invalid UTF-8
            if not self._header_seen:
                self._not_an_export(raw)
            self.report.fail(number, "not valid JSON (edited or damaged)")
            return
        if not self._header_seen:
            if not isinstance(record, dict) or record.get("format") != FORMAT:
                raise NotAnExport(f"the first line is not a {FORMAT} header")
            if record.get("version") != VERSION:
                raise NotAnExport(f"export version {record.get('version')} is not supported")
        if not isinstance(record, dict):
            self.report.fail(number, "not a record (edited or inserted)")
            return
        if claimed is None:
            # Another layout of the same line (e.g. keys all sorted): hash its canonical form.
            claimed = record.pop("hash", None)
            if not isinstance(claimed, str):
                self.report.fail(number, "has no hash (edited or inserted)")
                return
            actual = chain_hash(self._previous, record)
        elif "hash" in record:
            self.report.fail(number, "has two hashes (edited)")
            return
        else:
            actual = _hash_body(self._previous, body)
        if record.get("prev") != self._previous:
            self.report.fail(number, self._chain_break(record))
            return
        if actual != claimed:
            self.report.fail(number, "its content does not match its hash (edited)")
            return
        self._previous = claimed
        kind = record.get("kind")
        if kind == "event":
            self._event(number, record)
        elif kind == "header":
            self._header(number, record)
        elif kind == "manifest":
            self._manifest(number, record)
        else:
            self.report.fail(number, f"unknown kind of line '{kind}'")

    @staticmethod
    def _not_an_export(raw: bytes) -> None:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise NotAnExport("it is not UTF-8 text") from None
        raise NotAnExport("the first line is not JSON: not an audit export")

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
        topic = record.get("topic")
        try:
            if topic in (BALLOT_CAST, BALLOT_CHANGED):
                self._ballot(number, record)
            elif topic == ROLL_MARKED:
                self._roll_mark(number, record)
            else:
                self._aggregate_event(number, record)
        except KeyError as error:
            self.report.fail(number, f"the event cannot be applied: no {error}")
        except (TypeError, ValueError, AttributeError, DomainError) as error:
            self.report.fail(number, f"the event cannot be applied: {error}")

    def _ballot(self, number: int, record: dict[str, Any]) -> None:
        if self._published_at_line:
            self.report.fail(number, f"a ballot recorded after the results were published "
                                     f"(line {self._published_at_line})")
            return
        ballot_id = record["originator_id"]
        data = record["data"]
        before = self._ballots.get(ballot_id)
        expected = before[0] + 1 if before is not None else 1
        if record["originator_version"] != expected:
            self.report.fail(number, f"ballot {ballot_id} version {record['originator_version']}"
                                     f" where {expected} was expected")
            return
        if expected == 1:
            if record["topic"] != BALLOT_CAST:
                self.report.fail(number, "a change of a ballot that was never cast")
                return
            if data["cycle_id"] != self.report.cycle_id:
                self.report.fail(number, "a ballot of another cycle")
                return
            area = data["area"]
            if not isinstance(area, str):
                raise TypeError("the area is not text")
            if ballot_id in self._marks:
                self.report.fail(number, "a ballot of a voter marked in a station's roll for "
                                         "the same area (a second ballot)")
                return
            if data.get("channel") == "paper" and data.get("voter") is None:
                station = (area, str(data.get("station")))
                self._boxed[station] = self._boxed.get(station, 0) + 1
                if self._boxed[station] > self._marked.get(station, 0):
                    self.report.fail(number, f"more paper ballots from station "
                                             f"'{station[1]}' in area '{area}' than voters "
                                             f"it marked in the roll")
                    return
        elif record["topic"] != BALLOT_CHANGED:
            self.report.fail(number, f"ballot {ballot_id} is cast a second time")
            return
        else:
            assert before is not None
            area = before[1]
        shared = self._shared.setdefault
        points = data.get("points")
        content = (shared(area, area), tuple([shared(s, s) for s in data["selections"]]),
                   tuple(points) if points is not None else None)
        checked = self._checked.get(content)
        if checked is None:  # each different content is checked once, and kept once
            checked = self._checked[content] = (content, self._refusal(*content))
        content, refusal = checked
        if refusal:
            self.report.fail(number, f"the ballot breaks the voting rule: {refusal}")
            return
        self._ballots[ballot_id] = (expected, *content)

    def _roll_mark(self, number: int, record: dict[str, Any]) -> None:
        mark_id, data = record["originator_id"], record["data"]
        if data["cycle_id"] != self.report.cycle_id:
            self.report.fail(number, "a roll mark of another cycle")
        elif record["originator_version"] != 1 or mark_id in self._marks:
            self.report.fail(number, f"voter {mark_id} is marked in the roll a second time")
        elif mark_id in self._ballots:
            self.report.fail(number, "a voter who already has a ballot in the area is marked "
                                     "in a station's roll (a second ballot)")
        else:
            self._marks.add(mark_id)
            station = (str(data["area"]), str(data["station"]))
            self._marked[station] = self._marked.get(station, 0) + 1

    def _refusal(self, area: str, selections: tuple[str, ...],
                 points: tuple[int, ...] | None) -> str:
        """Why the cycle's voting rule refuses this ballot ('' if it does not), as it did when
        the ballot was cast."""
        cycle = self._cycle
        if cycle is None or area not in cycle.areas:
            return f"the cycle has no area '{area}'"
        options = self._options.get(area)
        if options is None:
            options = self._options[area] = {
                str(p.id): p.cost for p in self._proposals.values()
                if p.area == area and p.on_ballot}
        try:
            cycle.voting_rule_for(area).check_ballot(
                list(selections), list(points) if points is not None else None, options,
                cycle.areas[area].budget)
        except DomainError as error:
            return error.message
        return ""

    def _aggregate_event(self, number: int, record: dict[str, Any]) -> None:
        # What a ballot may contain follows from the cycle and its proposals: check afresh.
        self._checked.clear()
        self._options.clear()
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

    def _counted_ballots(self) -> Iterator[CountedBallot]:
        for ballot_id in sorted(self._ballots):
            _, area, selections, points = self._ballots[ballot_id]
            yield CountedBallot(ballot_id, area, selections, points)

    def _check_results(self, number: int) -> None:
        cycle = self._cycle
        assert cycle is not None and cycle.results is not None
        self._published_at_line = number
        recorded = cycle.results
        with _gc_paused():
            recount = self._recount(cycle, recorded)
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

    def _recount(self, cycle: BudgetCycle, recorded: Mapping[str, Any]) -> dict[str, Any]:
        """The tally of the ballots in the history, with the rules the results record."""
        return tally(
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
            self._counted_ballots(),
        )

    def _manifest(self, number: int, record: dict[str, Any]) -> None:
        self._manifest_seen = True
        counts = record.get("counts")
        counts = counts if isinstance(counts, dict) else {}
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


def verify_lines(lines: Iterable[str | bytes],
                 progress: Callable[[int], None] | None = None) -> Report:
    verifier = Verifier()
    for line in lines:
        verifier.feed(line)
        if progress is not None:
            progress(len(line.encode()) + 1 if isinstance(line, str) else len(line))
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
