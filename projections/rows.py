"""The read models' rows: what the fold (projections/fold.py) builds from the events and the
store (projections/store.py) writes as JSON documents and table rows, and what the pages and
the API read back.

A key added after rows of its kind were stored is `NotRequired`: a row folded before it (and
not rebuilt since) lacks it, and its readers take the default the fold would have started
from. The documents events carry (areas, rules, results) are domain/documents.py's.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict, TypeGuard

from domain.audit import ChainState
from domain.documents import (
    AreaDocument,
    AssemblyRecord,
    Category,
    Evaluation,
    Place,
    SupportRoundDocument,
    SupportRoundOutcome,
    VotingRuleDocument,
)
from domain.json_values import json_object

# ---- the cycle's document (rm_cycles) ----------------------------------------------------------


class PhaseEntry(TypedDict):
    """A phase change, as the cycle's history lists it."""

    trigger: str
    from_phase: str
    to_phase: str
    at: str
    reason: str
    role: str


class WinnerException(TypedDict):
    kind: str  # "exclude" or "add"
    area: str
    proposal_id: str
    reason: str
    at: str


class IncompatiblePair(TypedDict):
    first: str
    second: str
    area: str
    reason: str
    at: str


class EvaluationEntry(TypedDict):
    evaluation: Evaluation
    at: str
    reason: str | None  # None: the first report, not a revision


class CycleRow(TypedDict):
    id: str
    name: str
    municipality: str
    predecessor_id: str | None
    created_at: str
    phase: str
    decision: AssemblyRecord | None
    areas: dict[str, AreaDocument]
    voting_rule: VotingRuleDocument | None
    allocation_rule: str
    score_threshold: int | None
    timeline: dict[str, str]
    history: list[PhaseEntry]
    categories: list[Category]
    proposals: dict[str, int]  # status -> how many of the cycle's proposals have it
    ballots: dict[str, int]  # area -> ballots cast
    results_published_at: str | None
    adoption: AssemblyRecord | None
    evaluation: Evaluation | None
    # The cycle's audit chain (domain/audit.py); absent from a cycle folded before the chain
    # existed, until the read models are rebuilt.
    audit: NotRequired[ChainState]
    currency: str | None  # None: created before cycles recorded theirs
    allow_ballot_changes: NotRequired[bool]
    support_round: NotRequired[SupportRoundDocument | None]
    support_outcome: NotRequired[SupportRoundOutcome]
    ballots_digest: NotRequired[str | None]
    winner_exceptions: NotRequired[list[WinnerException]]
    incompatible: NotRequired[list[IncompatiblePair]]
    evaluation_history: NotRequired[list[EvaluationEntry]]


# ---- a proposal's document (rm_proposals) ------------------------------------------------------

# A step of a proposal's way, as its page lists it: what happened (`step`), when, and what each
# kind of step adds ("from": the proposal a merge undone was merged into).
Step = TypedDict("Step", {
    "step": str, "at": str, "feasible": NotRequired[bool],
    "official_cost": NotRequired[int | None], "reason": NotRequired[str],
    "into": NotRequired[str], "from": NotRequired[str], "percent": NotRequired[int],
    "note": NotRequired[str], "spent": NotRequired[int],
    "explanation": NotRequired[str | None],
})
# What a step adds to its `step` and `at`.
StepDetails = TypedDict("StepDetails", {
    "feasible": bool, "official_cost": int | None, "reason": str, "into": str, "from": str,
    "percent": int, "note": str, "spent": int, "explanation": str | None,
}, total=False)


class ProgressEntry(TypedDict):
    percent: int
    note: str
    spent: int
    at: str
    explanation: str | None


class PictureEntry(TypedDict):
    digest: str
    alt: str
    width: int
    height: int
    widths: list[int]
    media_type: str


class Hidden(TypedDict):
    """Why and when a moderator hid an item (ADR 0024)."""

    reason: str
    at: str


class ProposalRow(TypedDict):
    id: str
    cycle_id: str
    area: str
    title: str
    description: str
    estimated_cost: int
    official_cost: int | None
    category: str
    place: Place | None
    status: str
    submitted_at: str
    steps: list[Step]
    progress: list[ProgressEntry]
    merged_into: str | None
    review_reason: NotRequired[str]
    supports: NotRequired[int]
    reports: NotRequired[int]
    hidden: NotRequired[Hidden | None]
    pictures: NotRequired[list[PictureEntry]]


# ---- comments (rm_comments) --------------------------------------------------------------------

class CommentRow(TypedDict):
    id: str
    cycle_id: str
    proposal_id: str
    parent_id: str | None
    text: str
    by_proposer: bool
    at: str
    reports: int
    hidden: Hidden | None


class CommentThread(CommentRow):
    """A top-level comment with its replies, oldest first."""

    replies: list[CommentRow]


class ReportedItem(TypedDict):
    """An item on the moderators' queue."""

    kind: str  # "comment" or "proposal"
    id: str
    proposal_id: str
    text: str
    reports: int


# ---- table rows --------------------------------------------------------------------------------

class StoredResult(TypedDict):
    """A row of rm_results as the store reads it back (of one cycle)."""

    area: str
    proposal_id: str
    title: str
    cost: int
    score: str
    selected: bool
    rank: int | None
    reason: str


class ResultRow(StoredResult):
    """A row of rm_results as the fold builds it."""

    cycle_id: str


class TurnoutRow(TypedDict):
    area: str
    channel: str
    day: str
    age_band: str
    ballots: int


# ---- documents read back -----------------------------------------------------------------------

def _is_row(value: object, keys: frozenset[str]) -> bool:
    return keys <= json_object(value, "a stored read model").keys()


def is_cycle_row(value: object) -> TypeGuard[CycleRow]:
    """Whether a parsed document is a cycle's: the fold wrote it (`_dump` of a CycleRow); a
    document of an older fold lacks only keys that are NotRequired."""
    return _is_row(value, _CYCLE_KEYS)


def is_proposal_row(value: object) -> TypeGuard[ProposalRow]:
    return _is_row(value, _PROPOSAL_KEYS)


def is_comment_row(value: object) -> TypeGuard[CommentRow]:
    return _is_row(value, _COMMENT_KEYS)


# What identifies each document, present in every one ever written.
_CYCLE_KEYS = frozenset({"id", "name", "phase", "created_at"})
_PROPOSAL_KEYS = frozenset({"id", "cycle_id", "area", "title", "status"})
_COMMENT_KEYS = frozenset({"id", "cycle_id", "proposal_id", "parent_id"})
