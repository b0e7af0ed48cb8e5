"""Every event the domain records: its topic, written here once, and its payload's fields.

The aggregates (domain/cycle.py, domain/proposal.py, domain/ballot.py) pin their events to
these topics; the projections' fold, the fast ballot decoder, the cycle index and the audit
export name events by them. A topic is what the store keeps beside each event, so each string
here must stay byte-identical to what existing databases hold: rename a class freely, never a
topic.

Each payload is a frozen dataclass with the fields the library stores for the event (beside
the library's own `originator_id`, `originator_version` and `timestamp`), in the types the
aggregate records them with. `VERSION` is the event class's version (ADR 0014: events stored
in whole kronor are version 1, upcast when read); a field added after events of a kind were
stored has a default, which is what an older event means (ADR 0018).

Nothing here imports the event-sourcing library, so the recorders may use it without loading
the domain's aggregates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final, TypeVar

PREFIX: Final = "medborgarbudget:"

# The aggregates, whose topics prefix their events' topics.
CYCLE: Final = PREFIX + "BudgetCycle"
PROPOSAL: Final = PREFIX + "Proposal"
BALLOT: Final = PREFIX + "Ballot"
ROLL_MARK: Final = PREFIX + "RollMark"
COMMENT: Final = PREFIX + "Comment"
MODERATION: Final = PREFIX + "Moderation"
AGGREGATES: Final = (CYCLE, PROPOSAL, BALLOT, ROLL_MARK, COMMENT, MODERATION)
# Every event of these aggregates belongs to one cycle (its own, a proposal's, a ballot's, a
# roll mark's, a comment's or a moderation case's): the cycle's history, its audit chain and its
# index.
MEMBER_PREFIXES: Final = tuple(aggregate + "." for aggregate in AGGREGATES)
# A voter's places under a cycle's cap on pots (domain/pot_cap.py, ADR 0025): read by id only,
# never as part of a cycle's history, so not members of the cycle index.
POT_PLACE: Final = PREFIX + "PotPlace"
OTHER_AGGREGATES: Final = (POT_PLACE,)

# Creation events the library defines for every aggregate, never recorded here (each of these
# aggregates is created by an event of its own name), but pinned so no class goes unpinned.
NEVER_RECORDED: Final = frozenset({
    PROPOSAL + ".Created", BALLOT + ".Created", ROLL_MARK + ".Created", COMMENT + ".Created",
    MODERATION + ".Created", POT_PLACE + ".Created",
})

# The defaults of fields added later, as the events stored before them mean.
GLOBAL_PSEUDONYMS: Final = "global"  # domain.pseudonym.GLOBAL
LOWER_COST_FIRST: Final = "lower-cost"  # domain.allocation.election.DEFAULT_TIE_BREAK


class Payload:
    """The fields of one kind of event. `TOPIC` names it in the store; `VERSION` is the
    version of its class that the code records."""

    TOPIC: ClassVar[str]
    VERSION: ClassVar[int] = 1
    NAME: ClassVar[str]  # the event class's name in its aggregate (`BudgetCycle.Created`)


# ---- the budget cycle ---------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CycleCreated(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".Created"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "Created"
    originator_topic: str
    name: str
    municipality: str
    actor: str
    at: datetime
    predecessor_id: str | None
    configuration: dict[str, Any] | None
    pseudonyms: str = GLOBAL_PSEUDONYMS  # cycles created before per-cycle pseudonyms
    currency: str | None = None  # created before cycles recorded one


@dataclass(frozen=True, kw_only=True)
class DecisionRecorded(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".DecisionRecorded"
    NAME: ClassVar[str] = "DecisionRecorded"
    decision: dict[str, str]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AreaAdded(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".AreaAdded"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "AreaAdded"
    area: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AreaChanged(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".AreaChanged"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "AreaChanged"
    area: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AreaRemoved(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".AreaRemoved"
    NAME: ClassVar[str] = "AreaRemoved"
    area_id: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class VotingRuleSet(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".VotingRuleSet"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "VotingRuleSet"
    rule: dict[str, Any]
    allow_ballot_changes: bool
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class AllocationRuleSet(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".AllocationRuleSet"
    NAME: ClassVar[str] = "AllocationRuleSet"
    rule: str
    threshold: int | None
    actor: str
    at: datetime
    tie_break: str = LOWER_COST_FIRST  # stored before the tie-break could be chosen


@dataclass(frozen=True, kw_only=True)
class CategoriesSet(Payload):
    """The cycle's list of proposal categories (domain/categories.py), each an id and a name."""

    TOPIC: ClassVar[str] = CYCLE + ".CategoriesSet"
    NAME: ClassVar[str] = "CategoriesSet"
    categories: list[dict[str, str]]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class SupportRoundSet(Payload):
    """The support round's rules (domain/support_round.py), or None: no support round."""

    TOPIC: ClassVar[str] = CYCLE + ".SupportRoundSet"
    NAME: ClassVar[str] = "SupportRoundSet"
    support_round: dict[str, Any] | None
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class PotCapSet(Payload):
    """The cap on pots per voter (domain/pot_cap.py): `max_pots` and the `uncounted` areas, or
    None: no cap (ADR 0025)."""

    TOPIC: ClassVar[str] = CYCLE + ".PotCapSet"
    NAME: ClassVar[str] = "PotCapSet"
    pot_cap: dict[str, Any] | None
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class TimelineSet(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".TimelineSet"
    NAME: ClassVar[str] = "TimelineSet"
    timeline: dict[str, str]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class PhaseChanged(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".PhaseChanged"
    NAME: ClassVar[str] = "PhaseChanged"
    trigger: str
    from_phase: str
    to_phase: str
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class SupportRoundClosed(Payload):
    """The phase change that ends the support round, with its outcome: which proposals go on
    to the vote."""

    TOPIC: ClassVar[str] = CYCLE + ".SupportRoundClosed"
    NAME: ClassVar[str] = "SupportRoundClosed"
    trigger: str
    from_phase: str
    to_phase: str
    actor: str
    reason: str
    at: datetime
    outcome: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ResultsPublished(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".ResultsPublished"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "ResultsPublished"
    trigger: str
    from_phase: str
    to_phase: str
    actor: str
    reason: str
    at: datetime
    results: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class AdoptionRecorded(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".AdoptionRecorded"
    NAME: ClassVar[str] = "AdoptionRecorded"
    adoption: dict[str, str]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProposalsMarkedIncompatible(Payload):
    """Two proposals of one area that exclude each other (ADR 0021): `first` < `second`."""

    TOPIC: ClassVar[str] = CYCLE + ".ProposalsMarkedIncompatible"
    NAME: ClassVar[str] = "ProposalsMarkedIncompatible"
    first: str
    second: str
    area: str
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class WinnersAmended(Payload):
    """A winner excluded or a proposal added after the count (`kind`: exclude or add), with
    the results recounted with every exception so far (ADR 0021)."""

    TOPIC: ClassVar[str] = CYCLE + ".WinnersAmended"
    NAME: ClassVar[str] = "WinnersAmended"
    kind: str
    area: str
    proposal_id: str
    reason: str
    actor: str
    at: datetime
    results: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class EvaluationRecorded(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".EvaluationRecorded"
    NAME: ClassVar[str] = "EvaluationRecorded"
    evaluation: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EvaluationRevised(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".EvaluationRevised"
    NAME: ClassVar[str] = "EvaluationRevised"
    evaluation: dict[str, Any]
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class PaperBallotsEntered(Payload):
    TOPIC: ClassVar[str] = CYCLE + ".PaperBallotsEntered"
    NAME: ClassVar[str] = "PaperBallotsEntered"
    area: str
    station: str
    count: int
    actor: str
    at: datetime


# ---- proposals ----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ProposalSubmitted(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Submitted"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "Submitted"
    originator_topic: str
    cycle_id: str
    area: str
    title: str
    description: str
    estimated_cost: int
    category: str
    place: dict[str, Any] | None
    proposer: str
    at: datetime
    source: dict[str, str] | None = None  # submitted before imports kept their source


@dataclass(frozen=True, kw_only=True)
class ProposalReviewed(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Reviewed"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "Reviewed"
    feasible: bool
    official_cost: int | None
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProposalMerged(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Merged"
    NAME: ClassVar[str] = "Merged"
    into: str
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class MergeUndone(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".MergeUndone"
    NAME: ClassVar[str] = "MergeUndone"
    into: str
    reason: str
    status: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProposalWithdrawn(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Withdrawn"
    NAME: ClassVar[str] = "Withdrawn"
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProgressReported(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".ProgressReported"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "ProgressReported"
    percent: int
    note: str
    spent: int
    actor: str
    at: datetime
    explanation: str | None = None  # reported before explanations existed


@dataclass(frozen=True, kw_only=True)
class ProjectCompleted(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Completed"
    VERSION: ClassVar[int] = 2
    NAME: ClassVar[str] = "Completed"
    note: str
    spent: int
    actor: str
    at: datetime
    explanation: str | None = None  # completed before explanations existed


@dataclass(frozen=True, kw_only=True)
class ProjectAbandoned(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".Abandoned"
    NAME: ClassVar[str] = "Abandoned"
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProposalSupported(Payload):
    """`supporter`: the resident's pseudonym, never who they are."""

    TOPIC: ClassVar[str] = PROPOSAL + ".Supported"
    NAME: ClassVar[str] = "Supported"
    supporter: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class SupportWithdrawn(Payload):
    TOPIC: ClassVar[str] = PROPOSAL + ".SupportWithdrawn"
    NAME: ClassVar[str] = "SupportWithdrawn"
    supporter: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class PictureAdded(Payload):
    """A picture the proposer added (ADR 0030): `digest` names its re-encoded bytes, kept
    outside the log; `widths` the sizes stored, `width`/`height` the largest one's."""

    TOPIC: ClassVar[str] = PROPOSAL + ".PictureAdded"
    NAME: ClassVar[str] = "PictureAdded"
    digest: str
    alt: str
    media_type: str
    width: int
    height: int
    widths: list[int]
    size: int
    at: datetime


@dataclass(frozen=True, kw_only=True)
class PictureRemoved(Payload):
    """A moderator or administrator took a picture down, with the reason; its bytes are
    erased from the picture store."""

    TOPIC: ClassVar[str] = PROPOSAL + ".PictureRemoved"
    NAME: ClassVar[str] = "PictureRemoved"
    digest: str
    reason: str
    actor: str
    at: datetime


# ---- ballots and the stations' rolls ------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BallotCast(Payload):
    """Ballots stored before ADR 0004's revision carry `at` (to the microsecond) and an age
    band; later ones `at` None, the day and a receipt digest."""

    TOPIC: ClassVar[str] = BALLOT + ".Cast"
    NAME: ClassVar[str] = "Cast"
    originator_topic: str
    cycle_id: str
    area: str
    voter: str | None
    selections: list[str]
    points: list[int] | None
    channel: str
    station: str | None
    at: datetime | None
    age_band: str | None = None
    day: str | None = None
    receipt: str | None = None

    @property
    def cast_on(self) -> str:
        """The day the ballot was cast (YYYY-MM-DD), from either form."""
        if self.day:
            return self.day
        return self.at.isoformat()[:10] if self.at is not None else ""


@dataclass(frozen=True, kw_only=True)
class BallotChanged(Payload):
    TOPIC: ClassVar[str] = BALLOT + ".Changed"
    NAME: ClassVar[str] = "Changed"
    selections: list[str]
    points: list[int] | None
    at: datetime | None
    day: str | None = None


@dataclass(frozen=True, kw_only=True)
class RollMarked(Payload):
    TOPIC: ClassVar[str] = ROLL_MARK + ".Marked"
    NAME: ClassVar[str] = "Marked"
    originator_topic: str
    cycle_id: str
    area: str
    voter: str
    station: str
    day: str


@dataclass(frozen=True, kw_only=True)
class PotPlaceTaken(Payload):
    """One of a voter's places under the cap, taken by their ballot or roll mark in `area`;
    `voter` is their pseudonym in the cycle, as on the ballot (ADR 0025)."""

    TOPIC: ClassVar[str] = POT_PLACE + ".Taken"
    NAME: ClassVar[str] = "Taken"
    originator_topic: str
    cycle_id: str
    voter: str
    number: int
    area: str


# ---- comments and their moderation (ADR 0024) ----------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CommentPosted(Payload):
    """`author`: the resident's per-cycle pseudonym; `parent_id` the comment replied to."""

    TOPIC: ClassVar[str] = COMMENT + ".Posted"
    NAME: ClassVar[str] = "Posted"
    originator_topic: str
    cycle_id: str
    proposal_id: str
    parent_id: str | None
    text: str
    author: str
    by_proposer: bool
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ModerationOpened(Payload):
    TOPIC: ClassVar[str] = MODERATION + ".Opened"
    NAME: ClassVar[str] = "Opened"
    originator_topic: str
    cycle_id: str
    item_id: str
    item_kind: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ItemReported(Payload):
    """`reporter`: the resident's per-cycle pseudonym."""

    TOPIC: ClassVar[str] = MODERATION + ".Reported"
    NAME: ClassVar[str] = "Reported"
    cycle_id: str
    item_id: str
    item_kind: str
    reporter: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ItemHidden(Payload):
    TOPIC: ClassVar[str] = MODERATION + ".Hidden"
    NAME: ClassVar[str] = "Hidden"
    cycle_id: str
    item_id: str
    item_kind: str
    reason: str
    actor: str
    at: datetime


PAYLOADS: Final[tuple[type[Payload], ...]] = (
    CycleCreated, DecisionRecorded, AreaAdded, AreaChanged, AreaRemoved, VotingRuleSet,
    AllocationRuleSet, CategoriesSet, SupportRoundSet, PotCapSet, TimelineSet, PhaseChanged,
    SupportRoundClosed, ResultsPublished, ProposalsMarkedIncompatible, WinnersAmended,
    AdoptionRecorded, EvaluationRecorded, EvaluationRevised, PaperBallotsEntered,
    ProposalSubmitted, ProposalReviewed, ProposalMerged, MergeUndone, ProposalWithdrawn,
    ProgressReported, ProjectCompleted, ProjectAbandoned, ProposalSupported, SupportWithdrawn,
    PictureAdded, PictureRemoved, BallotCast, BallotChanged, RollMarked, PotPlaceTaken,
    CommentPosted, ModerationOpened, ItemReported, ItemHidden,
)
SCHEMA: Final[Mapping[str, type[Payload]]] = {payload.TOPIC: payload for payload in PAYLOADS}

# The events that create each member of a cycle (at originator version 1).
CREATIONS: Final = (CycleCreated.TOPIC, ProposalSubmitted.TOPIC, BallotCast.TOPIC,
                    RollMarked.TOPIC, CommentPosted.TOPIC, ModerationOpened.TOPIC)
BALLOT_TOPICS: Final = (BallotCast.TOPIC, BallotChanged.TOPIC)


def aggregate_of(topic: str) -> str:
    """The aggregate an event topic belongs to (`medborgarbudget:Proposal`)."""
    return topic.rpartition(".")[0]


def is_member_event(topic: str) -> bool:
    return topic.startswith(MEMBER_PREFIXES)


@dataclass(frozen=True)
class Field:
    name: str
    required: bool  # no default: every stored event of the kind has it


_FIELDS: dict[type[Payload], tuple[Field, ...]] = {}  # read for every event folded


def fields_of(payload: type[Payload]) -> tuple[Field, ...]:
    found = _FIELDS.get(payload)
    if found is None:
        found = _FIELDS[payload] = tuple(
            Field(f.name, f.default is dataclasses.MISSING
                  and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(payload))  # type: ignore[arg-type]
    return found


_NAMES: dict[tuple[type[Payload], bool], frozenset[str]] = {}


def field_names(payload: type[Payload]) -> frozenset[str]:
    return _names(payload, required_only=False)


def required_names(payload: type[Payload]) -> frozenset[str]:
    return _names(payload, required_only=True)


def _names(payload: type[Payload], *, required_only: bool) -> frozenset[str]:
    found = _NAMES.get((payload, required_only))
    if found is None:
        found = _NAMES[payload, required_only] = frozenset(
            f.name for f in fields_of(payload) if f.required or not required_only)
    return found


class LayoutMismatch(ValueError):
    """Stored data that does not have the fields the schema gives its event."""


def check_layout(payload: type[Payload], names: AbstractSet[str]) -> None:
    """Refuse data whose field names (the library's envelope taken out) are not those of
    `payload`: a field the schema does not know, or a required one missing."""
    unknown = names - field_names(payload)
    missing = required_names(payload) - names
    if unknown or missing:
        raise LayoutMismatch(
            f"{payload.TOPIC}: fields not in the schema {sorted(unknown)}, required fields "
            f"missing {sorted(missing)}")


P = TypeVar("P", bound=Payload)


def payload_as(payload: type[P], data: Mapping[str, Any]) -> P:
    """`data`, the attributes of an event decoded by the library's mapper (at the current
    version, beside the envelope), as its typed payload; raises LayoutMismatch when a required
    field is missing."""
    names = field_names(payload)
    present = {k: v for k, v in data.items() if k in names}
    check_layout(payload, present.keys())
    return payload(**present)


def payload_of(topic: str, data: Mapping[str, Any]) -> Payload:
    """`payload_as` for the payload the schema gives `topic`."""
    return payload_as(SCHEMA[topic], data)
