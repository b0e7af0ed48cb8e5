"""Areas: the budget pots of a cycle (territorial, group or theme) and who may vote in them."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import cast

from domain import geo
from domain.documents import AreaDocument, Boundary, EligibilityDocument, Place
from domain.errors import InvalidInput, true_or_false
from domain.json_values import json_object
from domain.money import kronor_to_minor, minor_units
from domain.vocabulary import AreaKind, values
from domain.voting_rules import ALLOCATION_RULES, VotingRule, rule_kronor_to_minor

AREA_KINDS = values(AreaKind)
# How many ballots must support a proposal before a pot funds it ("no votes, no money"). An area
# made from now on has this unless it says otherwise; one stored before the minimum existed has 0,
# which is how it was counted (ADR 0021).
DEFAULT_MIN_VOTES = 1
MAX_MIN_VOTES = 10_000_000
_AREA_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


MAX_RESIDENCES = 50


@dataclass(frozen=True)
class Eligibility:
    """Who may hold a ballot in an area. None means no condition of that sort.

    `residence`: the residence code (e.g. a district) voters must have, or a set of codes any
    of which will do (stored as a list; an area stored before sets keeps its one code).
    `municipality_wide`: open to every resident of the municipality, i.e. to whoever lives in
    one of the cycle's territorial areas (their residence codes), and to no one else: a token
    from another municipality, or without a residence, is refused (ADR 0025). Stored only when
    true, so an area without it is stored as it always was.
    `accept_works_in`: a voter's place of work (an optional second claim of their identity,
    "lives or works in") admits them as their residence would; stored only when true."""

    min_age: int | None = None
    max_age: int | None = None
    residence: str | tuple[str, ...] | None = None
    municipality_wide: bool = False
    accept_works_in: bool = False

    @property
    def residences(self) -> tuple[str, ...]:
        """The residence codes that admit a voter (none: no condition on residence)."""
        if self.residence is None:
            return ()
        return (self.residence,) if isinstance(self.residence, str) else self.residence

    def refusal(self, birth_date: date | None, residence: str | None, on: date,
                municipality: Collection[str] = (), works_in: str | None = None) -> str | None:
        """Why a person may not vote here, or None when they may. `municipality`: the residence
        codes of the cycle's territorial areas (for a municipality-wide area); `works_in`: the
        code of where they work, which counts only where the area accepts it."""
        why = self.why_not(birth_date, residence, on, municipality, works_in)
        return None if why is None else why.message

    def why_not(self, birth_date: date | None, residence: str | None, on: date,
                municipality: Collection[str] = (), works_in: str | None = None,
                ) -> Ineligible | None:
        """`refusal` as a value (its code and the facts it rests on), for a page to word in
        the resident's language; None when they may vote here."""
        if self.min_age is not None or self.max_age is not None:
            if birth_date is None:
                return Ineligible(IneligibleCode.NO_BIRTH_DATE, self)
            birthday_to_come = (on.month, on.day) < (birth_date.month, birth_date.day)
            age = on.year - birth_date.year - birthday_to_come
            if self.min_age is not None and age < self.min_age:
                return Ineligible(IneligibleCode.TOO_YOUNG, self, age=age)
            if self.max_age is not None and age > self.max_age:
                return Ineligible(IneligibleCode.TOO_OLD, self, age=age)
        homes = {residence} | ({works_in} if self.accept_works_in else set())
        if self.residence is not None and not homes & set(self.residences):
            return Ineligible(IneligibleCode.ELSEWHERE, self, residence=residence)
        if self.municipality_wide and not homes & set(municipality):
            return Ineligible(IneligibleCode.OUTSIDE_MUNICIPALITY, self, residence=residence)
        return None


class IneligibleCode(StrEnum):
    """Why a person may not vote in an area."""

    NO_BIRTH_DATE = "no-birth-date"  # an age limit, and no birth date is known
    TOO_YOUNG = "too-young"
    TOO_OLD = "too-old"
    ELSEWHERE = "lives-elsewhere"  # not one of the area's residences (nor works there)
    OUTSIDE_MUNICIPALITY = "outside-municipality"  # a municipality-wide area


@dataclass(frozen=True)
class Ineligible:
    """Why a person may not vote in an area: the code, the area's conditions, and the
    person's own facts it rests on (their age on the day asked; the residence code they gave,
    None when none is known). Never stored: it is worked out again on each request."""

    code: IneligibleCode
    eligibility: Eligibility
    age: int | None = None
    residence: str | None = None

    @property
    def message(self) -> str:
        """In English, as the API and the ballot intake refuse."""
        e = self.eligibility
        lives = "live or work" if e.accept_works_in else "live"
        if self.code is IneligibleCode.NO_BIRTH_DATE:
            return "this area has an age limit and no birth date is known"
        if self.code is IneligibleCode.TOO_YOUNG:
            return f"voters in this area must be at least {e.min_age} years old"
        if self.code is IneligibleCode.TOO_OLD:
            return f"voters in this area must be at most {e.max_age} years old"
        if self.code is IneligibleCode.ELSEWHERE:
            places = "' or '".join(e.residences)
            return f"voters in this area must {lives} in '{places}'"
        return f"voters in this area must {lives} in the municipality"


def residence_names(areas: Iterable[Area | AreaDocument]) -> dict[str, str]:
    """What to call each residence code the areas' eligibility names, for people: the name of
    the area with that id (a territorial pot and the district it is for share their code), else
    of an area open only to those living there; a code no area explains stays as it is."""
    listed = [a.to_dict() if isinstance(a, Area) else a for a in areas]
    names: dict[str, str] = {}
    for area in listed:
        eligibility = area.get("eligibility")
        stored = eligibility.get("residence") if eligibility else None
        for code in [stored] if isinstance(stored, str) else (stored or []):
            if code and code not in names:
                same = next((a for a in listed if a["id"] == code), None)
                names[code] = str((same or area)["name"])
    return names


def municipality_residences(areas: Iterable[Area]) -> frozenset[str]:
    """The residence codes of the territorial areas: who lives in the municipality."""
    return frozenset(code for area in areas if area.kind == "territorial"
                     for code in area.eligibility.residences)


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    kind: str
    budget: int  # minor units (öre) of the cycle's currency
    eligibility: Eligibility = Eligibility()
    voting_rule: VotingRule | None = None  # None: the cycle's rule applies
    allocation_rule: str | None = None
    # What an imported election's file said that the cycle has no place for (Pabulib META and
    # column names), so that export gives the file back; None for an area made here.
    source: dict[str, object] | None = None
    # The ballots a proposal needs to be funded here (0: no minimum); None in an area stored
    # before pots had a minimum, which was counted without one (`votes_needed`).
    min_votes: int | None = None
    # Where the area lies: a GeoJSON Polygon or MultiPolygon (domain/geo.py), against which a
    # new proposal's point is checked; None (and absent from the stored area) when not drawn.
    boundary: Boundary | None = None

    @classmethod
    def from_dict(cls, given: object) -> Area:
        if not isinstance(given, Mapping):
            raise InvalidInput("area", "must be an object")
        data: Mapping[str, object] = given
        area_id = data.get("id")
        if not isinstance(area_id, str) or not _AREA_ID.match(area_id):
            raise InvalidInput(
                "area.id", "must be 1-40 lower-case letters, digits or dashes, e.g. 'norr'"
            )
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("area.name", "must not be empty")
        kind = data.get("kind", "territorial")
        if not isinstance(kind, str) or kind not in AREA_KINDS:
            raise InvalidInput("area.kind", f"must be one of {', '.join(AREA_KINDS)}")
        budget = minor_units(data.get("budget"), "area.budget")
        raw_eligibility = data.get("eligibility") or {}
        if not isinstance(raw_eligibility, Mapping):
            raise InvalidInput("area.eligibility", "must be an object")
        eligibility = _eligibility(raw_eligibility)
        rule_data = data.get("voting_rule")
        voting_rule = VotingRule.from_dict(rule_data) if rule_data is not None else None
        allocation_rule = data.get("allocation_rule")
        if allocation_rule is not None and (not isinstance(allocation_rule, str)
                                            or allocation_rule not in ALLOCATION_RULES):
            raise InvalidInput(
                "area.allocation_rule", f"must be one of {', '.join(ALLOCATION_RULES)}"
            )
        source = data.get("source")
        if source is not None and not isinstance(source, Mapping):
            raise InvalidInput("area.source", "must be an object")
        min_votes = data.get("min_votes")
        if min_votes is None:
            min_votes = DEFAULT_MIN_VOTES
        if type(min_votes) is not int or not 0 <= min_votes <= MAX_MIN_VOTES:
            raise InvalidInput("area.min_votes", "must be a whole number of votes, 0 (no "
                                                 f"minimum) to {MAX_MIN_VOTES}")
        boundary = data.get("boundary")
        return cls(area_id, name.strip(), kind, budget, eligibility, voting_rule, allocation_rule,
                   dict(source) if source is not None else None, min_votes,
                   geo.boundary_from(boundary) if boundary is not None else None)

    def require_inside(self, place: Place | None) -> None:
        """Refuses a place whose point lies outside the area's boundary, naming the area. A
        place without coordinates, or an area without a boundary, is not checked."""
        if self.boundary is None or not place:
            return
        lat, lon = place.get("lat"), place.get("lon")
        if lat is None or lon is None:  # a place has both coordinates or neither
            return
        if not geo.contains(self.boundary, float(lon), float(lat)):
            raise InvalidInput("place", f"the point {lat}, {lon} (lat, lon) "
                                        f"lies outside the area '{self.name}' ({self.id}): "
                                        "choose a point inside it, or another area")

    @property
    def votes_needed(self) -> int:
        """The minimum the area is counted with."""
        return self.min_votes or 0

    def to_dict(self) -> AreaDocument:
        # asdict gives exactly the document's keys (the class's fields); the later ones that
        # are unset are taken out below, so the stored JSON stays as it always was.
        data = cast(AreaDocument, asdict(self))
        data["voting_rule"] = self.voting_rule.to_dict() if self.voting_rule else None
        eligibility = data["eligibility"]
        if isinstance(eligibility["residence"], tuple):
            eligibility["residence"] = list(eligibility["residence"])
        # An area without these is stored as it always was.
        if not eligibility.get("municipality_wide"):
            del eligibility["municipality_wide"]
        if not eligibility.get("accept_works_in"):
            del eligibility["accept_works_in"]
        if self.source is None:
            del data["source"]  # an area made here is stored as it always was
        if self.min_votes is None:
            del data["min_votes"]  # stored before pots had a minimum, and stays so
        if self.boundary is None:
            del data["boundary"]  # an area without one is stored as it always was
        return data


def _eligibility(data: Mapping[str, object]) -> Eligibility:
    unknown = set(data) - {"min_age", "max_age", "residence", "municipality_wide",
                           "accept_works_in"}
    if unknown:
        raise InvalidInput("area.eligibility", f"unknown field(s): {', '.join(sorted(unknown))}")
    min_age, max_age = _years(data, "min_age"), _years(data, "max_age")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise InvalidInput("area.eligibility", "min_age is above max_age")
    residence = _residence(data.get("residence"))
    municipality_wide = true_or_false(data, "municipality_wide",
                                      "area.eligibility.municipality_wide")
    accept_works_in = true_or_false(data, "accept_works_in",
                                    "area.eligibility.accept_works_in")
    if accept_works_in and residence is None and not municipality_wide:
        raise InvalidInput("area.eligibility.accept_works_in",
                           "needs a residence or municipality_wide for the work place to match")
    if municipality_wide and residence is not None:
        raise InvalidInput("area.eligibility", "give either residence or municipality_wide: "
                                               "the whole municipality is every residence")
    return Eligibility(min_age, max_age, residence, municipality_wide, accept_works_in)


def _years(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    if value is not None and (type(value) is not int or not 0 <= value <= 150):
        raise InvalidInput(f"area.eligibility.{key}", "must be a whole number of years")
    return value


def _residence(value: object) -> str | tuple[str, ...] | None:
    """One residence code, or a list of them (any one admits a voter)."""
    field = "area.eligibility.residence"
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            raise InvalidInput(field, "must be a residence code")
        return value
    if not isinstance(value, list) or not value:
        raise InvalidInput(field, "must be a residence code or a non-empty list of them")
    if len(value) > MAX_RESIDENCES:
        raise InvalidInput(field, f"at most {MAX_RESIDENCES} residence codes")
    if any(not isinstance(code, str) or not code.strip() for code in value):
        raise InvalidInput(field, "each must be a residence code")
    if len(set(value)) != len(value):
        raise InvalidInput(field, "names a residence code more than once")
    return tuple(value)


def area_kronor_to_minor(area: Mapping[str, object]) -> dict[str, object]:
    """An area as stored before minor units (its budget and its voting rule's cost limits in
    whole kronor) as stored since (in öre): for the upcasting of old events."""
    upcast = dict(area)
    upcast["budget"] = kronor_to_minor(area.get("budget"))
    rule = area.get("voting_rule")
    if rule:
        upcast["voting_rule"] = rule_kronor_to_minor(json_object(rule, "a voting rule"))
    return upcast


def area_from_stored(data: AreaDocument) -> Area:
    """Rebuild an area from an event without re-validating: history is never refused."""
    rule = data.get("voting_rule")
    eligibility = data.get("eligibility")
    return Area(
        id=data["id"], name=data["name"], kind=data["kind"], budget=data["budget"],
        eligibility=_stored_eligibility(eligibility) if eligibility else Eligibility(),
        voting_rule=VotingRule(**rule) if rule else None,
        allocation_rule=data.get("allocation_rule"),
        source=data.get("source"),
        # None: stored before pots had a minimum, counted without one, and so it stays.
        min_votes=data.get("min_votes"),
        boundary=data.get("boundary"),
    )


def _stored_eligibility(data: EligibilityDocument) -> Eligibility:
    """As stored: a single residence code (every area stored before sets) or a list."""
    residence = data.get("residence")
    return Eligibility(data.get("min_age"), data.get("max_age"),
                       tuple(residence) if isinstance(residence, list) else residence,
                       bool(data.get("municipality_wide", False)),
                       bool(data.get("accept_works_in", False)))
