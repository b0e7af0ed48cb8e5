"""The audit export of a cycle, its hash chain, and its verification from the file alone.

The chain covers the cycle's events alone (the cycle's, its proposals', its ballots'), in store
order, so that the same history always has the same head, whoever exports it and when; the
projection (projections/fold.py) keeps the same chain as it folds the events and publishes its
head with the results. Each event's link is its record as canonical JSON (`canonical`: sorted
keys, no spaces, UTF-8, numbers in their shortest form), with `prev` the previous event's hash
(64 zeros before the first):

    record = {"kind": "event", "seq": n, "topic", "originator_id", "originator_version",
              "timestamp", "data", "prev"}
    H(n)   = SHA-256(H(n-1) + "\n" + canonical(record))

`link()` computes it, for the exporter and the projection alike. Nothing that depends on the
store (its positions, which differ after a restore or by a gap on PostgreSQL) or on the export
(its time) is in a link.

An export is JSON Lines: a header, one line per event, a manifest. Every line is its record
with `hash` appended as its last member, so the verifier hashes the bytes it received, up to
the hash member, without serialising anything again:

    line = canonical(record)[:-1] + ',"hash":"' + H + '"}'

The header (format, version, cycle, time of export, whether it is interim) is outside the
chain: its hash is SHA-256(64 zeros + "\n" + canonical(header)). The manifest (counts, the
head, the head when results were published, the results digest, the header's hash) is hashed
after the head, with `prev` the head, without becoming part of the chain. So an edited,
removed, reordered or inserted line breaks where it happened, and the head is the same in every
export of the same history.

While a cycle votes, nobody reads ballot contents: an export made then is *interim*, its
ballots redacted (`redact`, used for the events API too); its chain is over what it shows, so
its head cannot be compared with a full export's, and nothing in it can be recounted.

Each event's data is as stored: an event of a class above version 1 says so (`class_version`),
and an older one, upcast when the service reads it (money in öre, ADR 0014), is linked as it was
stored, so a history keeps its heads across the upgrade (`event_data`).

Verification rebuilds every aggregate but the ballots with the domain's own classes (a ballot is
kept as what the tally counts, compactly: there may be millions; an older event is upcast first,
as the service reads it), recounts with the recorded rule
(domain/cycle_tally.py, as the service does), and compares with the published results. It needs
no database and no server. Exports of version 1 (the header in the chain, store positions in
the lines) are still read and verified as they were written.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypedDict
from uuid import UUID

import orjson
from eventsourcing.domain import OriginatorVersionError
from eventsourcing.utils import resolve_topic

from domain import events

# Imported for their pinned topics, which the verifier resolves from the export's lines.
from domain.comment import Comment  # noqa: F401
from domain.cycle import BudgetCycle
from domain.cycle_tally import CountedBallot, CountedProposal, tally
from domain.documents import Results
from domain.errors import DomainError
from domain.json_values import JSONObject, json_integers, json_object, json_str, json_texts
from domain.moderation import Moderation  # noqa: F401
from domain.money import AS_STORED, upcast_data
from domain.phases import Phase
from domain.proposal import Proposal

FORMAT = "medborgarbudget-audit"
VERSION = 2
READABLE_VERSIONS = (1, 2)
GENESIS = "0" * 64
BALLOT_CAST = events.BallotCast.TOPIC
BALLOT_CHANGED = events.BallotChanged.TOPIC
ROLL_MARKED = events.RollMarked.TOPIC
BALLOT_TOPICS = events.BALLOT_TOPICS
RESULTS_PUBLISHED = events.ResultsPublished.TOPIC
# A winner excluded or added after the count: the event holds the results recounted with it.
WINNERS_AMENDED = events.WinnersAmended.TOPIC
DISCUSSION_PREFIXES = (events.COMMENT + ".", events.MODERATION + ".")
# The fields of a ballot event that say nothing about what is on the ballot: while the cycle
# votes, these are all that is shown of it (counts per area, channel and station stay
# visible). Anything else, present or added later (choices, points, a receipt digest, the
# voter's pseudonym, its time), is left out: what is not listed here is never shown.
UNREDACTED_BALLOT_FIELDS = frozenset({"originator_topic", "cycle_id", "area", "channel",
                                      "station"})
REDACTED = "redacted"

_HASH_MEMBER = b',"hash":"'
_TAIL = len(_HASH_MEMBER) + 64 + len(b'"}')  # ',"hash":"<64 hex>"}'

# Datetimes and dataclasses go to _plain, as they would with the standard json module.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_loads = orjson.loads


class RecordedEvent(Protocol):
    """An event as the library's mapper decodes it (its DomainEventProtocol): the aggregate and
    version it belongs to; its other attributes (its timestamp, its data) are read with
    `vars`."""

    @property
    def originator_id(self) -> UUID | str: ...
    @property
    def originator_version(self) -> int: ...


# An event's data as the chain links it: its stored fields, JSON values but for the datetimes
# and UUIDs the library decoded (written as their text: `_plain`).
EventData = dict[str, object]


class EventRecord(TypedDict):
    """An event's line of an export, without its `prev` and `hash` (`event_record`)."""

    kind: str
    seq: int
    topic: str
    originator_id: str
    originator_version: int
    timestamp: str
    data: EventData


class ChainState(TypedDict):
    """A chain as it stands (`Chain.state`), kept in the cycle's read model."""

    head: str
    events: int
    published_head: str | None
    published_events: int | None


def canonical_bytes(value: object) -> bytes:
    """The canonical JSON of `value`, the one form every link is hashed in.

    orjson, because the projection links every ballot as it folds it and orjson writes a
    record ten times faster than the json module; the two write the same text but for a few
    floats (1e-05 is 0.00001 here). What orjson cannot write (an integer beyond 64 bits, a key
    that is not text) the json module writes, the same way every time."""
    try:
        return orjson.dumps(value, default=_plain, option=_ORJSON)
    except orjson.JSONEncodeError as error:
        if isinstance(error.__cause__, TypeError):  # raised by _plain: nothing can write it
            raise error.__cause__ from None
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=_plain).encode()


def canonical(value: object) -> str:
    return canonical_bytes(value).decode()


def _plain(value: object) -> str | list[object]:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def _hash_body(previous: str, body: bytes) -> str:
    return hashlib.sha256(b"%s\n%s" % (previous.encode(), body)).hexdigest()


def link(previous: str, record: Mapping[str, object]) -> tuple[bytes, str]:
    """(the line's body without its hash, the line's hash) of a record chained after
    `previous`: the one definition of a link, for the exporter and the projection alike."""
    body = canonical_bytes({**record, "prev": previous})
    return body, _hash_body(previous, body)


def event_body(seq: int, topic: str, originator_id: UUID | str, originator_version: int,
               timestamp: datetime | str, data: Mapping[str, object], previous: str) -> bytes:
    """`canonical_bytes` of `event_record(...)` chained after `previous` (what `link` hashes),
    written field by field in the canonical (sorted) order of the record's keys."""
    text = orjson.dumps
    return (b'{"data":%b,"kind":"event","originator_id":%b,"originator_version":%d,"prev":%b,'
            b'"seq":%d,"timestamp":%b,"topic":%b}' % (
                canonical_bytes(data if type(data) is dict else dict(data)),
                text(str(originator_id)), originator_version, text(previous), seq,
                text(timestamp if isinstance(timestamp, str) else timestamp.isoformat()),
                text(topic)))


def chain_hash(previous: str, record: Mapping[str, object]) -> str:
    """The hash of a line: `record` is the line's record without `hash` (with `prev`)."""
    return _hash_body(previous, canonical_bytes(record))


def event_data(event: RecordedEvent) -> EventData:
    """What an export shows as an event's `data`: its attributes but the three every event has
    (they are members of the record). `originator_topic` stays: a creation event cannot be
    rebuilt without it.

    The data as stored: an event of a class above version 1 says which (`class_version`, as
    the store holds it), and an old event upcast as it was read (domain.money.versioned) is
    shown as it was stored, so that its link, and every head after it, stays what it was."""
    attributes: dict[str, object] = vars(event)
    stored = attributes.get(AS_STORED)
    if stored is not None:
        return dict(json_object(stored, "the event as stored"))
    data = {k: v for k, v in attributes.items()
            if k not in ("originator_id", "originator_version", "timestamp")}
    version: int = getattr(type(event), "class_version", 1)
    if version > 1:
        data["class_version"] = version
    return data


def event_record(seq: int, topic: str, originator_id: UUID | str, originator_version: int,
                 timestamp: datetime | str, data: Mapping[str, object]) -> EventRecord:
    """The `seq`th event of a cycle's history as a record of its chain (and export line)."""
    return {"kind": "event", "seq": seq, "topic": topic, "originator_id": str(originator_id),
            "originator_version": originator_version,
            "timestamp": timestamp if isinstance(timestamp, str) else timestamp.isoformat(),
            "data": dict(data)}


def redact(topic: str, data: Mapping[str, object]) -> EventData:
    """An event's data as it may be read while the cycle votes: a ballot event keeps only what
    says nothing about its content (UNREDACTED_BALLOT_FIELDS), and says that it was redacted.
    The one place that decides what is hidden, for the export and the events API."""
    if topic not in BALLOT_TOPICS:
        return dict(data)
    return {**{k: v for k, v in data.items() if k in UNREDACTED_BALLOT_FIELDS}, REDACTED: True}


class Chain:
    """A cycle's chain as its events come, in store order: the head after each event, and the
    head when results were published (after the ResultsPublished event itself).

    Its state is a plain dict, changed in place: the projection keeps it in the cycle's read
    model and links into it without copying it for every ballot."""

    def __init__(self, state: ChainState | None = None) -> None:
        self.state: ChainState = state if state is not None else {
            "head": GENESIS, "events": 0, "published_head": None, "published_events": None}

    @property
    def head(self) -> str:
        return self.state["head"]

    @head.setter
    def head(self, value: str) -> None:
        self.state["head"] = value

    @property
    def events(self) -> int:
        return self.state["events"]

    @property
    def published_head(self) -> str | None:
        return self.state["published_head"]

    @property
    def published_events(self) -> int | None:
        return self.state["published_events"]

    def add(self, topic: str, originator_id: UUID | str, originator_version: int,
            timestamp: datetime | str, data: Mapping[str, object]) -> bytes:
        """Chain the cycle's next event; the line's body without its hash. The same bytes as
        `add_record(event_record(...))`, written without building the record: the projection
        links every ballot of a voting day through here."""
        state = self.state
        previous = state["head"]
        body = event_body(state["events"] + 1, topic, originator_id, originator_version,
                          timestamp, data, previous)
        state["head"] = _hash_body(previous, body)
        state["events"] += 1
        if topic == RESULTS_PUBLISHED:
            state["published_head"], state["published_events"] = state["head"], state["events"]
        return body

    def add_record(self, record: Mapping[str, object]) -> bytes:
        """Chain an event record (`event_record`); the line's body without its hash."""
        state = self.state
        body, state["head"] = link(state["head"], record)
        state["events"] += 1
        if record["topic"] == RESULTS_PUBLISHED:
            state["published_head"], state["published_events"] = state["head"], state["events"]
        return body


def _line(body: bytes, hash_: str) -> str:
    return f'{body[:-1].decode()},"hash":"{hash_}"}}\n'


class ExportWriter:
    """Turns records into lines: the header (outside the chain), the events (chained), the
    manifest (hashed after the head, outside the chain)."""

    def __init__(self) -> None:
        self.chain = Chain()
        self.header_hash = GENESIS

    @property
    def head(self) -> str:
        return self.chain.head

    @head.setter
    def head(self, value: str) -> None:
        self.chain.head = value

    def header(self, record: Mapping[str, object]) -> str:
        body = canonical_bytes(record)
        self.header_hash = _hash_body(GENESIS, body)
        return _line(body, self.header_hash)

    def line(self, record: Mapping[str, object]) -> str:
        """An event's line, chained after the head."""
        body = self.chain.add_record(record)
        return _line(body, self.chain.head)

    def manifest(self, record: Mapping[str, object]) -> str:
        body, hash_ = link(self.chain.head, record)
        return _line(body, hash_)


def header(cycle_id: str, exported_at: datetime, interim: bool = False) -> JSONObject:
    return {"kind": "header", "format": FORMAT, "version": VERSION, "cycle_id": cycle_id,
            "exported_at": exported_at.isoformat(), "interim": interim}


def manifest(counts: Mapping[str, int], chain: Chain, results_digest: str | None,
             interim: bool, header_hash: str) -> JSONObject:
    return {"kind": "manifest", "counts": dict(counts), "head": chain.head,
            "published_head": chain.published_head,
            "published_events": chain.published_events, "results_digest": results_digest,
            "interim": interim, "header": header_hash}


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
    # The chain's head after the ResultsPublished event, and how many events it covers.
    published_head: str | None = None
    published_events: int | None = None
    version: int = VERSION
    interim: bool = False  # exported while voting was open: ballots redacted, no recount
    results_checked: bool = False
    winners: dict[str, list[str]] = field(default_factory=dict)

    def matching_head(self, expected: str) -> str | None:
        """Which of this history's heads `expected` is ('final', 'published'), or None."""
        if expected == self.head:
            return "final"
        if self.published_head is not None and expected == self.published_head:
            return "published"
        return None

    def fail(self, line: int, message: str) -> None:
        self.ok = False
        self.findings.append(Finding(line, message))


def _datetimes(data: EventData) -> EventData:
    at = data.get("at")
    if isinstance(at, str):
        data["at"] = datetime.fromisoformat(at)
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
        self._header_hash = GENESIS
        self._number = 0
        self._seq = 0
        self._header_seen = False
        self._manifest_seen = False
        self._voting_closed_at_line = 0
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
            parsed: object = _loads(body)
        except ValueError:  # also invalid UTF-8
            if not self._header_seen:
                self._not_an_export(raw)
            self.report.fail(number, "not valid JSON (edited or damaged)")
            return
        if not self._header_seen:
            if (not isinstance(parsed, dict) or parsed.get("format") != FORMAT
                    or parsed.get("kind") != "header"):
                raise NotAnExport(f"the first line is not a {FORMAT} header")
            version = parsed.get("version")
            if not isinstance(version, int) or version not in READABLE_VERSIONS:
                raise NotAnExport(
                    f"export version {version} is not supported (this verifier "
                    f"reads versions {', '.join(map(str, READABLE_VERSIONS))})")
            self.report.version = version
        if not isinstance(parsed, dict):
            self.report.fail(number, "not a record (edited or inserted)")
            return
        record: JSONObject = parsed
        if claimed is None:
            # Another layout of the same line (e.g. keys all sorted): hash its canonical form.
            member = record.pop("hash", None)
            if not isinstance(member, str):
                self.report.fail(number, "has no hash (edited or inserted)")
                return
            claimed = member
            actual = chain_hash(self._previous, record)
        elif "hash" in record:
            self.report.fail(number, "has two hashes (edited)")
            return
        elif self._outside_the_chain(record):
            actual = _hash_body(GENESIS, body)  # the header (version 2): hashed on its own
        else:
            actual = _hash_body(self._previous, body)
        if self._outside_the_chain(record):
            if actual != claimed:
                self.report.fail(number, "its content does not match its hash (edited)")
                return
            self._header_hash = claimed
            self._header(number, record)
            return
        if record.get("prev") != self._previous:
            self.report.fail(number, self._chain_break(record))
            return
        if actual != claimed:
            self.report.fail(number, "its content does not match its hash (edited)")
            return
        kind = record.get("kind")
        if self.report.version == 1 or kind != "manifest":
            # Version 2: the manifest is hashed after the head, and the head stays the
            # last event's (version 1 chained its header and manifest too).
            self._previous = claimed
        if kind == "event":
            self._event(number, record)
        elif kind == "header":
            self._header(number, record)
        elif kind == "manifest":
            self._manifest(number, record)
        else:
            self.report.fail(number, f"unknown kind of line '{kind}'")

    def _outside_the_chain(self, record: JSONObject) -> bool:
        return (self.report.version >= 2 and not self._header_seen
                and record.get("kind") == "header")

    @staticmethod
    def _not_an_export(raw: bytes) -> None:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise NotAnExport("it is not UTF-8 text") from None
        raise NotAnExport("the first line is not JSON: not an audit export")

    def _chain_break(self, record: JSONObject) -> str:
        seq = record.get("seq")
        if isinstance(seq, int) and seq > self._seq + 1:
            return (f"does not follow the line before it: event {self._seq + 1} should come "
                    "here (a line was removed or moved)")
        if isinstance(seq, int) and seq <= self._seq:
            return "does not follow the line before it (lines were reordered or one inserted)"
        return "does not follow the line before it (a line was inserted, removed or reordered)"

    def _header(self, number: int, record: JSONObject) -> None:
        if self._header_seen:
            self.report.fail(number, "a second header (inserted)")
            return
        self._header_seen = True
        self.report.cycle_id = str(record.get("cycle_id", ""))
        self.report.interim = record.get("interim") is True

    def _event(self, number: int, record: JSONObject) -> None:
        self._seq += 1
        if record.get("seq") != self._seq:
            self.report.fail(number, f"event number {record.get('seq')} where {self._seq} "
                                     "was expected (reordered)")
            return
        self.report.events += 1
        topic = record.get("topic")
        try:
            if topic in BALLOT_TOPICS:
                self._ballot(number, record)
            elif topic == ROLL_MARKED:
                self._roll_mark(number, record)
            else:
                self._aggregate_event(number, record)
        except KeyError as error:
            self.report.fail(number, f"the event cannot be applied: no {error}")
        except (TypeError, ValueError, AttributeError, DomainError,
                OriginatorVersionError) as error:
            self.report.fail(number, f"the event cannot be applied: {error}")
        if self.report.ok and topic == RESULTS_PUBLISHED:
            self.report.published_head = self._previous  # this line's hash
            self.report.published_events = self._seq

    def _untimely(self, record: JSONObject) -> str:
        """Why the cycle, as rebuilt so far, could not have taken this ballot ('' if it
        could): a digital ballot is cast or changed only while voting is open; paper ballots
        are also entered while counting."""
        phase = self._cycle.phase if self._cycle is not None else None
        if phase is Phase.VOTING:
            return ""
        changed = record["topic"] == BALLOT_CHANGED
        digital = changed or _data(record).get("channel") != "paper"
        what = "changed" if changed else "cast"
        if digital and self._voting_closed_at_line:
            return (f"a digital ballot {what} after voting closed "
                    f"(line {self._voting_closed_at_line})")
        if not digital and phase is Phase.COUNTING:
            return ""
        return f"a ballot {what} while the cycle was in phase '{phase}'"

    def _ballot(self, number: int, record: JSONObject) -> None:
        if self._published_at_line:
            self.report.fail(number, f"a ballot recorded after the results were published "
                                     f"(line {self._published_at_line})")
            return
        untimely = self._untimely(record)
        if untimely:
            self.report.fail(number, untimely)
            return
        ballot_id = json_str(record["originator_id"], "the ballot's id")
        data = _data(record)
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
        if data.get(REDACTED) is True or self.report.interim:
            self._redacted(number, record, ballot_id, expected, area)
            return
        shared = self._shared.setdefault
        selections = json_texts(data["selections"], "the selections")
        points = data.get("points")
        content = (shared(area, area), tuple([shared(s, s) for s in selections]),
                   tuple(json_integers(points, "the points")) if points is not None else None)
        checked = self._checked.get(content)
        if checked is None:  # each different content is checked once, and kept once
            checked = self._checked[content] = (content, self._refusal(*content))
        content, refusal = checked
        if refusal:
            self.report.fail(number, f"the ballot breaks the voting rule: {refusal}")
            return
        self._ballots[ballot_id] = (expected, *content)

    def _roll_mark(self, number: int, record: JSONObject) -> None:
        mark_id, data = json_str(record["originator_id"], "the mark's id"), _data(record)
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
    def _redacted(self, number: int, record: JSONObject, ballot_id: str, version: int,
                  area: str) -> None:
        """A ballot whose content an interim export leaves out: counted, never checked."""
        data = _data(record)
        if not self.report.interim:
            self.report.fail(number, "a ballot without its content in an export that is not "
                                     "interim")
            return
        if data.get(REDACTED) is not True or set(data) - UNREDACTED_BALLOT_FIELDS - {REDACTED}:
            self.report.fail(number, "an interim export shows what is on a ballot")
            return
        if self._cycle is None or area not in self._cycle.areas:
            self.report.fail(number, f"the ballot breaks the voting rule: the cycle has no "
                                     f"area '{area}'")
            return
        self._ballots[ballot_id] = (version, area, (), None)

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
                if p.area == area and cycle.on_ballot(p)}
        try:
            cycle.voting_rule_for(area).check_ballot(
                list(selections), list(points) if points is not None else None, options,
                cycle.areas[area].budget, cycle.currency)
        except DomainError as error:
            return error.message
        return ""

    def _aggregate_event(self, number: int, record: JSONObject) -> None:
        # What a ballot may contain follows from the cycle and its proposals: check afresh.
        self._checked.clear()
        self._options.clear()
        topic = json_str(record["topic"], "the topic")
        event_class = resolve_topic(topic)
        originator_id = UUID(json_str(record["originator_id"], "the originator's id"))
        # Data as stored, of any version the code reads (events of version 1 hold whole
        # kronor): brought to the current version, and made an event as the library's mapper
        # makes one (no __init__), so a field added later with a default (a progress report's
        # `explanation`) may be absent from an older event, as when the service reads it.
        data = upcast_data(event_class, _data(record))
        # Only the fields the schema gives the event: the classes would take any attribute.
        payload = events.SCHEMA.get(topic)
        if payload is None:
            self.report.fail(number, f"an event of unknown kind '{topic}'")
            return
        events.check_layout(payload, set(data))
        event = object.__new__(event_class)
        event.__dict__.update(
            originator_id=originator_id, originator_version=record["originator_version"],
            timestamp=datetime.fromisoformat(json_str(record["timestamp"], "the timestamp")),
            **_datetimes(data))
        if topic.startswith(events.CYCLE + "."):
            if str(originator_id) != self.report.cycle_id:
                self.report.fail(number, "an event of another cycle")
                return
            voting = self._cycle is not None and self._cycle.phase is Phase.VOTING
            self._cycle = event.mutate(self._cycle)
            if voting and self._cycle.phase is not Phase.VOTING:
                self._voting_closed_at_line = number
            if topic == RESULTS_PUBLISHED:
                if self.report.interim:
                    self.report.fail(number, "results published in an interim export")
                    return
                self._check_results(number)
            elif topic == WINNERS_AMENDED:
                self._check_results(number, amended=True)
        elif topic.startswith(events.PROPOSAL + "."):
            self._proposals[originator_id] = event.mutate(self._proposals.get(originator_id))
        elif topic.startswith(DISCUSSION_PREFIXES):
            # Comments and their moderation (ADR 0024) count nothing: they need only be of
            # this cycle, and the chain proves them unchanged.
            if getattr(event, "cycle_id", None) != self.report.cycle_id:
                self.report.fail(number, "an event of another cycle")
        else:
            self.report.fail(number, f"an event of unknown kind '{topic}'")

    def _counted_ballots(self) -> Iterator[CountedBallot]:
        for ballot_id in sorted(self._ballots):
            _, area, selections, points = self._ballots[ballot_id]
            yield CountedBallot(ballot_id, area, selections, points)

    def _check_results(self, number: int, amended: bool = False) -> None:
        """Recount the results the cycle holds now (published, or `amended` by an exception to
        the winners, counted with every exception so far) and compare."""
        cycle = self._cycle
        assert cycle is not None and cycle.results is not None
        recorded = cycle.results
        with _gc_paused():
            recount = self._recount(cycle, recorded)
        if not amended:
            self._published_at_line = number
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
            if theirs.get("min_votes", mine["min_votes"]) != mine["min_votes"]:
                self.report.fail(number, f"area {area_id}: the results were counted with a "
                                         f"minimum of {theirs.get('min_votes')} votes, the "
                                         f"area's is {mine['min_votes']}")
                return
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
            for kind in ("excluded", "added"):
                if mine.get(kind, {}) != theirs.get(kind, {}):
                    self.report.fail(number, f"area {area_id}: the proposals {kind} after the "
                                             "count differ from the exceptions recorded")
                    return
        self.report.results_checked = True
        self.report.winners = {a: [*r["selected"], *r.get("added", {})]
                               for a, r in recount["areas"].items()}

    def _recount(self, cycle: BudgetCycle, recorded: Results) -> Results:
        """The tally of the ballots in the history, with the rules the results record."""
        return tally(
            # The configured minimum, never the one the results claim (they must agree: see
            # _check_results); an area stored before minimums has 0, how it was counted.
            cycle.area_rules(recorded),
            [CountedProposal(str(p.id), p.area, p.title, p.cost, p.tie_id)
             for p in self._proposals.values() if cycle.on_ballot(p)],
            self._counted_ballots(), cycle.currency, cycle.exceptions(),
            cycle.incompatible_pairs(),
        )

    def _manifest(self, number: int, record: JSONObject) -> None:
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
            return
        if self.report.version == 1:
            return
        if record.get("header") != self._header_hash:
            self.report.fail(number, "the manifest names another header (the header was "
                                     "replaced)")
        elif (record.get("published_head"), record.get("published_events")) != (
                self.report.published_head, self.report.published_events):
            self.report.fail(number, "the manifest's head at publication is not the hash of "
                                     "the line that published the results")
        elif record.get("interim") is not self.report.interim:
            self.report.fail(number, "the manifest and the header disagree on whether the "
                                     "export is interim")

    def finish(self) -> Report:
        report = self.report
        if report.ok and not self._header_seen:
            raise NotAnExport("the file is empty")
        if report.ok and not self._manifest_seen:
            report.fail(self._number + 1, "the manifest is missing (the file was cut short)")
        report.head = self._previous  # version 2: the last event's hash; 1: the last line's
        report.proposals = len(self._proposals)
        report.ballots = len(self._ballots)
        if self._cycle is not None:
            report.cycle_name = self._cycle.name
            report.phase = self._cycle.phase.value
        return report


def _data(record: Mapping[str, object]) -> JSONObject:
    """An event record's data (a KeyError when it has none)."""
    return json_object(record["data"], "the event's data")


def _ballots_digest(data: JSONObject) -> str | None:
    """The digest of the ballots counted, in the data of a ResultsPublished event."""
    results = json_object(data.get("results") or {}, "the results")
    digest = results.get("ballots_digest")
    return digest if isinstance(digest, str) else None


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


def export_records(header_record: Mapping[str, object],
                   events: Iterable[Mapping[str, object]]) -> Iterator[str]:
    """The lines of an export: the header, the event records (`event_record`, in store
    order, numbered from 1) chained, and the manifest."""
    writer = ExportWriter()
    yield writer.header(header_record)
    counts = {"events": 0, "proposals": 0, "ballots": 0}
    seen: set[str] = set()
    digest: str | None = None
    for record in events:
        counts["events"] += 1
        topic = json_str(record["topic"], "an event's topic")
        kind = topic.split(":", 1)[1].split(".", 1)[0]
        originator = json_str(record["originator_id"], "an event's originator")
        if kind in ("Proposal", "Ballot") and originator not in seen:
            seen.add(originator)
            counts["proposals" if kind == "Proposal" else "ballots"] += 1
        if topic == RESULTS_PUBLISHED:
            digest = _ballots_digest(json_object(record["data"], "an event's data"))
        yield writer.line(record)
    yield writer.manifest(manifest(counts, writer.chain, digest,
                                   header_record.get("interim") is True, writer.header_hash))
