"""Random command sequences against a real store (hypothesis stateful testing).

A small model predicts which commands the rules allow. After every step: the phase is the one the
graph (`domain.phases.TRANSITIONS`) leads to from the previous phase by the trigger that was fired,
or unchanged; a refused command stored nothing; and every aggregate touched equals, attribute for
attribute, both its copy kept up to date from the new events and a full rebuild in a second
application instance.

Every example creates its own new cycle in the same store, so nothing needs cleaning between
examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from domain.errors import DomainError, GuardRefused, PhaseError
from domain.phases import TRIGGERS, Phase
from service.application import Medborgarbudget
from service.ballot_intake import MarkInRoll
from tests.ballots import cast_ballot, person
from tests.integration.builders import (
    ADMIN,
    REVIEWER,
    aggregate_state,
    graph_destination,
    graph_triggers,
    stored,
)

OpenApp = Callable[[], Medborgarbudget]

AREA_IDS = ("norr", "soder", "unga")
BUDGETS = (0, 1_000, 50_000)
COSTS = (500, 20_000, 80_000)
RULES: dict[str, dict[str, Any]] = {
    "approval": {"kind": "approval", "min_choices": 1, "max_choices": 2},
    "knapsack": {"kind": "knapsack", "min_choices": 1},
}
START_PHASES = (Phase.DRAFT, Phase.IDEAS, Phase.REVIEW, Phase.VOTING, Phase.COUNTING,
                Phase.RESULTS, Phase.IMPLEMENTATION, Phase.EVALUATION)

# The store the state machine runs against: set by the test function from its fixtures.
STORE: dict[str, Medborgarbudget] = {}


@dataclass
class ModelProposal:
    id: UUID
    area: str
    cost: int
    status: str = "submitted"


@dataclass
class Model:
    """What the rules say about the cycle, kept independently of the application."""

    phase: Phase = Phase.DRAFT
    decision: bool = False
    areas: dict[str, int] = field(default_factory=dict)  # id -> budget
    rule: str | None = None
    adoption: bool = False
    evaluation: bool = False
    proposals: list[ModelProposal] = field(default_factory=list)
    voted: set[tuple[str, int]] = field(default_factory=set)
    fired: int = 0

    def open(self, proposal: ModelProposal) -> bool:
        return proposal.status not in ("merged", "withdrawn")

    def guards_met(self, trigger: str, reason: str) -> bool:
        if not reason.strip():
            return False  # every trigger is fired by a person who says why
        if trigger == "open_ideas":
            return (self.decision and any(b > 0 for b in self.areas.values())
                    and self.rule is not None)
        if trigger == "open_voting":
            feasible = {p.area for p in self.proposals if p.status == "feasible"}
            return (all(p.status != "submitted" for p in self.proposals)
                    and bool(self.areas) and set(self.areas) <= feasible)
        if trigger == "open_support":
            return False  # this model's cycle has no support round (tests of it: ADR 0020)
        if trigger == "adopt":
            return self.adoption
        if trigger == "close":
            return self.evaluation
        return True


class CycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app, self.auditor = STORE["app"], STORE["auditor"]
        self.seen = stored(self.app)
        self.replayed: dict[UUID, Any] = {}  # kept up to date from each new stored event
        # The live state of every aggregate the last step saved, as it was when saved.
        self.saved: list[tuple[UUID, int, dict[str, Any]]] = []
        self.app.save = self.capturing_save  # type: ignore[method-assign]
        self.model = Model()
        self.previous_phase = Phase.DRAFT
        self.last_trigger: str | None = None
        self.last_error: DomainError | None = None
        self.cycle_id = self.app.create_cycle("Slumpcykel", "Testby kommun", ADMIN)

    def capturing_save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = Medborgarbudget.save(self.app, *objs, **kwargs)
        self.saved.extend((o.id, o.version, aggregate_state(o)) for o in objs
                          if isinstance(o, Aggregate))
        return recordings

    def teardown(self) -> None:
        del self.app.save  # back to the class's own method

    # ---- running a command against the prediction ------------------------------------------

    def run(self, allowed: bool, command: Callable[[], object],
            refusal: type[DomainError] = DomainError) -> bool:
        """Run `command`; it must succeed exactly when the model says it is allowed."""
        before = stored(self.app)
        self.last_error = None
        try:
            command()
        except DomainError as error:
            self.last_error = error
            assert not allowed, f"refused although allowed: {error}"
            assert isinstance(error, refusal), f"{type(error).__name__}: {error}"
            assert str(error).strip()
            assert stored(self.app) == before, "a refused command stored events"
            return False
        assert allowed, "accepted although the rules refuse it"
        assert stored(self.app) > before, "an accepted command stored nothing"
        return True

    def phase_error_or(self, phases: tuple[Phase, ...],
                       other: type[DomainError] = DomainError) -> type[DomainError]:
        return other if self.model.phase in phases else PhaseError

    # ---- the commands ----------------------------------------------------------------------

    def fire(self, trigger: str, reason: str) -> None:
        model = self.model
        # In the phase graph from here, whatever the guards say (open_support from review is,
        # though this model's cycle has no support round: refused by its guard).
        in_graph = graph_destination(model.phase, trigger) is not None
        allowed = in_graph and model.guards_met(trigger, reason)
        refusal: type[DomainError] = GuardRefused if in_graph else PhaseError
        self.previous_phase, self.last_trigger = model.phase, trigger
        if self.run(allowed, lambda: self.app.trigger(self.cycle_id, trigger, ADMIN, reason),
                    refusal):
            destination = graph_destination(model.phase, trigger)
            assert destination is not None
            model.phase = destination
            model.fired += 1
        else:
            self.last_trigger = None
            if not in_graph:
                assert not isinstance(self.last_error, GuardRefused), self.last_error

    def configure(self, allowed: bool, command: Callable[[], object],
                  refusal: type[DomainError] = DomainError) -> bool:
        in_draft = self.model.phase is Phase.DRAFT
        return self.run(in_draft and allowed, command,
                        refusal if in_draft else PhaseError)

    def record_decision(self) -> None:
        if self.configure(True, lambda: self.app.record_decision(
                self.cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 3/2026", ADMIN)):
            self.model.decision = True

    def add_area(self, area_id: str, budget: int) -> None:
        data = {"id": area_id, "name": area_id.title(), "budget": budget}
        if self.configure(area_id not in self.model.areas,
                          lambda: self.app.add_area(self.cycle_id, data, ADMIN)):
            self.model.areas[area_id] = budget

    def change_area(self, area_id: str, budget: int) -> None:
        data = {"id": area_id, "name": f"{area_id.title()} ändrad", "budget": budget}
        if self.configure(area_id in self.model.areas,
                          lambda: self.app.change_area(self.cycle_id, data, ADMIN)):
            self.model.areas[area_id] = budget

    def set_rule(self, kind: str) -> None:
        if self.configure(True, lambda: self.app.set_voting_rule(self.cycle_id, RULES[kind],
                                                                 ADMIN)):
            self.model.rule = kind

    def submit(self, area: str, cost: int) -> None:
        in_ideas = self.model.phase is Phase.IDEAS
        ids: list[UUID] = []
        if self.run(in_ideas and area in self.model.areas, lambda: ids.append(
                self.app.submit_proposal(self.cycle_id, area, f"Idé i {area}", "Beskrivning.",
                                         cost, "test", "proposer")),
                self.phase_error_or((Phase.IDEAS,))):
            self.model.proposals.append(ModelProposal(ids[0], area, cost))

    def review(self, proposal: ModelProposal, feasible: bool, with_reason: bool) -> None:
        allowed = (self.model.phase is Phase.REVIEW and self.model.open(proposal)
                   and (with_reason if not feasible
                        else proposal.cost <= self.model.areas[proposal.area]))
        reason = "Bedömning." if with_reason else ""
        if self.run(allowed, lambda: self.app.review_proposal(
                proposal.id, feasible, proposal.cost if feasible else None, reason, REVIEWER),
                self.phase_error_or((Phase.REVIEW,))):
            proposal.status = "feasible" if feasible else "infeasible"

    def cast(self, area: str, voter: int, proposal: ModelProposal, channel: str) -> None:
        model = self.model
        phases = (Phase.VOTING,)
        resident = person(voter)
        if channel == "paper":  # marked in the station's roll: it takes the voter's ballot
            allowed = model.phase in phases and area in model.areas \
                and (area, voter) not in model.voted
            command: Callable[[], object] = partial(self.app.ballots.mark_in_roll, MarkInRoll(
                self.cycle_id, area, "Biblioteket", resident))
        else:
            allowed = (
                model.phase in phases and area in model.areas and proposal.area == area
                and proposal.status == "feasible" and (area, voter) not in model.voted
                and (model.rule != "knapsack" or proposal.cost <= model.areas[area])
            )
            command = partial(cast_ballot, self.app, self.cycle_id, area, resident,
                              [str(proposal.id)])
        if self.run(allowed, command, self.phase_error_or(phases)):
            model.voted.add((area, voter))

    def advance(self) -> None:
        """Whatever the next forward trigger needs, then the trigger itself."""
        model = self.model
        if model.phase is Phase.DRAFT:
            if not model.decision:
                self.record_decision()
            if not any(b > 0 for b in model.areas.values()):
                missing = [a for a in AREA_IDS if a not in model.areas]
                if missing:
                    self.add_area(missing[0], 50_000)
                else:
                    self.change_area(AREA_IDS[0], 50_000)
            if model.rule is None:
                self.set_rule("approval")
        elif model.phase is Phase.IDEAS:
            for area in model.areas:
                self.submit(area, COSTS[0])
        elif model.phase is Phase.REVIEW:
            for proposal in model.proposals:
                if proposal.status == "submitted":
                    self.review(proposal, True, False)
            for area in model.areas:
                if not any(p.area == area and p.status == "feasible" for p in model.proposals):
                    candidate = next((p for p in model.proposals
                                      if p.area == area and model.open(p)), None)
                    if candidate is None:
                        break  # every proposal of this area is gone: open_voting stays refused
                    self.review(candidate, True, False)
        elif model.phase is Phase.VOTING:
            for proposal in model.proposals:
                if proposal.status == "feasible" and proposal.cost <= model.areas[proposal.area]:
                    self.cast(proposal.area, 1000 + len(model.voted), proposal, "digital")
        elif model.phase is Phase.RESULTS:
            self.record_adoption()
        elif model.phase is Phase.EVALUATION:
            self.record_evaluation()
        forward = [t for t in graph_triggers(model.phase) if t != "cancel"]
        if forward:
            self.fire(forward[0], "framåt")

    def record_adoption(self) -> None:
        if self.run(self.model.phase is Phase.RESULTS, lambda: self.app.record_adoption(
                self.cycle_id, "Kommunstyrelsen", "2027-06-10", "KS § 1/2027", ADMIN),
                PhaseError):
            self.model.adoption = True

    def record_evaluation(self) -> None:
        # Once one is recorded, another is a revision and says why (docs/rules.md).
        reason = "Rättad." if self.model.evaluation else None
        if self.run(self.model.phase is Phase.EVALUATION, lambda: self.app.record_evaluation(
                self.cycle_id, "Rapport.", ADMIN, reason=reason), PhaseError):
            self.model.evaluation = True

    # ---- rules -----------------------------------------------------------------------------

    @initialize(start=st.sampled_from(START_PHASES))
    def start_in(self, start: Phase) -> None:
        """Begin in a phase reached by real commands, so every phase gets explored."""
        for _ in range(40):
            if self.model.phase is start or self.model.phase in (Phase.CLOSED, Phase.CANCELLED):
                break
            self.advance()
        assert self.model.phase is start
        self.previous_phase, self.last_trigger = self.model.phase, None

    @rule(trigger=st.sampled_from(TRIGGERS),
          reason=st.sampled_from(["", "   ", "ett skäl"]))
    def fire_trigger(self, trigger: str, reason: str) -> None:
        self.fire(trigger, reason)

    @rule()
    def advance_cycle(self) -> None:
        before = self.model.phase
        self.advance()
        # `advance` may run several commands: only its final trigger can move the phase.
        self.previous_phase = before

    @rule()
    def decide(self) -> None:
        self.record_decision()

    @rule(area=st.sampled_from(AREA_IDS), budget=st.sampled_from(BUDGETS))
    def area_added(self, area: str, budget: int) -> None:
        self.add_area(area, budget)

    @rule(area=st.sampled_from(AREA_IDS), budget=st.sampled_from(BUDGETS))
    def area_changed(self, area: str, budget: int) -> None:
        self.change_area(area, budget)

    @rule(area=st.sampled_from(AREA_IDS))
    def area_removed(self, area: str) -> None:
        if self.configure(area in self.model.areas,
                          lambda: self.app.remove_area(self.cycle_id, area, ADMIN)):
            del self.model.areas[area]

    @rule(kind=st.sampled_from(sorted(RULES)))
    def voting_rule(self, kind: str) -> None:
        self.set_rule(kind)

    @rule(allocation=st.sampled_from(["greedy", "greedy-no-skip", "mes"]))
    def allocation_rule(self, allocation: str) -> None:
        self.configure(True, lambda: self.app.set_allocation_rule(self.cycle_id, allocation,
                                                                  ADMIN))

    @rule(area=st.sampled_from(AREA_IDS), cost=st.sampled_from(COSTS))
    def proposal_submitted(self, area: str, cost: int) -> None:
        self.submit(area, cost)

    @precondition(lambda self: bool(self.model.proposals))
    @rule(index=st.integers(0, 50), feasible=st.booleans(), with_reason=st.booleans())
    def proposal_reviewed(self, index: int, feasible: bool, with_reason: bool) -> None:
        self.review(self.proposal(index), feasible, with_reason)

    @precondition(lambda self: bool(self.model.proposals))
    @rule(index=st.integers(0, 50), into=st.integers(0, 50))
    def proposal_merged(self, index: int, into: int) -> None:
        proposal, target = self.proposal(index), self.proposal(into)
        allowed = (self.model.phase is Phase.REVIEW and proposal is not target
                   and proposal.area == target.area
                   and self.model.open(proposal) and self.model.open(target)
                   and target.status != "infeasible")
        if self.run(allowed, lambda: self.app.merge_proposal(proposal.id, target.id, "Samma.",
                                                             REVIEWER),
                    self.phase_error_or((Phase.REVIEW,))):
            proposal.status = "merged"

    @precondition(lambda self: bool(self.model.proposals))
    @rule(index=st.integers(0, 50))
    def proposal_withdrawn(self, index: int) -> None:
        proposal = self.proposal(index)
        phases = (Phase.IDEAS, Phase.REVIEW)
        allowed = self.model.phase in phases and self.model.open(proposal)
        if self.run(allowed, lambda: self.app.withdraw_proposal(proposal.id, "Ångrade mig.",
                                                                ADMIN),
                    self.phase_error_or(phases)):
            proposal.status = "withdrawn"

    @precondition(lambda self: bool(self.model.proposals))
    @rule(area=st.sampled_from(AREA_IDS), voter=st.integers(0, 3), index=st.integers(0, 50),
          channel=st.sampled_from(["digital", "paper"]))
    def ballot_cast(self, area: str, voter: int, index: int, channel: str) -> None:
        self.cast(area, voter, self.proposal(index), channel)

    @rule()
    def adoption_recorded(self) -> None:
        self.record_adoption()

    @rule()
    def evaluation_recorded(self) -> None:
        self.record_evaluation()

    def proposal(self, index: int) -> ModelProposal:
        return self.model.proposals[index % len(self.model.proposals)]

    # ---- after every step ------------------------------------------------------------------

    @invariant()
    def phase_follows_the_graph(self) -> None:
        cycle = self.auditor.cycle(self.cycle_id)
        assert cycle.phase is self.model.phase
        if self.last_trigger is not None:
            assert graph_destination(self.previous_phase, self.last_trigger) is cycle.phase
            assert cycle.history[-1].trigger == self.last_trigger
            assert cycle.history[-1].from_phase == self.previous_phase.value
        else:
            assert cycle.phase is self.previous_phase, "the phase changed without a trigger"
        assert len(cycle.history) == self.model.fired
        for earlier, later in zip(cycle.history, cycle.history[1:], strict=False):
            assert earlier.to_phase == later.from_phase
        if self.last_trigger is not None:
            event(f"fired {self.last_trigger}")  # see --hypothesis-show-statistics
        self.previous_phase, self.last_trigger = cycle.phase, None

    @invariant()
    def stored_state_rebuilds_identically(self) -> None:
        touched: set[UUID] = {self.cycle_id}
        while True:
            page = self.app.recorder.select_notifications(self.seen + 1, 500)
            for notification in page:
                stored_event: Any = self.app.mapper.to_domain_event(notification)
                aggregate_id = stored_event.originator_id
                self.replayed[aggregate_id] = stored_event.mutate(self.replayed.get(aggregate_id))
                touched.add(aggregate_id)
                self.seen = notification.id
            if len(page) < 500:
                break
        for aggregate_id in touched:
            rebuilt = aggregate_state(self.auditor.repository.get(aggregate_id))
            assert rebuilt == aggregate_state(self.replayed[aggregate_id])
        for aggregate_id, version, live in self.saved:  # live, just after the command ran
            assert aggregate_id in touched, "an aggregate was saved but no event was stored"
            rebuilt = aggregate_state(self.auditor.repository.get(aggregate_id, version=version))
            assert rebuilt == live
        self.saved.clear()


SETTINGS = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_random_command_sequences_on_a_real_store(open_app: OpenApp) -> None:
    STORE.update(app=open_app(), auditor=open_app())
    try:
        run_state_machine_as_test(CycleMachine, settings=SETTINGS)
    finally:
        STORE.clear()
