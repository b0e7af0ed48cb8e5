"""One voter's ballot in one area of one cycle.

The id is derived from (cycle, area, voter pseudonym), so a second ballot for the same voter and
area has the same id and the event store itself refuses it, across channels and processes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import Conflict, InvalidInput
from domain.voting_rules import VotingRule

# A fixed namespace: changing it would give existing voters new ballot ids.
BALLOT_NAMESPACE = UUID("6f1d7c1e-3b7a-5c55-9a55-6d65a6b1e0c7")
CHANNELS = ("digital", "paper")


def ballot_id(cycle_id: str, area: str, voter: str) -> UUID:
    return uuid5(BALLOT_NAMESPACE, f"{cycle_id}/{area}/{voter}")


def _now() -> datetime:
    return datetime.now(UTC)


# Coarse on purpose: enough to report turnout by age, too coarse to single a voter out.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "under 18"), (18, 29, "18-29"), (30, 44, "30-44"), (45, 64, "45-64"),
    (65, None, "65+"),
)


def age_band(birth_date: date | None, on: date) -> str | None:
    if birth_date is None:
        return None
    birthday_to_come = (on.month, on.day) < (birth_date.month, birth_date.day)
    return age_band_of(on.year - birth_date.year - birthday_to_come)


def age_band_of(age: int) -> str | None:
    for low, high, label in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return None


def _checked_channel(channel: str, station: str | None) -> str | None:
    if channel not in CHANNELS:
        raise InvalidInput("channel", f"must be one of {', '.join(CHANNELS)}")
    if channel == "paper":
        if not isinstance(station, str) or not station.strip():
            raise InvalidInput("station", "a paper ballot names the voting station")
        return station.strip()
    if station is not None:
        raise InvalidInput("station", "only paper ballots come from a station")
    return None


class Ballot(Aggregate):
    TOPIC = "medborgarbudget:Ballot"

    class Created(Aggregate.Created):
        # Never recorded (this aggregate's creation event has its own name below), but the
        # library defines it anyway and pinned topics must cover every event class.
        TOPIC = "medborgarbudget:Ballot.Created"

    @staticmethod
    def create_id(cycle_id: str, area: str, voter: str) -> UUID:
        return ballot_id(cycle_id, area, voter)

    @classmethod
    def cast(
        cls,
        cycle_id: str,
        area: str,
        voter: str,
        selections: Sequence[str],
        points: Sequence[int] | None,
        rule: VotingRule,
        costs: Mapping[str, int],
        budget: int,
        channel: str = "digital",
        station: str | None = None,
        age_band: str | None = None,
    ) -> Ballot:
        """`costs` maps the proposals on this area's ballot to their official cost."""
        checked_station = _checked_channel(channel, station)
        selections, points = _as_lists(selections, points)
        rule.check_ballot(selections, points, costs, budget)
        return cls(
            cycle_id=cycle_id, area=area, voter=voter, selections=selections,
            points=points, channel=channel, station=checked_station, at=_now(),
            age_band=age_band,
        )

    @event("Cast", topic="medborgarbudget:Ballot.Cast")
    def __init__(
        self,
        cycle_id: str,
        area: str,
        voter: str,
        selections: list[str],
        points: list[int] | None,
        channel: str,
        station: str | None,
        at: datetime,
        age_band: str | None = None,
    ) -> None:
        self.cycle_id = cycle_id
        self.area = area
        self.voter = voter
        self.selections = selections
        self.points = points
        self.channel = channel
        self.station = station
        self.cast_at = at
        self.age_band = age_band
        self.changes = 0

    def change(
        self,
        selections: Sequence[str],
        points: Sequence[int] | None,
        rule: VotingRule,
        costs: Mapping[str, int],
        budget: int,
        allowed: bool,
    ) -> None:
        """A digital voter may change their ballot before voting closes, if the cycle allows it."""
        if not allowed:
            raise Conflict("This cycle does not allow a ballot to be changed once cast.")
        if self.channel == "paper":
            raise Conflict("A paper ballot cannot be changed digitally.")
        selections, points = _as_lists(selections, points)
        rule.check_ballot(selections, points, costs, budget)
        self._changed(selections, points, _now())

    @event("Changed", topic="medborgarbudget:Ballot.Changed")
    def _changed(self, selections: list[str], points: list[int] | None, at: datetime) -> None:
        self.selections = selections
        self.points = points
        self.changes += 1

    def counted_form(self) -> dict[str, Any]:
        """What the tally counts from this ballot, and nothing that identifies the voter."""
        return {
            "ballot": str(self.id), "area": self.area,
            "selections": self.selections, "points": self.points,
        }


def _as_lists(
    selections: Sequence[str], points: Sequence[int] | None
) -> tuple[list[str], list[int] | None]:
    if isinstance(selections, str) or not isinstance(selections, Sequence):
        raise InvalidInput("selections", "must be a list of proposal ids")
    if points is not None and (isinstance(points, str) or not isinstance(points, Sequence)):
        raise InvalidInput("points", "must be a list of whole numbers")
    return [str(s) if isinstance(s, UUID) else s for s in selections], (
        list(points) if points is not None else None
    )


def ballots_digest(counted: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 over the counted ballots in ballot-id order, as canonical JSON lines.

    Anyone holding the ballots can recompute it; a ballot added, removed or changed after the
    results were published changes it.
    """
    return digest_of_lines(sorted(counted_lines(counted)))


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def counted_lines(counted: Iterable[Mapping[str, Any]]) -> list[tuple[str, bytes]]:
    """Each counted ballot as (ballot id, canonical JSON line), serialised once."""
    return [(str(item["ballot"]), _CANONICAL.encode(item).encode() + b"\n")
            for item in counted]


def digest_of_lines(lines: Iterable[tuple[str, bytes]]) -> str:
    """The digest of lines already in ballot-id order (see `ballots_digest`)."""
    digest = hashlib.sha256()
    for _, line in lines:
        digest.update(line)
    return digest.hexdigest()
