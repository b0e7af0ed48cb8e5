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
from typing import ClassVar, Final, TypeVar, dataclass_transform

from domain.documents import (
    AreaDocument,
    AssemblyRecord,
    Category,
    Configuration,
    Evaluation,
    Place,
    PotCapDocument,
    Results,
    SupportRoundDocument,
    SupportRoundOutcome,
    VotingRuleDocument,
)

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


@dataclass_transform(kw_only_default=True, frozen_default=True)
class Payload:
    """The fields of one kind of event, a frozen keyword-only dataclass. A kind names its topic
    as a class argument (`class AreaRemoved(Acted, topic=CYCLE + ".AreaRemoved")`): `TOPIC` is
    that string, `NAME` its last part (the event class's name in its aggregate), `VERSION` the
    version of its class that the code records (`version=2`; 1 when not given). A class
    without a topic gathers fields that several kinds share."""

    TOPIC: ClassVar[str]
    VERSION: ClassVar[int] = 1
    NAME: ClassVar[str]

    def __init_subclass__(cls, *, topic: str | None = None, version: int = 1,
                          **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if topic is not None:
            cls.TOPIC, cls.NAME, cls.VERSION = topic, topic.rpartition(".")[2], version
        dataclass(frozen=True, kw_only=True)(cls)


class Acted(Payload):
    """Done by a person (`actor`: a role and an id, never a resident's identity) at `at`."""

    actor: str
    at: datetime


class Explained(Acted):
    """Done with a reason, which is recorded for the residents and the auditors."""

    reason: str


class OfCycle(Payload):
    """The event creating an aggregate that belongs to one cycle (`originator_topic` is the
    library's)."""

    originator_topic: str
    cycle_id: str


# ---- the budget cycle ---------------------------------------------------------------------

class CycleCreated(Acted, topic=CYCLE + ".Created", version=2):
    originator_topic: str
    name: str
    municipality: str
    predecessor_id: str | None
    configuration: Configuration | None
    pseudonyms: str = GLOBAL_PSEUDONYMS  # cycles created before per-cycle pseudonyms
    currency: str | None = None  # created before cycles recorded one


class DecisionRecorded(Acted, topic=CYCLE + ".DecisionRecorded"):
    decision: AssemblyRecord


class AreaDefined(Acted):
    """An area as configured (domain/areas.py: `Area.to_dict`)."""

    area: AreaDocument


class AreaAdded(AreaDefined, topic=CYCLE + ".AreaAdded", version=2):
    pass


class AreaChanged(AreaDefined, topic=CYCLE + ".AreaChanged", version=2):
    pass


class AreaRemoved(Acted, topic=CYCLE + ".AreaRemoved"):
    area_id: str


class VotingRuleSet(Acted, topic=CYCLE + ".VotingRuleSet", version=2):
    rule: VotingRuleDocument
    allow_ballot_changes: bool


class AllocationRuleSet(Acted, topic=CYCLE + ".AllocationRuleSet"):
    rule: str
    threshold: int | None
    tie_break: str = LOWER_COST_FIRST  # stored before the tie-break could be chosen


class CategoriesSet(Acted, topic=CYCLE + ".CategoriesSet"):
    """The cycle's list of proposal categories (domain/categories.py), each an id and a name."""

    categories: list[Category]


class SupportRoundSet(Acted, topic=CYCLE + ".SupportRoundSet"):
    """The support round's rules (domain/support_round.py), or None: no support round."""

    support_round: SupportRoundDocument | None


class PotCapSet(Acted, topic=CYCLE + ".PotCapSet"):
    """The cap on pots per voter (domain/pot_cap.py): `max_pots` and the `uncounted` areas, or
    None: no cap (ADR 0025)."""

    pot_cap: PotCapDocument | None


class TimelineSet(Acted, topic=CYCLE + ".TimelineSet"):
    timeline: dict[str, str]


class PhaseMove(Explained):
    """A trigger fired: the cycle went from one phase to the next."""

    trigger: str
    from_phase: str
    to_phase: str


class PhaseChanged(PhaseMove, topic=CYCLE + ".PhaseChanged"):
    pass


class SupportRoundClosed(PhaseMove, topic=CYCLE + ".SupportRoundClosed"):
    """The phase change that ends the support round, with its outcome: which proposals go on
    to the vote."""

    outcome: SupportRoundOutcome


class ResultsPublished(PhaseMove, topic=CYCLE + ".ResultsPublished", version=2):
    results: Results


class AdoptionRecorded(Acted, topic=CYCLE + ".AdoptionRecorded"):
    adoption: AssemblyRecord


class InArea(Payload):
    """About one area of the cycle (its id)."""

    area: str


class ProposalsMarkedIncompatible(Explained, InArea,
                                  topic=CYCLE + ".ProposalsMarkedIncompatible"):
    """Two proposals of one area that exclude each other (ADR 0021): `first` < `second`."""

    first: str
    second: str


class WinnersAmended(Explained, InArea, topic=CYCLE + ".WinnersAmended"):
    """A winner excluded or a proposal added after the count (`kind`: exclude or add), with
    the results recounted with every exception so far (ADR 0021)."""

    kind: str
    proposal_id: str
    results: Results


class Evaluated(Acted):
    """The evaluation report as it stands from this event on."""

    evaluation: Evaluation


class EvaluationRecorded(Evaluated, topic=CYCLE + ".EvaluationRecorded"):
    pass


class EvaluationRevised(Evaluated, Explained, topic=CYCLE + ".EvaluationRevised"):
    pass


class PaperBallotsEntered(Acted, InArea, topic=CYCLE + ".PaperBallotsEntered"):
    station: str
    count: int  # the ballots of the station's box for the area


# ---- proposals ----------------------------------------------------------------------------

class ProposalSubmitted(OfCycle, topic=PROPOSAL + ".Submitted", version=2):
    area: str
    title: str
    description: str
    estimated_cost: int
    category: str
    place: Place | None
    proposer: str
    at: datetime
    source: dict[str, str] | None = None  # submitted before imports kept their source


class ProposalReviewed(Explained, topic=PROPOSAL + ".Reviewed", version=2):
    feasible: bool
    official_cost: int | None


class MergedInto(Explained):
    into: str  # the proposal it was merged into


class ProposalMerged(MergedInto, topic=PROPOSAL + ".Merged"):
    pass


class MergeUndone(MergedInto, topic=PROPOSAL + ".MergeUndone"):
    status: str  # the status the proposal had before the merge, which it takes again


class ProposalWithdrawn(Explained, topic=PROPOSAL + ".Withdrawn"):
    pass


class Spending(Acted):
    """What a project has cost so far (`spent`, minor units), with a note and, where the rules
    ask for one, an explanation."""

    note: str
    spent: int
    explanation: str | None = None  # reported before explanations existed


class ProgressReported(Spending, topic=PROPOSAL + ".ProgressReported", version=2):
    percent: int


class ProjectCompleted(Spending, topic=PROPOSAL + ".Completed", version=2):
    pass


class ProjectAbandoned(Explained, topic=PROPOSAL + ".Abandoned"):
    pass


class Support(Payload):
    """`supporter`: the resident's pseudonym, never who they are."""

    supporter: str
    at: datetime


class ProposalSupported(Support, topic=PROPOSAL + ".Supported"):
    pass


class SupportWithdrawn(Support, topic=PROPOSAL + ".SupportWithdrawn"):
    pass


class PictureAdded(Payload, topic=PROPOSAL + ".PictureAdded"):
    """A picture the proposer added (ADR 0030): `digest` names its re-encoded bytes, kept
    outside the log; `widths` the sizes stored, `width`/`height` the largest one's."""

    digest: str
    alt: str
    media_type: str
    width: int
    height: int
    widths: list[int]
    size: int
    at: datetime


class PictureRemoved(Explained, topic=PROPOSAL + ".PictureRemoved"):
    """A moderator or administrator took a picture down, with the reason; its bytes are
    erased from the picture store."""

    digest: str


class PictureWithdrawn(Payload, topic=PROPOSAL + ".PictureWithdrawn"):
    """The proposer took a picture of their own proposal back; its bytes are erased from the
    picture store. No reason is asked of them, and no one but the proposer may."""

    digest: str
    at: datetime


# ---- ballots and the stations' rolls ------------------------------------------------------

class Choices(Payload):
    """What a ballot chooses: its selections, with points where the voting rule gives some."""

    selections: list[str]
    points: list[int] | None
    at: datetime | None
    day: str | None = None


class BallotChanged(Choices, topic=BALLOT + ".Changed"):
    pass


class BallotCast(OfCycle, Choices, topic=BALLOT + ".Cast"):
    """Ballots stored before ADR 0004's revision carry `at` (to the microsecond) and an age
    band; later ones `at` None, the day and a receipt digest."""

    area: str
    voter: str | None
    channel: str
    station: str | None
    age_band: str | None = None
    receipt: str | None = None

    @property
    def cast_on(self) -> str:
        """The day the ballot was cast (YYYY-MM-DD), from either form."""
        if self.day:
            return self.day
        return self.at.isoformat()[:10] if self.at is not None else ""


class RollMarked(OfCycle, topic=ROLL_MARK + ".Marked"):
    area: str
    voter: str
    station: str
    day: str


class PotPlaceTaken(OfCycle, topic=POT_PLACE + ".Taken"):
    """One of a voter's places under the cap, taken by their ballot or roll mark in `area`;
    `voter` is their pseudonym in the cycle, as on the ballot (ADR 0025)."""

    voter: str
    number: int
    area: str


# ---- comments and their moderation (ADR 0024) ----------------------------------------------

class CommentPosted(OfCycle, topic=COMMENT + ".Posted"):
    """`author`: the resident's per-cycle pseudonym; `parent_id` the comment replied to."""

    proposal_id: str
    parent_id: str | None
    text: str
    author: str
    by_proposer: bool
    at: datetime


class ModeratedItem(Payload):
    """The comment (or other item, by `item_kind`) a moderation case is about."""

    cycle_id: str
    item_id: str
    item_kind: str
    at: datetime


class ModerationOpened(ModeratedItem, topic=MODERATION + ".Opened"):
    originator_topic: str


class ItemReported(ModeratedItem, topic=MODERATION + ".Reported"):
    """`reporter`: the resident's per-cycle pseudonym."""

    reporter: str


class ItemHidden(ModeratedItem, Explained, topic=MODERATION + ".Hidden"):
    pass


PAYLOADS: Final[tuple[type[Payload], ...]] = (
    CycleCreated, DecisionRecorded, AreaAdded, AreaChanged, AreaRemoved, VotingRuleSet,
    AllocationRuleSet, CategoriesSet, SupportRoundSet, PotCapSet, TimelineSet, PhaseChanged,
    SupportRoundClosed, ResultsPublished, ProposalsMarkedIncompatible, WinnersAmended,
    AdoptionRecorded, EvaluationRecorded, EvaluationRevised, PaperBallotsEntered,
    ProposalSubmitted, ProposalReviewed, ProposalMerged, MergeUndone, ProposalWithdrawn,
    ProgressReported, ProjectCompleted, ProjectAbandoned, ProposalSupported, SupportWithdrawn,
    PictureAdded, PictureRemoved, PictureWithdrawn, BallotCast, BallotChanged, RollMarked,
    PotPlaceTaken, CommentPosted, ModerationOpened, ItemReported, ItemHidden,
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


def payload_as(payload: type[P], data: Mapping[str, object]) -> P:
    """`data`, the attributes of an event decoded by the library's mapper (at the current
    version, beside the envelope), as its typed payload; raises LayoutMismatch when a required
    field is missing."""
    names = field_names(payload)
    present = {k: v for k, v in data.items() if k in names}
    check_layout(payload, present.keys())
    return payload(**present)


def payload_of(topic: str, data: Mapping[str, object]) -> Payload:
    """`payload_as` for the payload the schema gives `topic`."""
    return payload_as(SCHEMA[topic], data)
