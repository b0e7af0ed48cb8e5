"""One voter's ballot in one area of one cycle.

The id is derived from (cycle, area, voter pseudonym), so a second ballot for the same voter and
area has the same id and the event store itself refuses it, across channels and processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID, uuid4, uuid5

import orjson
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from domain import events
from domain.documents import CountedBallotDocument
from domain.errors import Conflict, InvalidInput
from domain.money import SEK
from domain.voting_rules import VotingRule

# A fixed namespace: changing it would give existing voters new ballot ids.
BALLOT_NAMESPACE = UUID("6f1d7c1e-3b7a-5c55-9a55-6d65a6b1e0c7")
CHANNELS = ("digital", "paper")


def ballot_id(cycle_id: str, area: str, voter: str) -> UUID:
    return uuid5(BALLOT_NAMESPACE, f"{cycle_id}/{area}/{voter}")


def _day_of(at: datetime) -> datetime:
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def _today() -> datetime:
    # The library stamps every event with the time it was made. On a ballot a stamp to the
    # microsecond, beside the log of who signed in when, would single the voter out: a ballot's
    # events carry the day only (ADR 0004).
    return _day_of(datetime.now(UTC))


@dataclass(frozen=True)
class BallotTerms:
    """What a ballot of one area is checked against: the area's voting rule, the proposals on
    its ballot with their official cost, and its budget (amounts in minor units of
    `currency`)."""

    rule: VotingRule
    costs: Mapping[str, int]
    budget: int
    currency: str = SEK

    def check(self, selections: list[str], points: list[int] | None) -> None:
        """InvalidInput when the rule refuses the ballot."""
        self.rule.check_ballot(selections, points, self.costs, self.budget, self.currency)


class Ballot(Aggregate):
    """A ballot in one area. A digital ballot's id is derived from the voter's pseudonym (so
    the store refuses a second); a ballot from a station's box has a random id and no voter."""

    TOPIC = events.BALLOT

    class Created(Aggregate.Created):
        # Never recorded (this aggregate's creation event has its own name below), but the
        # library defines it anyway and pinned topics must cover every event class.
        TOPIC = events.BALLOT + ".Created"

    @staticmethod
    def create_id(cycle_id: str, area: str, voter: str | None) -> UUID:
        return ballot_id(cycle_id, area, voter) if voter is not None else uuid4()

    @classmethod
    def cast(
        cls,
        cycle_id: str,
        area: str,
        voter: str,
        selections: Sequence[str],
        points: Sequence[int] | None,
        terms: BallotTerms,
        receipt: str | None = None,
        channel: str = "digital",
    ) -> Ballot:
        """A voter's own ballot, checked against the area's `terms`; `receipt` is the digest of
        the voter's receipt code (domain/receipts)."""
        selections, points = _checked(selections, points, terms, channel)
        return cls(cycle_id=cycle_id, area=area, voter=voter, selections=selections,
                   points=points, channel=channel, station=None, at=None,
                   day=_today().date().isoformat(), receipt=receipt)

    @classmethod
    def from_box(
        cls,
        cycle_id: str,
        area: str,
        station: str,
        selections: Sequence[str],
        points: Sequence[int] | None,
        terms: BallotTerms,
    ) -> Ballot:
        """A paper ballot taken from a station's box: no identity, its voter was marked in the
        roll (RollMark) and the box is reconciled against the marks."""
        selections, points = _as_lists(selections, points)
        terms.check(selections, points)
        return cls(cycle_id=cycle_id, area=area, voter=None, selections=selections,
                   points=points, channel="paper", station=station_name(station), at=None,
                   day=_today().date().isoformat(), receipt=None)

    @event("Cast", topic=events.BallotCast.TOPIC)
    def __init__(
        self,
        cycle_id: str,
        area: str,
        voter: str | None,
        selections: list[str],
        points: list[int] | None,
        channel: str,
        station: str | None,
        at: datetime | None,
        age_band: str | None = None,
        day: str | None = None,
        receipt: str | None = None,
    ) -> None:
        # Ballots stored before ADR 0004's revision carry `at` (to the microsecond) and an age
        # band; later ones the day and a receipt digest. Both load: the fields default.
        self.cycle_id = cycle_id
        self.area = area
        self.voter = voter
        self.selections = selections
        self.points = points
        self.channel = channel
        self.station = station
        self.day = day if day is not None else (at.date().isoformat() if at else None)
        self.age_band = age_band
        self.receipt = receipt
        self.changes = 0

    def change(
        self,
        selections: Sequence[str],
        points: Sequence[int] | None,
        terms: BallotTerms,
        allowed: bool,
    ) -> None:
        """A digital voter may change their ballot before voting closes, if the cycle allows it."""
        if not allowed:
            raise Conflict("This cycle does not allow a ballot to be changed once cast.")
        if self.channel == "paper":
            raise Conflict("A paper ballot cannot be changed digitally.")
        selections, points = _as_lists(selections, points)
        terms.check(selections, points)
        self._changed(selections, points, None, _today().date().isoformat())

    @event("Changed", topic=events.BallotChanged.TOPIC)
    def _changed(self, selections: list[str], points: list[int] | None,
                 at: datetime | None, day: str | None = None) -> None:
        self.selections = selections
        self.points = points
        self.changes += 1

    def counted_form(self) -> CountedBallotDocument:
        """What the tally counts from this ballot, and nothing that identifies the voter."""
        return {
            "ballot": str(self.id), "area": self.area,
            "selections": self.selections, "points": self.points,
        }


class CastEvent(Protocol):
    """A `Ballot.Cast` event, as far as its readers go: the library makes the class from
    `Ballot.__init__`'s `@event`, where a type checker does not see it."""

    originator_id: UUID
    selections: list[str]
    points: list[int] | None


class BallotCaster:
    """`Ballot.cast` for many ballots of one area at once (an imported election): each ballot
    checked exactly as `cast` checks it, but only its `Ballot.Cast` event made, not the
    aggregate; replayed, the event makes the ballot `cast` would have made (the same id,
    fields and day). What is the same for every ballot (the rule, the options, the id's
    hashing up to the voter) is set up once."""

    def __init__(self, cycle_id: str, area: str, terms: BallotTerms) -> None:
        self.cycle_id, self.area, self._terms = cycle_id, area, terms
        # uuid5 is SHA-1 over the namespace and the name; the name's start is the same here.
        self._id_hash = hashlib.sha1(BALLOT_NAMESPACE.bytes + f"{cycle_id}/{area}/".encode(),
                                     usedforsecurity=False)
        self._event: type[CastEvent] = Ballot.Cast  # type: ignore[attr-defined]
        self._topic = get_topic(Ballot)

    def ballot_id(self, voter: str) -> UUID:
        """`ballot_id(cycle_id, area, voter)`."""
        digest = self._id_hash.copy()
        digest.update(voter.encode())
        return UUID(bytes=digest.digest()[:16], version=5)

    def cast(self, voter: str, selections: Sequence[str], points: Sequence[int] | None,
             channel: str = "digital", receipt: str | None = None) -> CastEvent:
        """The `Ballot.Cast` event of the voter's ballot, or InvalidInput as `cast` refuses."""
        selections, points = _checked(selections, points, self._terms, channel)
        day = _today()
        # Made as the library's mapper makes an event it reads back: the fields set at once,
        # not one by one through the frozen dataclass's constructor (a third of the cost).
        cast = object.__new__(self._event)
        cast.__dict__.update(
            originator_id=self.ballot_id(voter), originator_version=1, timestamp=day,
            originator_topic=self._topic, cycle_id=self.cycle_id, area=self.area, voter=voter,
            selections=selections, points=points, channel=channel, station=None, at=None,
            age_band=None, day=day.date().isoformat(), receipt=receipt)
        return cast


class RollMark(Aggregate):
    """A voter marked in a station's roll: it takes the voter's one ballot in the area (its id
    is the id their digital ballot would have), so a digital ballot before or after it is
    refused by the store itself. The ballot they put in the box is entered later, without
    identity (Ballot.from_box)."""

    TOPIC = events.ROLL_MARK

    class Created(Aggregate.Created):
        TOPIC = events.ROLL_MARK + ".Created"

    @staticmethod
    def create_id(cycle_id: str, area: str, voter: str, station: str, day: str) -> UUID:
        return ballot_id(cycle_id, area, voter)

    @classmethod
    def mark(cls, cycle_id: str, area: str, voter: str, station: str) -> RollMark:
        return cls(cycle_id=cycle_id, area=area, voter=voter, station=station_name(station),
                   day=_today().date().isoformat())

    @event("Marked", topic=events.RollMarked.TOPIC)
    def __init__(self, cycle_id: str, area: str, voter: str, station: str, day: str) -> None:
        self.cycle_id = cycle_id
        self.area = area
        self.voter = voter
        self.station = station
        self.day = day


for _event_class in (Ballot.Cast, Ballot.Changed, RollMark.Marked):  # type: ignore[attr-defined]
    _event_class.create_timestamp = staticmethod(_today)


MAX_STATION_LENGTH = 200


def station_name(station: object) -> str:
    """A station's name in one form (spaces folded), so marks and box entries match."""
    if not isinstance(station, str) or not station.strip():
        raise InvalidInput("station", "must name the voting station")
    name = " ".join(station.split())
    if len(name) > MAX_STATION_LENGTH:
        raise InvalidInput("station", f"must be at most {MAX_STATION_LENGTH} characters")
    return name


def _checked(selections: Sequence[str], points: Sequence[int] | None, terms: BallotTerms,
             channel: str) -> tuple[list[str], list[int] | None]:
    """A voter's ballot as `Ballot.Cast` holds it, or InvalidInput when the rule refuses it."""
    if channel not in CHANNELS:
        raise InvalidInput("channel", f"must be one of {', '.join(CHANNELS)}")
    selections_, points_ = _as_lists(selections, points)
    terms.check(selections_, points_)
    return selections_, points_


def _as_lists(
    selections: Sequence[str], points: Sequence[int] | None
) -> tuple[list[str], list[int] | None]:
    if type(selections) is list and points is None and all(type(s) is str for s in selections):
        return selections.copy(), None  # the usual ballot, without the slower checks below
    if isinstance(selections, str) or not isinstance(selections, Sequence):
        raise InvalidInput("selections", "must be a list of proposal ids")
    if points is not None and (isinstance(points, str) or not isinstance(points, Sequence)):
        raise InvalidInput("points", "must be a list of whole numbers")
    return [str(s) if isinstance(s, UUID) else s for s in selections], (
        list(points) if points is not None else None
    )


def ballots_digest(counted: Iterable[Mapping[str, object]]) -> str:
    """SHA-256 over the counted ballots in ballot-id order, as canonical JSON lines.

    Anyone holding the ballots can recompute it; a ballot added, removed or changed after the
    results were published changes it.
    """
    return digest_of_lines(sorted(counted_lines(counted)))


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def counted_lines(counted: Iterable[Mapping[str, object]]) -> list[tuple[str, bytes]]:
    """Each counted ballot as (ballot id, canonical JSON line), serialised once."""
    return [(str(item["ballot"]), _canonical_line(item)) for item in counted]


_SCALARS = frozenset((str, int, bool, type(None)))


def _canonical_line(item: Mapping[str, object]) -> bytes:
    """`_CANONICAL`'s line, written by orjson where the two write the same text (keys and
    values of text, whole numbers, true/false, null and lists of them; not floats), which is
    every counted ballot, ten times faster: a tally of a large import wrote little else."""
    if type(item) is dict and all(type(key) is str for key in item):
        kinds = set(map(type, item.values()))
        if list in kinds:
            kinds.discard(list)
            for value in item.values():
                if type(value) is list:
                    kinds.update(map(type, value))
        if kinds <= _SCALARS:
            try:
                return orjson.dumps(item, option=orjson.OPT_SORT_KEYS) + b"\n"
            except orjson.JSONEncodeError:  # an integer beyond 64 bits
                pass
    return _CANONICAL.encode(item).encode() + b"\n"


def digest_of_lines(lines: Iterable[tuple[str, bytes]]) -> str:
    """The digest of lines already in ballot-id order (see `ballots_digest`)."""
    digest = hashlib.sha256()
    for _, line in lines:
        digest.update(line)
    return digest.hexdigest()
