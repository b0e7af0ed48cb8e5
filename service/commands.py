"""The commands of every role but a voter's, and how each is carried out.

A command is a small frozen dataclass naming what is asked; `Commands.execute` carries it out
and returns an `Outcome`: the command's answer and the position in the event log of the last
event it stored, so the caller can tell a reader which write to wait for (read your writes).

A command may come with the idempotency record of the request that sent it (`keyed`): it is
written in the same transaction as the command's events, so either both are stored or neither.
Both travel explicitly, in a `Write` made for the one command, never in state shared between
requests.

Two commands racing on the same aggregate never lose an update: on a version conflict the
command is run again on a freshly loaded aggregate (re-checking every rule) a bounded number of
times, then refused clearly. Ballots, roll marks and paper boxes come in through the ballot
intake (service/ballot_intake.py), which writes them its own way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.cycle import BudgetCycle
from domain.cycle_tally import CountedBallot
from domain.errors import Conflict, InvalidInput
from domain.identity import parse_identity
from domain.phases import Phase
from domain.proposal import Proposal
from domain.pseudonym import pseudonym
from service.ballot_intake import position_of
from service.queries import A, Queries
from service.recorders import IdempotencyRecord, RecordFor

T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")

MAX_ATTEMPTS = 8


# ---- outcomes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a command answered, and where its last event lies in the log (None when it stored
    nothing)."""

    value: T
    position: int | None


class Command(Generic[T]):
    """A command whose outcome carries a `T` (an id, the new phase, or nothing)."""


# ---- budget cycles ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateCycle(Command[UUID]):
    """`currency`: the ISO 4217 code of the cycle's money (SEK when not given; a successor's is
    its predecessor's)."""

    name: str
    municipality: str
    actor: str
    predecessor_id: str | UUID | None = None
    currency: str | None = None


@dataclass(frozen=True)
class BodysDecision(Command[None]):
    """A decision of an elected body (`body`, the date it was taken `on`, its `reference`)."""

    cycle_id: str | UUID
    body: str
    on: str
    reference: str
    actor: str


class RecordDecision(BodysDecision):
    """The political decision that sets the cycle up (draft)."""


@dataclass(frozen=True)
class CycleSetting(Command[None], Generic[V]):
    """A draft cycle's setting as an administrator gives it: `value` is the setting (the
    domain checks it), `actor` who gave it."""

    cycle_id: str | UUID
    value: V
    actor: str

    def apply(self, cycle: BudgetCycle) -> None:
        raise NotImplementedError


class AddArea(CycleSetting[Mapping[str, Any]]):
    """An area as given (domain/areas.py checks it)."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.add_area(self.value, self.actor)


class ChangeArea(CycleSetting[Mapping[str, Any]]):
    """The area with the same id, as given now."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.change_area(self.value, self.actor)


class RemoveArea(CycleSetting[str]):
    """`value`: the area's id."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.remove_area(self.value, self.actor)


@dataclass(frozen=True)
class SetVotingRule(CycleSetting[Mapping[str, Any]]):
    allow_ballot_changes: bool = False

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.set_voting_rule(self.value, self.actor, self.allow_ballot_changes)


@dataclass(frozen=True)
class SetAllocationRule(CycleSetting[str]):
    threshold: int | None = None
    tie_break: str | None = None

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.set_allocation_rule(self.value, self.actor, self.threshold, self.tie_break)


class SetTimeline(CycleSetting[Mapping[str, str]]):
    def apply(self, cycle: BudgetCycle) -> None:
        cycle.set_timeline(self.value, self.actor)


class SetCategories(CycleSetting[object]):
    """The list a proposal's category is chosen from (ids and names); empty: free text."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.set_categories(self.value, self.actor)


class SetPotCap(CycleSetting[object]):
    """At most `max_pots` areas per voter, the `uncounted` areas aside (domain/pot_cap.py);
    `value` None removes the cap."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.set_pot_cap(self.value, self.actor)


class RecordAdoption(BodysDecision):
    """The assembly's adoption of the results."""


@dataclass(frozen=True)
class MarkIncompatible(Command[None]):
    """Two of the cycle's proposals exclude each other: every rule funds at most one (before
    voting; ADR 0021)."""

    cycle_id: str | UUID
    first: str | UUID
    second: str | UUID
    reason: str
    actor: str


@dataclass(frozen=True)
class AmendWinners(Command[None]):
    """Exclude a winner after the count, or fund a proposal outside the rule, with a reason
    (`kind`: "exclude" or "add"; results phase, before the adoption; ADR 0021)."""

    cycle_id: str | UUID
    kind: str
    proposal_id: str | UUID
    reason: str
    actor: str


@dataclass(frozen=True)
class RecordEvaluation(Command[None]):
    cycle_id: str | UUID
    report: str
    actor: str
    participants: int | None = None
    url: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class FireTrigger(Command[Phase]):
    """Move the cycle on; publish_results computes the tally and records it in the event.
    `known`: the cycle's ballots as the caller stored them (an import), counted as they are if
    the store holds those and no others (`Queries.tally`)."""

    cycle_id: str | UUID
    trigger: str
    actor: str
    reason: str = ""
    known: Sequence[CountedBallot] | None = None


# ---- proposals -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubmitProposal(Command[UUID]):
    """`proposer` is the resident's identity; only its pseudonym is stored. `source`: an
    imported project's row from its file (service/pabulib_cycles.py)."""

    cycle_id: str | UUID
    area: str
    title: str
    description: str
    estimated_cost: object
    category: str | None
    proposer: str
    place: object = None
    source: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ProposalWithReason(Command[None]):
    """A change to a proposal that its `reason` explains to the residents (what else a kind
    takes is given by keyword)."""

    proposal_id: str | UUID
    reason: object
    actor: str


@dataclass(frozen=True, kw_only=True)
class ReviewProposal(ProposalWithReason):
    """`as_published`: an imported election's project, feasible at the cost its file gives
    even beyond the budget (service/pabulib_cycles.py); otherwise a feasible proposal's cost
    fits in its area's budget."""

    feasible: object
    official_cost: object
    as_published: bool = False


@dataclass(frozen=True, kw_only=True)
class MergeProposal(ProposalWithReason):
    into: str | UUID


class UndoMerge(ProposalWithReason):
    pass


class WithdrawProposal(ProposalWithReason):
    pass


@dataclass(frozen=True, kw_only=True)
class Spending(Command[None]):
    """What a project has cost so far (`spent`), with a note, and an explanation where the
    rules ask for one (domain/proposal.py)."""

    proposal_id: str | UUID
    note: object
    spent: object
    actor: str
    explanation: object = None


@dataclass(frozen=True, kw_only=True)
class ReportProgress(Spending):
    percent: object


class CompleteProposal(Spending):
    pass


class AbandonProposal(ProposalWithReason):
    pass


# ---- carrying them out -----------------------------------------------------------------------

@dataclass
class Write:
    """One command's saves: the first writes `keyed` with its events; each notes its position.

    A save refused by the store (a concurrent change) rolls back whole, record and all, so the
    command's next attempt writes the record again."""

    app: Queries
    keyed: IdempotencyRecord | None = None
    position: int | None = field(default=None)

    def save(self, *aggregates: Any, **kwargs: Any) -> None:
        if self.keyed is not None:
            kwargs["records"] = [RecordFor(self.keyed, 0, 0)]
        recordings = self.app.save(*aggregates, **kwargs)
        self.keyed = None
        position = position_of(recordings)
        if position is not None:
            self.position = position


Handler = Callable[[Any, Any, Write], Any]


class Commands(Queries):
    """The writing half of the application (Medborgarbudget, service/application.py)."""

    _secret: bytes
    _handlers: ClassVar[dict[type[Command[Any]], Handler]] = {}

    def execute(self, command: Command[T], keyed: IdempotencyRecord | None = None,
                ) -> Outcome[T]:
        """Carry out `command`; with `keyed`, write that record in its transaction."""
        handler = self._handlers.get(type(command))
        if handler is None:
            raise TypeError(f"No handler for {type(command).__name__}")
        write = Write(self, keyed)
        value: T = handler(self, command, write)
        return Outcome(value, write.position)

    def proposer_pseudonym(self, identity: str) -> str:
        """Deployment-wide (a proposer follows their ideas from year to year), from the
        canonical personnummer when the identity is one, so every way of writing it is one
        proposer (the 12-digit form gives the pseudonym it always gave)."""
        with contextlib.suppress(InvalidInput):  # else an identity provider's opaque subject
            identity = parse_identity(identity, datetime.now(UTC).date()).canonical
        return pseudonym(self._secret, identity, purpose="proposer")

    # ---- loading and saving ----------------------------------------------------------------

    def _update(self, aggregate_id: str | UUID, kind: type[A], what: str, write: Write,
                command: Callable[[A], R]) -> R:
        """Run `command` on the latest version and save; on a concurrent change, start over."""
        for _ in range(MAX_ATTEMPTS):
            aggregate: A = self._get(aggregate_id, kind, what)
            result = command(aggregate)
            try:
                write.save(aggregate)
            except IntegrityError:
                continue
            return result
        raise Conflict(
            f"The {what} was changed by others {MAX_ATTEMPTS} times while this command ran; "
            "nothing was stored. Please try again."
        )

    def _update_cycle(self, cycle_id: str | UUID, write: Write,
                      command: Callable[[BudgetCycle], R]) -> R:
        return self._update(cycle_id, BudgetCycle, "budget cycle", write, command)

    def _update_proposal(self, proposal_id: str | UUID, phase_command: str, write: Write,
                         command: Callable[[Proposal, BudgetCycle], R]) -> R:
        def run(proposal: Proposal) -> R:
            cycle = self.cycle(proposal.cycle_id)
            cycle.require_phase(phase_command)
            return command(proposal, cycle)

        return self._update(proposal_id, Proposal, "proposal", write, run)

    # ---- cycles ----------------------------------------------------------------------------

    def _create_cycle(self, c: CreateCycle, write: Write) -> UUID:
        predecessor = self.cycle(c.predecessor_id) if c.predecessor_id is not None else None
        successors = ([self.cycle(i) for i in self.successor_ids(predecessor.id)]
                      if predecessor is not None else [])
        cycle = BudgetCycle.create(c.name, c.municipality, c.actor, predecessor, successors,
                                   currency=c.currency)
        try:
            write.save(cycle)
        except IntegrityError:
            # Its id is derived from the predecessor's: another successor was made meanwhile.
            raise Conflict("Another successor of this cycle was created at the same moment; "
                           "nothing was stored.") from None
        return cycle.id

    def _record_decision(self, c: RecordDecision, write: Write) -> None:
        self._update_cycle(c.cycle_id, write,
                           lambda cycle: cycle.record_decision(c.body, c.on, c.reference,
                                                               c.actor))

    def _change_setting(self, c: CycleSetting[Any], write: Write) -> None:
        self._update_cycle(c.cycle_id, write, c.apply)

    def _record_adoption(self, c: RecordAdoption, write: Write) -> None:
        self._update_cycle(c.cycle_id, write,
                           lambda cycle: cycle.record_adoption(c.body, c.on, c.reference,
                                                               c.actor))

    def _mark_incompatible(self, c: MarkIncompatible, write: Write) -> None:
        areas_of = {str(p.id): p.area for p in self.proposals(c.cycle_id)}
        self._update_cycle(c.cycle_id, write,
                           lambda cycle: cycle.mark_incompatible(c.first, c.second, c.reason,
                                                                 c.actor, areas_of))

    def _amend_winners(self, c: AmendWinners, write: Write) -> None:
        # The cycle recounts with the exceptions so far and the new one, and records the
        # results in the event (BudgetCycle.amend_winners).
        self._update_cycle(c.cycle_id, write, lambda cycle: cycle.amend_winners(
            c.kind, c.proposal_id, c.reason, c.actor,
            lambda exceptions: self.tally(cycle, exceptions=exceptions)))

    def _record_evaluation(self, c: RecordEvaluation, write: Write) -> None:
        self._update_cycle(c.cycle_id, write,
                           lambda cycle: cycle.record_evaluation(c.report, c.actor,
                                                                 c.participants, c.url,
                                                                 c.reason))

    def _fire_trigger(self, c: FireTrigger, write: Write) -> Phase:
        def fire(cycle: BudgetCycle) -> Phase:
            facts = self.proposal_facts(cycle.id)
            if c.trigger == "publish_results" and cycle.phase is Phase.COUNTING:
                cycle.publish_results(self.tally(cycle, c.known), c.actor, c.reason, facts)
            else:
                cycle.trigger(c.trigger, c.actor, c.reason, facts)
            return cycle.phase

        return self._update_cycle(c.cycle_id, write, fire)

    # ---- proposals -------------------------------------------------------------------------

    def _submit_proposal(self, c: SubmitProposal, write: Write) -> UUID:
        cycle = self.cycle(c.cycle_id)
        cycle.require_phase("submit_proposal")
        area = cycle.area(c.area)
        proposal = Proposal.submit(
            str(cycle.id), c.area, c.title, c.description, c.estimated_cost,
            cycle.proposal_category(c.category), self.proposer_pseudonym(c.proposer), c.place,
            dict(c.source) if c.source is not None else None,
        )
        area.require_inside(proposal.place)  # the place as the proposal keeps it, checked
        write.save(proposal)
        return proposal.id

    def _review_proposal(self, c: ReviewProposal, write: Write) -> None:
        def review(proposal: Proposal, cycle: BudgetCycle) -> None:
            area = cycle.area(proposal.area)
            if c.as_published:
                proposal.review(c.feasible, c.official_cost, c.reason, c.actor)
            else:
                proposal.review(c.feasible, c.official_cost, c.reason, c.actor, area.budget,
                                area.name, cycle.currency)

        self._update_proposal(c.proposal_id, "review_proposal", write, review)

    def _merge_proposal(self, c: MergeProposal, write: Write) -> None:
        target = self.proposal(c.into)
        self._update_proposal(c.proposal_id, "merge_proposal", write,
                              lambda p, _: p.merge_into(target, c.reason, c.actor))

    def _undo_merge(self, c: UndoMerge, write: Write) -> None:
        self._update_proposal(c.proposal_id, "undo_merge", write,
                              lambda p, _: p.undo_merge(c.reason, c.actor))

    def _withdraw_proposal(self, c: WithdrawProposal, write: Write) -> None:
        self._update_proposal(c.proposal_id, "withdraw_proposal", write,
                              lambda p, _: p.withdraw(c.reason, c.actor))

    @staticmethod
    def _selected(proposal: Proposal, cycle: BudgetCycle) -> bool:
        results = cycle.results or {}
        area = results.get("areas", {}).get(proposal.area, {})
        return str(proposal.id) in area.get("selected", [])

    def _report_progress(self, c: ReportProgress, write: Write) -> None:
        self._update_proposal(
            c.proposal_id, "report_progress", write,
            lambda p, cycle: p.report_progress(c.percent, c.note, c.spent, c.actor,
                                               self._selected(p, cycle), c.explanation,
                                               cycle.currency))

    def _complete_proposal(self, c: CompleteProposal, write: Write) -> None:
        self._update_proposal(
            c.proposal_id, "report_progress", write,
            lambda p, cycle: p.complete(c.note, c.spent, c.actor, self._selected(p, cycle),
                                        c.explanation, cycle.currency))

    def _abandon_proposal(self, c: AbandonProposal, write: Write) -> None:
        self._update_proposal(
            c.proposal_id, "report_progress", write,
            lambda p, cycle: p.abandon(c.reason, c.actor, self._selected(p, cycle)))


Commands._handlers.update({
    CreateCycle: Commands._create_cycle,
    RecordDecision: Commands._record_decision,
    AddArea: Commands._change_setting,
    ChangeArea: Commands._change_setting,
    RemoveArea: Commands._change_setting,
    SetVotingRule: Commands._change_setting,
    SetAllocationRule: Commands._change_setting,
    SetTimeline: Commands._change_setting,
    SetCategories: Commands._change_setting,
    SetPotCap: Commands._change_setting,
    RecordAdoption: Commands._record_adoption,
    RecordEvaluation: Commands._record_evaluation,
    MarkIncompatible: Commands._mark_incompatible,
    AmendWinners: Commands._amend_winners,
    FireTrigger: Commands._fire_trigger,
    SubmitProposal: Commands._submit_proposal,
    ReviewProposal: Commands._review_proposal,
    MergeProposal: Commands._merge_proposal,
    UndoMerge: Commands._undo_merge,
    WithdrawProposal: Commands._withdraw_proposal,
    ReportProgress: Commands._report_progress,
    CompleteProposal: Commands._complete_proposal,
    AbandonProposal: Commands._abandon_proposal,
})
