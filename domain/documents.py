"""The JSON documents events carry, as the store holds them: typed, so that what reads an event
knows each document's keys, and plain dictionaries, so that the stored JSON stays byte for byte
what it always was (old events load unchanged; docs/adr/0032).

A key added after events of its kind were stored is `NotRequired`: an older document lacks it,
and its absence means what the domain's readers say (an area stored before pots had a minimum
has no `min_votes`). Only the standard library: the recorders and the fold use these without
loading the aggregates.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# An amount, score or threshold as JSON keeps it: an int when whole, else exact decimal text.
JsonNumber = int | str


class AssemblyRecord(TypedDict):
    """A decision of an elected body: the political decision, or the results' adoption."""

    body: str
    date: str  # YYYY-MM-DD
    reference: str


class Place(TypedDict):
    """Where a proposal would be built: a name, and WGS84 coordinates as decimal text."""

    name: str
    lat: NotRequired[str]
    lon: NotRequired[str]


class Category(TypedDict):
    id: str
    name: str


class VotingRuleDocument(TypedDict):
    """domain/voting_rules.py's `VotingRule`; the options added for imported elections are
    present only when set."""

    kind: str
    min_choices: int
    max_choices: int | None
    max_points_per_project: int | None
    max_total_points: int | None
    min_total_cost: NotRequired[int | None]
    max_total_cost: NotRequired[int | None]
    min_total_points: NotRequired[int | None]
    min_points_per_project: NotRequired[int | None]
    scoring: NotRequired[bool]
    ranked_points: NotRequired[bool]


class EligibilityDocument(TypedDict):
    min_age: int | None
    max_age: int | None
    residence: list[str] | str | None
    municipality_wide: NotRequired[bool]
    accept_works_in: NotRequired[bool]


class PolygonGeometry(TypedDict):
    """A GeoJSON Polygon (RFC 7946) as domain/geo.py stores it: its rings, the outline first and
    then the holes, each a closed list of [longitude, latitude] positions in WGS84."""

    type: Literal["Polygon"]
    coordinates: list[list[list[float]]]


class MultiPolygonGeometry(TypedDict):
    """A GeoJSON MultiPolygon: a list of polygons' coordinates."""

    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]]


# An area's boundary (`AreaDocument.boundary`): the geometry only, `type` and `coordinates`.
Boundary = PolygonGeometry | MultiPolygonGeometry


class AreaDocument(TypedDict):
    """domain/areas.py's `Area`: `source` only for an imported one, `min_votes` only from
    when pots had a minimum, `boundary` (a GeoJSON geometry, domain/geo.py) only when drawn."""

    id: str
    name: str
    kind: str
    budget: int
    eligibility: EligibilityDocument
    voting_rule: VotingRuleDocument | None
    allocation_rule: str | None
    source: NotRequired[dict[str, object] | None]  # the imported file's META, columns, ...
    min_votes: NotRequired[int | None]
    boundary: NotRequired[Boundary | None]


class SupportRule(TypedDict):
    kind: str  # "top" (the N most supported) or "threshold" (at least N supports)
    value: int


class SupportRoundDocument(TypedDict):
    default: SupportRule
    areas: dict[str, SupportRule]


class PotCapDocument(TypedDict):
    max_pots: int
    uncounted: list[str]


class Configuration(TypedDict, total=False):
    """What a successor copies of its predecessor (`CycleCreated.configuration`): every key
    read with the default of a cycle that has not set it, whichever form stored it."""

    areas: list[AreaDocument]
    voting_rule: VotingRuleDocument | None
    allocation_rule: str
    score_threshold: int | None
    tie_break: str
    allow_ballot_changes: bool
    categories: list[Category]
    support_round: SupportRoundDocument
    pot_cap: PotCapDocument


class SupportRow(TypedDict):
    proposal: str
    supports: int
    rank: int
    on_ballot: bool


class SupportOutcome(TypedDict):
    """One area's outcome of the support round: who goes on to the vote."""

    rule: str
    value: int
    proposals: list[SupportRow]
    on_ballot: list[str]


class SupportRoundOutcome(TypedDict):
    """The support round's outcome, area by area (`format` 1)."""

    format: int
    areas: dict[str, SupportOutcome]


class Evaluation(TypedDict):
    report: str
    participants: NotRequired[int]
    url: NotRequired[str]


class TieDocument(TypedDict):
    """domain/allocation/reasons.py's `Tie`."""

    kind: str
    others: list[str]
    tie_break: str


class ReasonDocument(TypedDict):
    """domain/allocation/reasons.py's `Reason` (results format 3): the code, and only the
    parameters it has."""

    code: str
    amounts: NotRequired[dict[str, int]]  # in units of 10**-places of `currency`
    currency: NotRequired[str]
    places: NotRequired[int]  # only when not the currency's minor unit
    counts: NotRequired[dict[str, JsonNumber]]
    unit: NotRequired[str]
    tie: NotRequired[TieDocument]
    projects: NotRequired[list[str]]
    note: NotRequired[str]


class AreaResult(TypedDict, total=False):
    """One area's count, every key read with a default (results of every format are read).
    Reasons are codes with parameters from results format 3 (ADR 0017), English sentences
    before; `excluded`, `added` and `incompatible` appear only where they happened."""

    selected: list[str]
    cost: int  # minor units (format 2 on), whole kronor before
    left: int
    scores: dict[str, JsonNumber]
    reasons: dict[str, ReasonDocument | str]
    rule: str
    tie_break: str
    budget: int
    vote_type: str
    threshold: int | None  # votes or points, whole (as the allocation rule was set)
    max_ranked: int | None
    min_votes: int | None
    ballots: int
    ballots_digest: str
    excluded: dict[str, str]
    added: dict[str, str]
    incompatible: list[list[str]]


class CountedBallotDocument(TypedDict):
    """A ballot as the tally counts it and its digest hashes it (domain/ballot.py
    `ballots_digest`): nothing that identifies the voter."""

    ballot: str
    area: str
    selections: list[str]
    points: list[int] | None


class Results(TypedDict, total=False):
    """The results event's tally. `format`: none or 1 amounts in kronor, 2 in öre (ADR 0014),
    3 reasons as codes (ADR 0017)."""

    areas: dict[str, AreaResult]
    format: int
    currency: str
    ballots_counted: int
    ballots_digest: str
