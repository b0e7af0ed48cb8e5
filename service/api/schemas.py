"""Request and response bodies of the API, each with an example (they make the OpenAPI document).

Request models check shape and types; the domain checks meaning (budgets, phases, rules), so a rule
lives in one place.

Money (ADR 0014): every amount field keeps its name and gives whole units of the cycle's currency
(kronor): an integer when whole, as it always was, else the exact decimal as text ("969245.38"),
never a float. Beside each, `<field>_minor` gives the same amount exactly, in minor units (öre)
as an integer; a request may give either (or both, agreeing). The cycle's `currency` says which
(SEK by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from domain import geo, text
from domain.areas import DEFAULT_MIN_VOTES, MAX_MIN_VOTES
from domain.cycle import IncompatiblePair, PhaseChange
from domain.errors import InvalidInput
from domain.money import MAX_UNITS, MINOR_PER_UNIT, json_major, minor_units
from domain.vocabulary import AllocationRule, AreaKind, BallotKind
from service.reason_text import reason_json

MAX_KRONOR = MAX_UNITS
_KRONOR_TEXT = re.compile(r"^\d{1,13}(\.\d{1,2})?$")


def _kronor_value(value: object) -> int | str:
    """Strict: 12.0 or true is not an amount of kronor; an amount with öre is given as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_KRONOR:
            raise ValueError(f"must be from 0 to {MAX_KRONOR} kronor")
        return value
    if isinstance(value, str) and _KRONOR_TEXT.match(value):
        return value
    raise ValueError("must be whole kronor as an integer, or an exact amount with at most two "
                     "decimals as text (\"969245.38\"), never a floating-point number")


Kronor = Annotated[int | str, PlainValidator(_kronor_value), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 0, "maximum": MAX_KRONOR},
    {"type": "string", "pattern": _KRONOR_TEXT.pattern}]})]
Minor = Annotated[StrictInt, Field(ge=0, le=MAX_KRONOR * MINOR_PER_UNIT)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
KRONOR = ("In whole units of the cycle's currency (kronor): an integer, or an exact decimal "
          "with at most two decimals as text (\"969245.38\").")
MINOR = "The same amount in minor units (öre) of the cycle's currency, exactly."


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


def _kronor(description: str = KRONOR, **bounds: Any) -> Any:
    return Field(default=None, description=description, **bounds)


def _minor(description: str = MINOR) -> Any:
    # Read from requests, folded into the kronor field: never passed on beside it.
    return Field(default=None, description=description, exclude=True)


def _one_amount(model: BaseModel, name: str, required: bool) -> None:
    """`name` (kronor) and `name_minor` (öre) say the same, or only one is given: keep it as
    kronor (an int when whole, else exact text), which is what the domain reads."""
    given, minor = getattr(model, name), getattr(model, f"{name}_minor")
    if minor is not None:
        if given is not None:
            try:
                same = minor_units(given, name) == minor
            except InvalidInput:
                same = False
            if not same:
                raise ValueError(f"{name} and {name}_minor give different amounts")
        setattr(model, name, json_major(minor))
    elif given is None and required:
        raise ValueError(f"give {name} (kronor) or {name}_minor (öre)")


class WithAmounts(BaseModel):
    """A request with amounts each given in kronor (`name`) or öre (`name_minor`): `AMOUNTS`
    names them, `REQUIRED` those that must be given (`_one_amount` reads each)."""

    AMOUNTS: ClassVar[tuple[str, ...]] = ()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _amounts(self) -> Self:
        for name in self.AMOUNTS:
            _one_amount(self, name, required=name in self.REQUIRED)
        return self


def money_out(name: str, minor: int | None) -> dict[str, Any]:
    """An amount held in öre as the API shows it: `name` in kronor and `name_minor` in öre."""
    return {name: json_major(minor) if minor is not None else None, f"{name}_minor": minor}


class Problem(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "about:blank", "title": "Not allowed in the current phase", "status": 409,
        "detail": "Submitting a proposal is possible only in phase ideas. The cycle is in phase "
                  "'voting'; allowed now: close_voting, cancel.",
        "phase": "voting", "allowed": ["close_voting", "cancel"]}]})
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    phase: str | None = None
    allowed: list[str] | None = None
    errors: list[dict[str, str]] | None = None


# ---- cycles ----------------------------------------------------------------------------------

class CycleIn(BaseModel):
    model_config = _example(name="Medborgarbudget Nässjö 2027", municipality="Nässjö kommun")
    name: str = Field(min_length=1, max_length=200)
    municipality: str = Field(min_length=1, max_length=200)
    currency: Currency | None = Field(
        default=None, description="The ISO 4217 code of the cycle's money (default SEK).")


class SuccessorIn(BaseModel):
    model_config = _example(name="Medborgarbudget Nässjö 2028")
    name: str = Field(min_length=1, max_length=200)


class AssemblyRecordIn(BaseModel):
    model_config = _example(body="Kommunfullmäktige", date="2026-11-26", reference="KF § 142/2026")
    body: str = Field(min_length=1, max_length=200)
    date: date
    reference: str = Field(min_length=1, max_length=200)


ResidenceCode = Annotated[str, Field(min_length=1, max_length=100)]
# A reason, a note, an explanation: as long as the domain keeps (domain/text.py).
Reason = Annotated[str, Field(min_length=1, max_length=text.REASON)]


class Eligibility(BaseModel):
    model_config = _example(min_age=13, max_age=25, residence=None)
    min_age: int | None = Field(default=None, ge=0, le=150)
    max_age: int | None = Field(default=None, ge=0, le=150)
    residence: ResidenceCode | list[ResidenceCode] | None = Field(
        default=None, description="The residence code voters must have (from their token), or "
                                  "a list of codes any of which will do (at most 50).")
    municipality_wide: bool = Field(
        default=False, description="Open to every resident of the municipality: whoever lives "
                                   "in one of the cycle's territorial areas (their residence "
                                   "codes), and no one else. Not with `residence`.")
    accept_works_in: bool = Field(
        default=False, description="Whoever works in one of the places (the token's `works_in` "
                                   "claim) may vote here as if they lived there.")


class VotingRuleBody(WithAmounts):
    AMOUNTS = ("min_total_cost", "max_total_cost")
    model_config = _example(kind="approval", min_choices=1, max_choices=3)
    kind: BallotKind
    min_choices: int = Field(default=1, ge=0, le=1000)
    max_choices: int | None = Field(default=None, ge=1, le=1000)
    max_points_per_project: int | None = Field(default=None, ge=1, le=1_000_000)
    max_total_points: int | None = Field(default=None, ge=1, le=1_000_000)
    # Constraints an imported election's file may state (Pabulib), shown when set.
    min_total_cost: Kronor | None = _kronor()
    max_total_cost: Kronor | None = _kronor()
    min_total_points: int | None = Field(default=None, ge=0, le=1_000_000)
    min_points_per_project: int | None = Field(default=None, ge=0, le=1_000_000)
    scoring: bool = False
    ranked_points: bool = False
    min_total_cost_minor: Minor | None = _minor()
    max_total_cost_minor: Minor | None = _minor()


class VotingRuleOut(VotingRuleBody):
    """A rule as the API shows it; the cost limits (only when set) also in öre."""

    min_total_cost_minor: Minor | None = Field(default=None, description=MINOR)
    max_total_cost_minor: Minor | None = Field(default=None, description=MINOR)


def voting_rule_out(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A stored rule (cost limits in öre) as VotingRuleOut's fields."""
    shown = dict(rule)
    for name in ("min_total_cost", "max_total_cost"):
        if shown.get(name) is not None:
            shown.update(money_out(name, shown[name]))
    return shown


class VotingRuleIn(VotingRuleBody):
    model_config = _example(kind="approval", min_choices=1, max_choices=3,
                            allow_ballot_changes=True)
    allow_ballot_changes: bool = False


class AreaIn(WithAmounts):
    AMOUNTS = ("budget",)
    REQUIRED = frozenset(AMOUNTS)
    model_config = _example(id="norr", name="Planeringsområde Norr", kind="territorial",
                            budget=250000, eligibility={"residence": "norr"})
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1, max_length=200)
    kind: AreaKind = AreaKind.TERRITORIAL
    budget: Kronor | None = _kronor(KRONOR + " Required, unless `budget_minor` is given.")
    eligibility: Eligibility = Eligibility()
    voting_rule: VotingRuleBody | None = None
    allocation_rule: AllocationRule | None = None
    budget_minor: Minor | None = _minor()
    min_votes: int | None = Field(
        default=None, ge=0, le=MAX_MIN_VOTES, strict=True,  # true is not a number of votes
        description="How many ballots must support a proposal before this pot funds it, under "
                    "every allocation rule (no votes, no money). Left out: "
                    f"{DEFAULT_MIN_VOTES}; 0: no minimum. An area stored before the minimum "
                    "existed shows 0, how it was counted.")
    boundary: dict[str, Any] | None = Field(
        default=None,
        description="Where the area lies, for the map and to check new proposals' places: a "
                    "GeoJSON geometry (RFC 7946), `Polygon` or `MultiPolygon`, positions as "
                    "[longitude, latitude] in WGS84, every ring closed (its last position "
                    f"repeats its first); at most {geo.MAX_VERTICES} vertices and "
                    f"{geo.MAX_JSON_CHARS} characters. A proposal whose place has coordinates "
                    "outside it is refused (422). Left out: no boundary, no check.",
        examples=[{"type": "Polygon", "coordinates": [[[14.68, 57.65], [14.72, 57.65],
                                                       [14.72, 57.67], [14.68, 57.65]]]}])


class AreaOut(AreaIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "norr", "name": "Planeringsområde Norr", "kind": "territorial", "budget": 250000,
        "budget_minor": 25000000,
        "eligibility": {"min_age": None, "max_age": None, "residence": "norr"},
        "voting_rule": None, "allocation_rule": None, "min_votes": 1}]})
    budget_minor: Minor | None = Field(default=None, description=MINOR)
    voting_rule: VotingRuleOut | None = None
    min_votes: int = Field(description="Ballots a proposal needs before this pot funds it; "
                                       "0: no minimum.")


def area_out(area: Mapping[str, Any]) -> dict[str, Any]:
    """A stored area (budget and cost limits in öre) as AreaOut's fields."""
    shown = {**area, **money_out("budget", area["budget"])}
    shown.pop("source", None)  # an imported file's META and columns: for export only
    # None or absent: stored before pots had a minimum, counted without one.
    shown["min_votes"] = area.get("min_votes") or 0
    if area.get("voting_rule"):
        shown["voting_rule"] = voting_rule_out(area["voting_rule"])
    return shown


class AllocationRuleIn(BaseModel):
    model_config = _example(rule="greedy-threshold", threshold=50)
    rule: AllocationRule
    threshold: int | None = Field(default=None, ge=0, le=10**9)


class CategoryOut(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=80)


class CategoriesIn(BaseModel):
    model_config = _example(categories=[{"id": "lek", "name": "Lek och idrott"},
                                        {"id": "natur", "name": "Natur och miljö"}])
    categories: list[CategoryOut] = Field(max_length=50)


class PotCapIn(BaseModel):
    model_config = _example(max_pots=1, uncounted=["unga"])
    max_pots: int = Field(ge=1, le=100, strict=True, description=(
        "How many of the cycle's counted areas (pots) one resident may vote in."))
    uncounted: list[str] = Field(default_factory=list, max_length=100, description=(
        "Areas a ballot in which takes none of the resident's places (e.g. a youth or "
        "city-wide pot open besides their district's)."))


class PotCapOut(BaseModel):
    max_pots: int
    uncounted: list[str]


class TimelineIn(BaseModel):
    model_config = _example(ideas="2027-02-01", review="2027-03-15", voting="2027-04-20")
    draft: date | None = None
    ideas: date | None = None
    review: date | None = None
    support: date | None = None
    voting: date | None = None
    counting: date | None = None
    results: date | None = None
    implementation: date | None = None
    evaluation: date | None = None
    closed: date | None = None


class EvaluationIn(BaseModel):
    model_config = _example(report="Valdeltagandet ökade bland unga.", participants=412,
                            url="https://www.example.se/medborgarbudget/utvardering-2027")
    report: str = Field(min_length=1, max_length=20000)
    participants: int | None = Field(default=None, ge=0, le=10**9)
    url: str | None = Field(default=None, max_length=500,
                            description="Where the full report is: an http(s) address.")
    reason: Reason | None = Field(
        default=None,
        description="Why a recorded evaluation is revised (needed then, refused for the first "
                    "report).")


class EvaluationVersionOut(BaseModel):
    evaluation: dict[str, Any]
    actor: str
    at: datetime
    reason: str | None


class IncompatibleIn(BaseModel):
    model_config = _example(proposals=["0b6c2f0e-5d55-4c1e-9a8e-0f3b2f7c1d11",
                                       "7d2e1c40-2b1a-4f5e-8c3d-9a0b1c2d3e4f"],
                            reason="Båda vill använda samma plats i Brinnaparken.")
    proposals: list[UUID] = Field(min_length=2, max_length=2,
                                  description="Two proposals of one area of the cycle.")
    reason: Reason = Field(description="Why they exclude each other; shown on the results.")


class CycleOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "name": "Medborgarbudget Nässjö 2027",
        "municipality": "Nässjö kommun", "phase": "voting", "phase_sv": "Röstning",
        "predecessor_id": None, "version": 12,
        "decision": {"body": "Kommunfullmäktige", "date": "2026-11-26",
                     "reference": "KF § 142/2026"},
        "areas": [], "voting_rule": {"kind": "approval", "min_choices": 1, "max_choices": 3,
                                     "max_points_per_project": None, "max_total_points": None},
        "allocation_rule": "greedy", "score_threshold": None, "allow_ballot_changes": True,
        "timeline": {"ideas": "2027-02-01"}, "history": [], "results_published": False,
        "adoption": None, "evaluation": None, "currency": "SEK", "position": 42}]})
    id: UUID
    name: str
    municipality: str
    phase: str
    phase_sv: str
    predecessor_id: UUID | None
    version: int
    decision: dict[str, str] | None
    areas: list[AreaOut]
    voting_rule: VotingRuleOut | None
    allocation_rule: str
    score_threshold: int | None
    allow_ballot_changes: bool
    timeline: dict[str, str]
    categories: list[CategoryOut] = Field(
        default_factory=list, description="What a proposal's category is chosen from; none: "
                                          "free text, or no category.")
    history: list[PhaseChange]  # the domain's record of each, as it is
    results_published: bool
    adoption: dict[str, str] | None
    evaluation: dict[str, Any] | None
    incompatible: list[IncompatiblePair] = Field(  # the domain's record, as it is
        default_factory=list, description="Pairs of proposals that exclude each other: every "
                                          "allocation rule funds at most one of a pair.")
    evaluation_history: list[EvaluationVersionOut] = Field(
        default_factory=list, description="Every version of the evaluation, the current last.")
    currency: str = Field(description="The ISO 4217 code of every amount of the cycle.")
    support_round: dict[str, Any] | None = Field(
        default=None, description="The support round's rules (`default`, and `areas` with "
                                  "their own), or null when the cycle has none; its outcome "
                                  "is at `.../support-round/outcome`.")
    pot_cap: PotCapOut | None = Field(
        default=None, description="The cap on pots per voter: at most `max_pots` areas per "
                                  "resident, the `uncounted` aside; null: no cap.")
    position: int | None = Field(
        default=None, description="Position of the last event written by this request.")


class CycleList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"cycles": []}]})
    cycles: list[CycleOut]


class TransitionIn(BaseModel):
    model_config = _example(trigger="open_voting", reason="Alla förslag är prövade")
    trigger: str = Field(min_length=1, max_length=50)
    reason: str = Field(default="", max_length=text.REASON)


class TriggerOut(BaseModel):
    trigger: str
    destination: str
    allowed: bool
    refusals: list[str]


class TransitionsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "phase": "review", "allowed": ["cancel"],
        "triggers": [
            {"trigger": "open_voting", "destination": "voting", "allowed": False,
             "refusals": ["every proposal needs a review decision"]},
            {"trigger": "cancel", "destination": "cancelled", "allowed": True, "refusals": []}]}]})
    phase: str
    allowed: list[str]
    triggers: list[TriggerOut]


# ---- proposals -------------------------------------------------------------------------------

class Place(BaseModel):
    model_config = _example(name="Runnerydsjön", lat="57.6531", lon="14.6968")
    name: str = Field(min_length=1, max_length=200)
    lat: str | None = Field(default=None, pattern=r"^-?\d{1,2}(\.\d{1,10})?$")
    lon: str | None = Field(default=None, pattern=r"^-?\d{1,3}(\.\d{1,10})?$")


class ProposalIn(WithAmounts):
    AMOUNTS = ("estimated_cost",)
    REQUIRED = frozenset(AMOUNTS)
    model_config = _example(area="norr", title="Utegym vid Runnerydsjön",
                            description="Enkla redskap för styrka och rörlighet.",
                            estimated_cost=120000, category="idrott",
                            place={"name": "Runnerydsjön"})
    area: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=5000)
    estimated_cost: Kronor | None = _kronor(KRONOR + " Above zero; required, unless "
                                                     "`estimated_cost_minor` is given.")
    category: str | None = Field(
        default=None, max_length=80,
        description="One of the cycle's categories (its id) when the cycle has a list; "
                    "otherwise free text, or none.")
    place: Place | None = None
    estimated_cost_minor: Minor | None = _minor()


class ProgressOut(BaseModel):
    percent: int
    note: str
    spent: Kronor
    spent_minor: Minor = Field(description=MINOR)
    at: datetime
    explanation: str | None = None


class PictureOut(BaseModel):
    """A picture on a proposal (ADR 0030): served re-encoded as WebP in each of `widths`."""

    digest: str = Field(description="SHA-256 of the largest size: the picture's name.")
    alt: str = Field(description="What the picture shows, for those who cannot see it.")
    width: int
    height: int
    widths: list[int]
    urls: dict[str, str] = Field(description="Each width's address, e.g. {\"480\": "
                                             "\"/pictures/<digest>/480.webp\"}.")


class ProposalOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10",
        "cycle_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "area": "norr",
        "title": "Utegym vid Runnerydsjön", "description": "Enkla redskap.",
        "estimated_cost": 120000, "estimated_cost_minor": 12000000,
        "official_cost": 135000, "official_cost_minor": 13500000, "currency": "SEK",
        "category": "idrott",
        "place": {"name": "Runnerydsjön"}, "status": "feasible", "feasible": True,
        "review_reason": "Kostnaden inkluderar fallskydd.", "merged_into": None,
        "closing_reason": None, "progress": [], "submitted_at": "2027-02-03T10:15:00Z",
        "version": 2, "feedback_url": "/proposals/0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10",
        "position": 57}]})
    id: UUID
    cycle_id: UUID
    area: str
    title: str
    description: str
    estimated_cost: Kronor
    estimated_cost_minor: Minor = Field(description=MINOR)
    official_cost: Kronor | None
    official_cost_minor: Minor | None = Field(description=MINOR)
    currency: str = Field(description="The ISO 4217 code of the cycle's money.")
    category: str
    place: dict[str, Any] | None
    status: str
    feasible: bool | None
    review_reason: str | None
    merged_into: UUID | None
    closing_reason: str | None
    progress: list[ProgressOut]
    submitted_at: datetime
    version: int
    feedback_url: str = Field(description="The public page where anyone, the proposer "
                                          "included, can follow what happens to the proposal.")
    position: int | None = None
    hidden_reason: str | None = Field(
        default=None, description="Set when the moderator hid the proposal: the reason, shown "
                                  "instead of its title, description and place (ADR 0024).")
    pictures: list[PictureOut] = Field(
        default_factory=list, description="At most three, none while the proposal is hidden "
                                          "(ADR 0030).")


class ProposalList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"proposals": []}]})
    proposals: list[ProposalOut]


class ReviewIn(WithAmounts):
    AMOUNTS = ("official_cost",)
    model_config = _example(feasible=False, official_cost=None,
                            reason="Marken ägs inte av kommunen.")
    feasible: bool
    official_cost: Kronor | None = _kronor(KRONOR + " Above zero; required when feasible.")
    reason: str = Field(default="", max_length=text.REASON)
    official_cost_minor: Minor | None = _minor()


class MergeIn(BaseModel):
    model_config = _example(into="0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10",
                            reason="Samma idé som Utegym vid Runnerydsjön.")
    into: UUID
    reason: Reason


class UndoMergeIn(BaseModel):
    model_config = _example(reason="Förslagen gäller olika platser och prövas var för sig.")
    reason: Reason


class ReasonIn(BaseModel):
    model_config = _example(reason="Jag har flyttat från området.")
    reason: Reason


class CompletionIn(WithAmounts):
    AMOUNTS = ("spent",)
    REQUIRED = frozenset(AMOUNTS)
    model_config = _example(note="Klart och invigt.", spent=131000)
    note: Reason
    spent: Kronor | None = _kronor(KRONOR + " Required, unless `spent_minor` is given.")
    spent_minor: Minor | None = _minor()
    explanation: Reason | None = Field(
        default=None,
        description="Needed when `spent` is less than reported before (a correction) or more "
                    "than the cost (an overrun); recorded with the report.")


class ProgressIn(CompletionIn):
    model_config = _example(percent=40, note="Upphandling klar, arbetet har startat.", spent=20000)
    percent: int = Field(ge=0, le=100)


# ---- ballots ---------------------------------------------------------------------------------

class BallotIn(BaseModel):
    model_config = _example(area="norr", selections=["0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10"],
                            points=None)
    area: str = Field(min_length=1, max_length=40)
    selections: list[str] = Field(max_length=1000)
    points: list[int] | None = Field(default=None, max_length=1000)


class BallotChangeIn(BaseModel):
    model_config = _example(selections=["0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10"], points=None)
    selections: list[str] = Field(max_length=1000)
    points: list[int] | None = Field(default=None, max_length=1000)


class PaperVoter(BaseModel):
    model_config = _example(identity="19850601-1231", birth_date="1985-06-01", residence="norr")
    identity: str = Field(min_length=1, max_length=100,
                          description="Personnummer or samordningsnummer, in any common form.")
    birth_date: date | None = None
    residence: str | None = Field(default=None, max_length=100)
    works_in: str | None = Field(default=None, max_length=100, description=(
        "Where the voter works (from their identity document or the provider's claim), for an "
        "area that accepts it."))


class RollMarkIn(BaseModel):
    """A paper voter marked in a station's roll: identity, never choices."""

    model_config = _example(station="Stadsbiblioteket", area="norr",
                            voter={"identity": "19850601-1231", "birth_date": "1985-06-01",
                                   "residence": "norr"})
    station: str = Field(min_length=1, max_length=200)
    area: str = Field(min_length=1, max_length=40)
    voter: PaperVoter


class RollMarkOut(BaseModel):
    model_config = _example(cycle_id="3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", area="norr",
                            station="Stadsbiblioteket", message="The voter is marked in the "
                            "roll and may put their ballot in the box.", position=977)
    cycle_id: UUID
    area: str
    station: str
    message: str
    position: int | None = None


class BoxBallotIn(BaseModel):
    selections: list[str] = Field(max_length=1000)
    points: list[int] | None = Field(default=None, max_length=1000)


class PaperBallotsIn(BaseModel):
    """A station's box, entered without identity: never more ballots than the station marked
    voters in the roll for the area."""

    model_config = _example(station="Stadsbiblioteket", area="norr", ballots=[
        {"selections": ["0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10"], "points": None}])
    station: str = Field(min_length=1, max_length=200)
    area: str = Field(min_length=1, max_length=40)
    ballots: list[BoxBallotIn] = Field(min_length=1, max_length=5000)


class PaperBallotsOut(BaseModel):
    model_config = _example(cycle_id="3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", area="norr",
                            station="Stadsbiblioteket", entered=41, position=1203)
    cycle_id: UUID
    area: str
    station: str
    entered: int
    position: int | None = None


class BallotReceipt(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "receipt": "K7QX-M2PA-7TZD-3HRB",
        "cycle_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "area": "norr",
        "message": "Your ballot has been stored and will be counted.",
        "position": 981}]})
    receipt: str | None = Field(
        description="A random code: keep it to check later that your ballot is among the "
                    "counted ones. It shows nothing of what you voted. None when a ballot was "
                    "changed: the first code still holds.")
    cycle_id: UUID
    area: str
    message: str
    position: int | None = None


class ReceiptCheck(BaseModel):
    model_config = _example(cycle_id="3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11",
                            receipt="K7QX-M2PA-7TZD-3HRB", stored=True, counted=False)
    cycle_id: UUID
    receipt: str
    stored: bool = Field(description="A ballot with this receipt is stored in the cycle.")
    counted: bool = Field(description="...and it was counted in the published results.")


# ---- results and events ----------------------------------------------------------------------

class AreaResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    rule: str
    selected: list[str]
    cost: Kronor = Field(description="What the selected proposals cost together. " + KRONOR)
    cost_minor: Minor = Field(description=MINOR)
    left: Kronor = Field(description="What is left of the budget. " + KRONOR)
    left_minor: Minor = Field(description=MINOR)
    scores: dict[str, Any]
    reasons: dict[str, str] = Field(
        description="Why each proposal was funded or not, in words: Swedish with `?lang=sv`, "
                    "else English.")
    reason_codes: dict[str, dict[str, Any] | None] = Field(
        description="The same reasons as recorded: a code with its parameters (amounts in "
                    "minor units of `currency`, or of 10^-places when `places` is given; "
                    "counts; a tie with the tie-break; the projects it names; a note in the "
                    "municipality's own words). Null for a reason published before "
                    "reasons were codes that cannot be read as one (its words are in "
                    "`reasons`).")
    budget: Kronor
    budget_minor: Minor = Field(description=MINOR)
    ballots: int
    ballots_digest: str
    min_votes: int = Field(default=0, description="The ballots a proposal needed to be funded "
                                                  "(0: no minimum, as in results published "
                                                  "before pots had one).")
    excluded: dict[str, str] = Field(
        default_factory=dict, description="Winners the municipality excluded after the count, "
                                          "each with its reason; the rule was run again "
                                          "without them, so `selected` is the recount.")
    added: dict[str, str] = Field(
        default_factory=dict, description="Proposals funded outside the rule after the count, "
                                          "each with its reason; not in `selected` nor in "
                                          "`cost`.")


class WinnerExceptionIn(BaseModel):
    model_config = _example(kind="exclude", proposal="0b6c2f0e-5d55-4c1e-9a8e-0f3b2f7c1d11",
                            reason="Marken är förorenad; bygglov kan inte ges.")
    kind: Literal["exclude", "add"] = Field(
        description="exclude: a winner taken out (the rule runs again without it, so its money "
                    "goes to the next); add: a proposal funded outside the rule.")
    proposal: UUID
    reason: Reason = Field(description="Why; shown beside the rule's outcome on the results.")


class WinnerExceptionOut(BaseModel):
    kind: str
    area: str
    proposal_id: str
    reason: str
    actor: str
    at: datetime


def area_result_out(outcome: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """An area's published outcome (amounts in öre) as AreaResult's fields, the reasons in
    words in `lang` and as codes."""
    shown = dict(outcome)
    reasons = {pid: reason_json(value, lang)
               for pid, value in (outcome.get("reasons") or {}).items()}
    shown["reasons"] = {pid: reason["text"] for pid, reason in reasons.items()}
    shown["reason_codes"] = {pid: reason["code"] for pid, reason in reasons.items()}
    for name in ("cost", "left", "budget"):
        shown.update(money_out(name, outcome[name]))
    return shown


class ResultsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "published_at": "2027-05-17T09:00:00Z",
        "ballots_counted": 360, "ballots_digest": "5f0c…",
        "currency": "SEK",
        "areas": {"norr": {"rule": "greedy", "selected": ["0b6c2f0e-…"], "cost": 135000,
                           "cost_minor": 13500000, "left": 115000, "left_minor": 11500000,
                           "scores": {"0b6c2f0e-…": 210},
                           "reasons": {"0b6c2f0e-…": "selected"},
                           "reason_codes": {"0b6c2f0e-…": {"code": "selected"}},
                           "budget": 250000,
                           "budget_minor": 25000000, "ballots": 120,
                           "ballots_digest": "aa01…"}},
        "audit_head": "9c1e…", "audit_events": 412,
        "published_head": "77ab…", "published_events": 405}]})
    cycle_id: UUID
    published_at: datetime | None
    ballots_counted: int
    ballots_digest: str
    currency: str = Field(description="The ISO 4217 code of every amount of the results.")
    areas: dict[str, AreaResult]
    exceptions: list[WinnerExceptionOut] = Field(
        default_factory=list, description="Winners excluded or added after the count, in the "
                                          "order recorded (between the results and their "
                                          "adoption).")
    audit_head: str | None = Field(
        None, description="The head of the cycle's audit chain now (its events alone, in store "
                          "order): the manifest `head` of an audit export made now. Null "
                          "until the read models include the cycle's events (`?position=`).")
    audit_events: int | None = Field(None, description="How many events `audit_head` covers.")
    published_head: str | None = Field(
        None, description="The head of the chain up to and including the event that published "
                          "the results: `medborgarbudget audit verify FILE --expect-head` "
                          "checks an export against it.")
    published_events: int | None = Field(
        None, description="How many events `published_head` covers (the export's first ones).")


class EventOut(BaseModel):
    position: int
    topic: str
    originator_id: UUID
    originator_version: int
    timestamp: datetime
    data: dict[str, Any]


class EventsPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "events": [{"position": 1, "topic": "medborgarbudget:BudgetCycle.Created",
                    "originator_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11",
                    "originator_version": 1, "timestamp": "2026-11-23T09:00:00Z",
                    "data": {"name": "Medborgarbudget Nässjö 2027"}}],
        "next_after": 1}]})
    events: list[EventOut]
    next_after: int | None
    interim: bool = Field(False, description="The cycle is voting: ballot events show their "
                                             "area and channel, never their content.")


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok",
                                                               "store": "sqlite"}]})
    status: str
    store: str


class Readiness(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ready",
                                                               "lag_events": 0,
                                                               "lag_seconds": 0.0}]})
    status: str
    lag_events: int
    lag_seconds: float
