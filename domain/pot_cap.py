"""A cap on how many pots (areas) one resident may vote in within a cycle (issue 17; CONSUL's
`max_votable_headings`): e.g. one territorial pot plus the youth pot.

What K counts: every area of the cycle except those the municipality names as not counted
(`uncounted`, e.g. a city-wide pot every resident may vote in besides their district's). A
ballot or a roll mark in an uncounted area never takes a place; one in a counted area takes
one of the voter's K places (ADR 0025).

The places are aggregates with ids derived from the cycle, the voter's pseudonym in the cycle
(the same in every area of it, domain/pseudonym.py) and the place's number, 1..K. A ballot
takes the first free place in its own transaction: two ballots of one voter in two areas at
once both try to create the same place and the store refuses the second (its version 1 exists),
whichever process or backend wrote the first. A place holds the area and the voter's pseudonym,
as the ballot and the roll mark of that area already do; never a choice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.documents import PotCapDocument
from domain.errors import Conflict, InvalidInput, known_fields

# A fixed namespace: changing it would give the places already taken new ids.
PLACE_NAMESPACE = UUID("2b0f5c7e-9d14-5a31-8c4e-5f0a7e93c1d2")
MAX_POTS_LIMIT = 100


@dataclass(frozen=True)
class PotCap:
    """At most `max_pots` of the cycle's areas per voter, not counting those in `uncounted`."""

    max_pots: int
    uncounted: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object, areas: Collection[str]) -> PotCap:
        data = known_fields(data, "pot_cap", ("max_pots", "uncounted"),
                            "must be an object with 'max_pots'")
        max_pots = data.get("max_pots")
        if type(max_pots) is not int or not 1 <= max_pots <= MAX_POTS_LIMIT:
            raise InvalidInput("pot_cap.max_pots",
                               f"must be a whole number from 1 to {MAX_POTS_LIMIT}")
        uncounted = data.get("uncounted") or []
        if not isinstance(uncounted, list | tuple) or \
                any(not isinstance(a, str) for a in uncounted):
            raise InvalidInput("pot_cap.uncounted", "must be a list of area ids")
        strangers = [a for a in uncounted if a not in areas]
        if strangers:
            known = ", ".join(areas) or "none"
            raise InvalidInput("pot_cap.uncounted",
                               f"no area {', '.join(repr(a) for a in strangers)} in this cycle "
                               f"(areas: {known})")
        if len(set(uncounted)) != len(uncounted):
            raise InvalidInput("pot_cap.uncounted", "names an area more than once")
        return cls(max_pots, tuple(uncounted))

    @classmethod
    def from_stored(cls, data: PotCapDocument) -> PotCap:
        return cls(int(data["max_pots"]), tuple(data.get("uncounted", ())))

    def to_dict(self) -> PotCapDocument:
        return {"max_pots": self.max_pots, "uncounted": list(self.uncounted)}

    def counts(self, area: str) -> bool:
        return area not in self.uncounted


def place_id(cycle_id: str, voter: str, number: int) -> UUID:
    return uuid5(PLACE_NAMESPACE, f"{cycle_id}/place/{number}/{voter}")


def _today() -> datetime:
    # As a ballot's events: the day only, so that a place's time cannot single its voter out
    # beside the log of who signed in when (ADR 0004).
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


class PotPlace(Aggregate):
    """One of a voter's K places in a capped cycle, taken by their ballot (or roll mark) in
    one counted area."""

    TOPIC = "medborgarbudget:PotPlace"

    class Created(Aggregate.Created):
        # Never recorded (the creation event is `Taken`), but pinned as every event class is.
        TOPIC = "medborgarbudget:PotPlace.Created"

    @staticmethod
    def create_id(cycle_id: str, voter: str, number: int, area: str) -> UUID:
        return place_id(cycle_id, voter, number)

    @classmethod
    def take(cls, cycle_id: str, voter: str, number: int, area: str) -> PotPlace:
        return cls(cycle_id=cycle_id, voter=voter, number=number, area=area)

    @event("Taken", topic="medborgarbudget:PotPlace.Taken")
    def __init__(self, cycle_id: str, voter: str, number: int, area: str) -> None:
        self.cycle_id = cycle_id
        self.voter = voter
        self.number = number
        self.area = area


PotPlace.Taken.create_timestamp = staticmethod(_today)  # type: ignore[attr-defined]


class PotCapReached(Conflict):
    """The voter has used every place the cap allows; says in which pots (never the choices)."""

    title = "The cap on pots per voter is reached"

    def __init__(self, max_pots: int, used: list[str]) -> None:
        pots = ", ".join(f"'{name}'" for name in used)
        super().__init__(f"A resident may vote in at most {max_pots} of this cycle's pots; "
                         f"this voter has already voted in {pots}.")
        self.max_pots = max_pots
        self.used = tuple(used)


def next_place(cap: PotCap, taken: Mapping[int, str], area: str,
               names: Mapping[str, str]) -> int | None:
    """The number of the place a ballot in `area` takes (None: the area is not counted), given
    the places already `taken` (number -> area); refuses when none is free. `names`: what to
    call each area in the refusal."""
    if not cap.counts(area):
        return None
    for number in range(1, cap.max_pots + 1):
        if number not in taken:
            return number
    raise PotCapReached(cap.max_pots, [names.get(a, a) for _, a in sorted(taken.items())])
