"""Why a rule funded a project or not, as a code with typed parameters (ADR 0017).

The counting rules say why for every project; the results event records these values, and the
pages, the API and the CLI put them into words (service/reason_text.py), in Swedish or English.
No sentence is recorded: wording can then improve, and be translated, without touching history.

Amounts are ints in units of 10**-places of `currency`: minor units (öre, grosze, cents; places
2, ADR 0014) unless an imported election's amounts have finer decimals. Counts (rounds,
supporters, votes, points) are ints; a threshold may be a Decimal, as an election may set one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from domain.allocation.election import TIE_BREAKS
from domain.documents import ReasonDocument, TieDocument
from domain.json_values import json_str, json_texts

MINOR_PLACES = 2


class ReasonCode(StrEnum):
    """What happened to a project. The values are stored: never change one's meaning."""

    SELECTED = "selected"
    DID_NOT_FIT = "did-not-fit"  # greedy: left, cost
    DID_NOT_FIT_COUNTING_STOPS = "did-not-fit-counting-stops"  # greedy-no-skip: left, cost
    NOT_REACHED = "not-reached"  # greedy-no-skip, after the stop
    BELOW_THRESHOLD = "below-threshold"  # greedy-threshold: threshold, score (unit)
    SELECTED_IN_ROUND = "selected-in-round"  # MES: round, supporters, price
    NO_BALLOTS = "no-ballots"  # MES with nobody voting
    NO_SUPPORT = "no-support"  # MES: no ballot names it
    COSTS_NOTHING = "costs-nothing"  # MES: worth nothing under cost utilities
    NOT_AFFORDABLE = "not-affordable"  # MES: left, cost, share (added, mes-add1)
    # Every rule (ADR 0021): a pot's minimum of votes, and who may be funded beyond the rule.
    BELOW_MIN_VOTES = "below-min-votes"  # min_votes, votes
    INCOMPATIBLE_FUNDED = "incompatible-funded"  # projects: the funded ones it excludes
    EXCLUDED_AFTER_COUNT = "excluded-after-count"  # note: the municipality's own words
    FUNDED_OUTSIDE_RULE = "funded-outside-rule"  # note: the municipality's own words


class TieKind(StrEnum):
    """How a tie-break touched a project's fate."""

    WON_ON_SCORE = "won-on-score"  # greedy: funded ahead of equals that were not
    LOST_ON_SCORE = "lost-on-score"  # greedy: not funded, equals ahead of it were
    WON_ON_PRICE = "won-on-price"  # MES: bought in a round where others had the same price


class ScoreUnit(StrEnum):
    VOTE = "vote"  # approval, choose-1: a score is a number of votes
    POINT = "point"  # cumulative, scoring, ordinal


# code -> (amounts it needs, amounts it may have, counts it needs)
_PARAMETERS: Mapping[ReasonCode, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    ReasonCode.SELECTED: (frozenset(), frozenset(), frozenset()),
    ReasonCode.DID_NOT_FIT: (frozenset({"left", "cost"}), frozenset(), frozenset()),
    ReasonCode.DID_NOT_FIT_COUNTING_STOPS: (frozenset({"left", "cost"}), frozenset(),
                                            frozenset()),
    ReasonCode.NOT_REACHED: (frozenset(), frozenset(), frozenset()),
    ReasonCode.BELOW_THRESHOLD: (frozenset(), frozenset(), frozenset({"threshold", "score"})),
    ReasonCode.SELECTED_IN_ROUND: (frozenset({"price"}), frozenset(),
                                   frozenset({"round", "supporters"})),
    ReasonCode.NO_BALLOTS: (frozenset(), frozenset(), frozenset()),
    ReasonCode.NO_SUPPORT: (frozenset(), frozenset(), frozenset()),
    ReasonCode.COSTS_NOTHING: (frozenset(), frozenset(), frozenset()),
    ReasonCode.NOT_AFFORDABLE: (frozenset({"left", "cost", "share"}), frozenset({"added"}),
                                frozenset()),
    ReasonCode.BELOW_MIN_VOTES: (frozenset(), frozenset(), frozenset({"min_votes", "votes"})),
    ReasonCode.INCOMPATIBLE_FUNDED: (frozenset(), frozenset(), frozenset()),
    ReasonCode.EXCLUDED_AFTER_COUNT: (frozenset(), frozenset(), frozenset()),
    ReasonCode.FUNDED_OUTSIDE_RULE: (frozenset(), frozenset(), frozenset()),
}
# The codes that name other projects (`projects`), and those that carry a person's words
# (`note`): no other code has either.
_NAMES_PROJECTS = frozenset({ReasonCode.INCOMPATIBLE_FUNDED})
_HAS_NOTE = frozenset({ReasonCode.EXCLUDED_AFTER_COUNT, ReasonCode.FUNDED_OUTSIDE_RULE})


@dataclass(frozen=True)
class Tie:
    """The projects a project was tied with, and the tie-break (one of TIE_BREAKS) that
    ordered them."""

    kind: TieKind
    others: tuple[str, ...]
    tie_break: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TieKind(self.kind))
        if self.tie_break not in TIE_BREAKS:
            raise ValueError(f"unknown tie-break {self.tie_break!r}")
        if not self.others or not all(isinstance(o, str) for o in self.others):
            raise ValueError("a tie names the project ids it was tied with")

    def to_dict(self) -> TieDocument:
        return {"kind": self.kind.value, "others": list(self.others),
                "tie_break": self.tie_break}


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    amounts: Mapping[str, int] = field(default_factory=dict)
    currency: str = ""
    places: int = MINOR_PLACES
    counts: Mapping[str, int | Decimal] = field(default_factory=dict)
    unit: ScoreUnit | None = None
    tie: Tie | None = None
    # The project ids it names (INCOMPATIBLE_FUNDED: the funded projects it excludes).
    projects: tuple[str, ...] = ()
    # Words a person recorded (EXCLUDED_AFTER_COUNT, FUNDED_OUTSIDE_RULE: why), shown as given.
    note: str = ""

    def __post_init__(self) -> None:
        code = ReasonCode(self.code)
        object.__setattr__(self, "code", code)
        projects = tuple(self.projects)
        if (code in _NAMES_PROJECTS) != bool(projects) \
                or not all(isinstance(p, str) and p for p in projects):
            raise ValueError(f"{code}: project ids {projects!r}, expected "
                             f"{'some' if code in _NAMES_PROJECTS else 'none'}")
        object.__setattr__(self, "projects", projects)
        if not isinstance(self.note, str) or (code in _HAS_NOTE) != bool(self.note.strip()):
            raise ValueError(f"{code}: {'a note is needed' if code in _HAS_NOTE else 'no note'}")
        needed, optional, counted = _PARAMETERS[code]
        if not needed <= set(self.amounts) <= needed | optional:
            raise ValueError(f"{code}: amounts {sorted(self.amounts)}, expected "
                             f"{sorted(needed)} (and maybe {sorted(optional)})")
        if set(self.counts) != counted:
            raise ValueError(f"{code}: counts {sorted(self.counts)}, expected {sorted(counted)}")
        for name, amount in self.amounts.items():
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise ValueError(f"{code}: amount {name} must be an int of minor units")
        for name, count in self.counts.items():
            if isinstance(count, bool) or not isinstance(count, int | Decimal):
                raise ValueError(f"{code}: {name} must be a whole number (or a Decimal)")
        if self.amounts and not self.currency:
            raise ValueError(f"{code}: amounts need a currency")
        if isinstance(self.places, bool) or not isinstance(self.places, int) \
                or not 0 <= self.places <= 12:
            raise ValueError(f"{code}: places must be an int from 0 to 12")
        if (code is ReasonCode.BELOW_THRESHOLD) != (self.unit is not None):
            raise ValueError(f"{code}: a score unit goes with the threshold only")
        if self.unit is not None:
            object.__setattr__(self, "unit", ScoreUnit(self.unit))
        object.__setattr__(self, "amounts", dict(self.amounts))
        object.__setattr__(self, "counts", dict(self.counts))

    def amount(self, name: str) -> Decimal:
        """An amount in whole units of the currency, exactly."""
        return Decimal(self.amounts[name]).scaleb(-self.places)

    def to_dict(self) -> ReasonDocument:
        """As the results event records it: JSON types only, money never a float."""
        recorded: ReasonDocument = {"code": self.code.value}
        if self.amounts:
            recorded["amounts"] = dict(self.amounts)
            recorded["currency"] = self.currency
            if self.places != MINOR_PLACES:
                recorded["places"] = self.places
        if self.counts:
            recorded["counts"] = {name: _json_count(v) for name, v in self.counts.items()}
        if self.unit is not None:
            recorded["unit"] = self.unit.value
        if self.tie is not None:
            recorded["tie"] = self.tie.to_dict()
        if self.projects:
            recorded["projects"] = list(self.projects)
        if self.note:
            recorded["note"] = self.note
        return recorded

    @classmethod
    def from_dict(cls, recorded: Mapping[str, object]) -> Reason:
        """A recorded reason back as a value; ValueError if it is not one."""
        try:
            tie = _named(recorded.get("tie"), "a tie")
            unit = recorded.get("unit")
            return cls(
                code=ReasonCode(json_str(recorded["code"], "a code")),
                amounts={name: _whole(v) for name, v in
                         _named(recorded.get("amounts"), "amounts").items()},
                currency=str(recorded.get("currency") or ""),
                places=_whole(recorded.get("places", MINOR_PLACES)),
                counts={name: _count(v) for name, v in
                        _named(recorded.get("counts"), "counts").items()},
                unit=ScoreUnit(json_str(unit, "a unit")) if unit else None,
                tie=Tie(TieKind(json_str(tie["kind"], "a tie's kind")),
                        tuple(json_texts(tie["others"], "a tie's others")),
                        json_str(tie["tie_break"], "a tie-break")) if tie else None,
                projects=_ids(recorded.get("projects")),
                note=json_str(recorded.get("note") or "", "a note"),
            )
        except (KeyError, TypeError, AttributeError, InvalidOperation) as error:
            raise ValueError(f"not a recorded reason: {error}") from None


def in_units(amount: Decimal | int, places: int) -> int:
    """An exact amount of whole units as an int of 10**-places units; ValueError if finer."""
    scaled = Decimal(amount).scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {places} decimals")
    return int(scaled)


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise TypeError("projects must be a list of project ids")
    return tuple(value)


def _named(value: object, what: str) -> dict[str, object]:
    """A recorded mapping of names (none: empty); TypeError if it is not one."""
    if not value:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(name, str) for name in value):
        raise TypeError(f"{what} must map names to values")
    return dict(value)


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an amount or number of places must be a whole number")
    return value


def _json_count(value: int | Decimal) -> int | str:
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return format(value, "f")


def _count(value: object) -> int | Decimal:
    if isinstance(value, bool):
        raise TypeError("a count is not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"a count must be an int or decimal text, not {type(value).__name__}")
