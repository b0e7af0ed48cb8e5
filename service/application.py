"""The application service: the one object every channel (API, pages, CLI) talks to.

It is assembled from three parts, each in a module of its own:

- service/commands.py: the commands of administrators, reviewers and proposers, each a frozen
  dataclass carried out by `execute`, whose `Outcome` tells the log position it wrote;
- service/queries.py: the aggregates as they are now, the cycle's members, the tally;
- service/ballot_intake.py (`ballots`): every ballot, roll mark and paper box (ADR 0013).

The verbs below (`create_cycle`, `trigger`, ...) are the commands' short forms for code that
needs only the answer, not the position (the demo, the Pabulib import, tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID

from domain.cycle_tally import CountedBallot
from domain.errors import InvalidInput
from domain.identity import parse_identity
from domain.phases import Phase
from domain.pseudonym import cycle_pseudonym
from projections.stored_ballot import reads_plain_json
from service.ballot_intake import BallotIntake
from service.commands import (
    AbandonProposal,
    AddArea,
    AmendWinners,
    ChangeArea,
    Commands,
    CompleteProposal,
    CreateCycle,
    FireTrigger,
    MarkIncompatible,
    MergeProposal,
    RecordAdoption,
    RecordDecision,
    RecordEvaluation,
    RemoveArea,
    ReportProgress,
    ReviewProposal,
    SetAllocationRule,
    SetCategories,
    SetPotCap,
    SetTimeline,
    SetVotingRule,
    SubmitProposal,
    UndoMerge,
    WithdrawProposal,
)
from service.config import PERSONNUMMER
from service.cycle_index import cycle_from_mapper, cycle_index
from service.picture_blobs import PictureBlobs, open_picture_blobs
from service.queries import (
    BALLOT_CAST,
    BALLOT_CHANGED,
    CYCLE_CREATED,
    PAGE,
    PROPOSAL_SUBMITTED,
    ROLL_MARKED,
)

# Where other modules have long imported them from.
__all__ = ["BALLOT_CAST", "BALLOT_CHANGED", "CYCLE_CREATED", "PAGE", "PROPOSAL_SUBMITTED",
           "ROLL_MARKED", "Medborgarbudget", "actor_of"]


def actor_of(role: str, subject: str) -> str:
    return f"{role}:{subject}"


class Medborgarbudget(Commands):
    name = "Medborgarbudget"
    # Aggregates are kept in memory and brought up to date with one query for the events stored
    # since (by any process); commands get a copy (the library's default), readers may share.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "1000"}

    def __init__(self, secret: bytes, env: Mapping[str, str] | None = None,
                 identities: str = PERSONNUMMER) -> None:
        super().__init__(env=env)
        self._secret = secret
        # The event store's index of each cycle's aggregates and events (ADR 0015).
        self.cycle_index = cycle_index(self.recorder)
        if not reads_plain_json(self.mapper):  # encrypted or compressed: only the mapper reads
            self.cycle_index.cycle_of = cycle_from_mapper(self.mapper)
        self.ballots = BallotIntake(self, secret, identities)
        self._cycles_lock = threading.Lock()
        self._cycles_created = []
        self._cycles_read_to = 0
        self._picture_blobs: PictureBlobs | None = None
        self._picture_blobs_lock = threading.Lock()

    @property
    def picture_blobs(self) -> PictureBlobs:
        """The pictures' bytes beside this event store (ADR 0030), opened when first used:
        most processes (the projector, the command line) never touch a picture."""
        with self._picture_blobs_lock:
            if self._picture_blobs is None:
                self._picture_blobs = open_picture_blobs(self.env)
            return self._picture_blobs

    def resident_pseudonym(self, cycle_id: str | UUID, identity: str, purpose: str) -> str:
        """A resident's pseudonym in one cycle for `purpose` (commenting, reporting): linked
        neither to their ballot nor to their other cycles (ADR 0024)."""
        with contextlib.suppress(InvalidInput):
            identity = parse_identity(identity, datetime.now(UTC).date()).canonical
        return cycle_pseudonym(self._secret, str(cycle_id), identity, purpose)

    def close(self) -> None:
        self.ballots.close()
        if self._picture_blobs is not None:
            self._picture_blobs.close()
        super().close()

    def keyed_digest(self, purpose: str, text: str | bytes) -> str:
        """A hash of `text` keyed by the deployment secret: nobody without the secret can
        test a guess of what went in (idempotency records, ADR 0008)."""
        data = text.encode() if isinstance(text, str) else text
        return hmac.new(self._secret, purpose.encode() + b"\x1f" + data,
                        hashlib.sha256).hexdigest()

    # ---- the commands' short forms -------------------------------------------------------

    def create_cycle(self, name: str, municipality: str, actor: str,
                     predecessor_id: str | UUID | None = None,
                     currency: str | None = None) -> UUID:
        return self.execute(CreateCycle(name, municipality, actor, predecessor_id,
                                        currency)).value

    def record_decision(self, cycle_id: str | UUID, body: str, on: str, reference: str,
                        actor: str) -> None:
        self.execute(RecordDecision(cycle_id, body, on, reference, actor))

    def add_area(self, cycle_id: str | UUID, area: Mapping[str, Any], actor: str) -> None:
        self.execute(AddArea(cycle_id, area, actor))

    def change_area(self, cycle_id: str | UUID, area: Mapping[str, Any], actor: str) -> None:
        self.execute(ChangeArea(cycle_id, area, actor))

    def remove_area(self, cycle_id: str | UUID, area_id: str, actor: str) -> None:
        self.execute(RemoveArea(cycle_id, area_id, actor))

    def set_voting_rule(self, cycle_id: str | UUID, rule: Mapping[str, Any], actor: str,
                        allow_ballot_changes: bool = False) -> None:
        self.execute(SetVotingRule(cycle_id, rule, actor, allow_ballot_changes))

    def set_allocation_rule(self, cycle_id: str | UUID, rule: str, actor: str,
                            threshold: int | None = None, tie_break: str | None = None) -> None:
        self.execute(SetAllocationRule(cycle_id, rule, actor, threshold, tie_break))

    def set_timeline(self, cycle_id: str | UUID, timeline: Mapping[str, str], actor: str) -> None:
        self.execute(SetTimeline(cycle_id, timeline, actor))

    def set_categories(self, cycle_id: str | UUID, categories: object, actor: str) -> None:
        self.execute(SetCategories(cycle_id, categories, actor))

    def set_pot_cap(self, cycle_id: str | UUID, cap: object, actor: str) -> None:
        self.execute(SetPotCap(cycle_id, cap, actor))

    def record_adoption(self, cycle_id: str | UUID, body: str, on: str, reference: str,
                        actor: str) -> None:
        self.execute(RecordAdoption(cycle_id, body, on, reference, actor))

    def mark_incompatible(self, cycle_id: str | UUID, first: str | UUID, second: str | UUID,
                          reason: str, actor: str) -> None:
        self.execute(MarkIncompatible(cycle_id, first, second, reason, actor))

    def amend_winners(self, cycle_id: str | UUID, kind: str, proposal_id: str | UUID,
                      reason: str, actor: str) -> None:
        self.execute(AmendWinners(cycle_id, kind, proposal_id, reason, actor))

    def record_evaluation(self, cycle_id: str | UUID, report: str, actor: str,
                          participants: int | None = None, url: str | None = None,
                          reason: str | None = None) -> None:
        self.execute(RecordEvaluation(cycle_id, report, actor, participants, url, reason))

    def trigger(self, cycle_id: str | UUID, trigger: str, actor: str, reason: str = "",
                known: Sequence[CountedBallot] | None = None) -> Phase:
        return self.execute(FireTrigger(cycle_id, trigger, actor, reason, known)).value

    def submit_proposal(self, cycle_id: str | UUID, area: str, title: str, description: str,
                        estimated_cost: object, category: str | None, proposer: str,
                        place: object = None, source: dict[str, str] | None = None) -> UUID:
        return self.execute(SubmitProposal(cycle_id, area, title, description, estimated_cost,
                                           category, proposer, place, source)).value

    def review_proposal(self, proposal_id: str | UUID, feasible: object, official_cost: object,
                        reason: object, actor: str, as_published: bool = False) -> None:
        self.execute(ReviewProposal(proposal_id, reason, actor, feasible=feasible,
                                    official_cost=official_cost, as_published=as_published))

    def merge_proposal(self, proposal_id: str | UUID, into: str | UUID, reason: object,
                       actor: str) -> None:
        self.execute(MergeProposal(proposal_id, reason, actor, into=into))

    def undo_merge(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self.execute(UndoMerge(proposal_id, reason, actor))

    def withdraw_proposal(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self.execute(WithdrawProposal(proposal_id, reason, actor))

    def report_progress(self, proposal_id: str | UUID, percent: object, note: object,
                        spent: object, actor: str, explanation: object = None) -> None:
        self.execute(ReportProgress(proposal_id=proposal_id, percent=percent, note=note,
                                    spent=spent, actor=actor, explanation=explanation))

    def complete_proposal(self, proposal_id: str | UUID, note: object, spent: object,
                          actor: str, explanation: object = None) -> None:
        self.execute(CompleteProposal(proposal_id=proposal_id, note=note, spent=spent,
                                      actor=actor, explanation=explanation))

    def abandon_proposal(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self.execute(AbandonProposal(proposal_id, reason, actor))
