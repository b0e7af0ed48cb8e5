"""The phases of a budget cycle and the only ways between them.

One `transitions` definition is the single source for: validating a trigger, listing the triggers
allowed now (with the reason a guard would refuse each of the others), and the Mermaid diagram in
docs/. The machine never holds or sets the cycle's phase: the aggregate owns its phase and asks the
machine whether a trigger is allowed from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, TypedDict

from transitions import Machine

from domain.errors import GuardRefused, PhaseError

if TYPE_CHECKING:  # a type of the library's stubs only
    from transitions.core import TransitionConfigDict


class Phase(StrEnum):
    DRAFT = "draft"
    IDEAS = "ideas"
    REVIEW = "review"
    SUPPORT = "support"
    VOTING = "voting"
    COUNTING = "counting"
    RESULTS = "results"
    IMPLEMENTATION = "implementation"
    EVALUATION = "evaluation"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# The phases' names, Swedish and English, are messages of the pages' Babel catalog
# (service/pages/i18n.py: PHASE_LABELS), which the pages, the API and the CLI all read: the
# domain carries only the ids, as it words no reason either (ADR 0017).

FINAL_PHASES = frozenset({Phase.CLOSED, Phase.CANCELLED})
CANCELLABLE = [p for p in Phase if p not in FINAL_PHASES]

# (trigger, sources, destination, guards). Guard names are properties of `TransitionFacts`.
# Every trigger is fired by a person, who says why (`reason_given`): the reason is recorded
# with the phase change, for the residents and the auditors.
TRANSITIONS: tuple[tuple[str, list[Phase], Phase, list[str]], ...] = (
    ("open_ideas", [Phase.DRAFT], Phase.IDEAS,
     ["decision_recorded", "has_funded_area", "voting_rule_chosen", "reason_given"]),
    ("close_ideas", [Phase.IDEAS], Phase.REVIEW, ["reason_given"]),
    ("open_voting", [Phase.REVIEW], Phase.VOTING,
     ["no_support_round", "every_proposal_reviewed", "every_area_has_feasible_proposal",
      "reason_given"]),
    # The support round, when the cycle has one: residents pick which proposals go on the ballot.
    ("open_support", [Phase.REVIEW], Phase.SUPPORT,
     ["support_round_configured", "every_proposal_reviewed", "every_area_has_feasible_proposal",
      "reason_given"]),
    ("close_support", [Phase.SUPPORT], Phase.VOTING,
     ["every_area_has_supported_proposal", "reason_given"]),
    ("close_voting", [Phase.VOTING], Phase.COUNTING, ["reason_given"]),
    ("publish_results", [Phase.COUNTING], Phase.RESULTS, ["tally_recorded", "reason_given"]),
    ("adopt", [Phase.RESULTS], Phase.IMPLEMENTATION, ["adoption_recorded", "reason_given"]),
    ("start_evaluation", [Phase.IMPLEMENTATION], Phase.EVALUATION, ["reason_given"]),
    ("close", [Phase.EVALUATION], Phase.CLOSED, ["evaluation_recorded", "reason_given"]),
    ("cancel", CANCELLABLE, Phase.CANCELLED, ["reason_given"]),
)

TRIGGERS: tuple[str, ...] = tuple(t[0] for t in TRANSITIONS)

GUARD_EXPLANATIONS: Mapping[str, str] = {
    "decision_recorded": "the political decision (body, date, reference) must be recorded first",
    "has_funded_area": "at least one area with a budget above 0 kr is needed",
    "voting_rule_chosen": "a voting rule must be chosen",
    "every_proposal_reviewed": "every proposal needs a review decision",
    "every_area_has_feasible_proposal": "every area needs at least one feasible proposal",
    "no_support_round": "this cycle has a support round: open it (open_support) before voting",
    "support_round_configured": "the cycle has no support round (it is configured in draft)",
    "every_area_has_supported_proposal": "every area needs at least one proposal that goes on "
                                         "the ballot under the support round's rule",
    "tally_recorded": "the tally must be computed and recorded with the results",
    "adoption_recorded": "the assembly's adoption (body, date, reference) must be recorded first",
    "evaluation_recorded": "an evaluation report must be recorded first",
    "reason_given": "a reason must be given (it is recorded with the phase change)",
}


# Guards met by the command itself (its reason, its tally), not by the cycle's state: when
# listing what is allowed now they are taken as met, since whoever fires the trigger supplies them.
COMMAND_GUARDS = frozenset({"reason_given", "tally_recorded"})


class TransitionFacts(Protocol):
    """What the guards look at. The cycle provides it, completed by facts about other aggregates
    (its proposals) that the application service gathers."""

    @property
    def decision_recorded(self) -> bool: ...
    @property
    def has_funded_area(self) -> bool: ...
    @property
    def voting_rule_chosen(self) -> bool: ...
    @property
    def every_proposal_reviewed(self) -> bool: ...
    @property
    def every_area_has_feasible_proposal(self) -> bool: ...
    @property
    def no_support_round(self) -> bool: ...
    @property
    def support_round_configured(self) -> bool: ...
    @property
    def every_area_has_supported_proposal(self) -> bool: ...
    @property
    def tally_recorded(self) -> bool: ...
    @property
    def adoption_recorded(self) -> bool: ...
    @property
    def evaluation_recorded(self) -> bool: ...
    @property
    def reason_given(self) -> bool: ...


@dataclass(frozen=True)
class TriggerStatus:
    trigger: str
    destination: Phase
    allowed: bool
    refusals: tuple[str, ...]  # the guard explanations that fail, empty when allowed


class MachineDefinition(TypedDict):
    """A `transitions` Machine's states and transitions, as this module and
    domain/proposal_states.py give them to it."""

    states: list[str]
    transitions: list[TransitionConfigDict]
    initial: str
    auto_transitions: bool


def _machine_definition() -> MachineDefinition:
    return {
        "states": [p.value for p in Phase],
        "transitions": [
            {"trigger": trigger, "source": [s.value for s in sources], "dest": dest.value,
             "conditions": list(guards)}
            for trigger, sources, dest, guards in TRANSITIONS
        ],
        "initial": Phase.DRAFT.value,
        "auto_transitions": False,
    }


class PhaseMachine:
    """Answers whether a trigger may fire from a phase, given the facts the guards look at."""

    def __init__(self) -> None:
        # model=None: the machine carries no model, so it cannot touch the aggregate.
        self._machine = Machine(model=None, **_machine_definition())

    def triggers_from(self, phase: Phase) -> list[str]:
        return [t for t in TRIGGERS if t in self._machine.get_triggers(phase.value)]

    def status(
        self, phase: Phase, trigger: str, facts: TransitionFacts, *, listing: bool = False
    ) -> TriggerStatus:
        candidates = self._machine.get_transitions(trigger=trigger, source=phase.value)
        if not candidates:
            raise PhaseError(
                f"The trigger '{trigger}' is not possible from this phase."
                if trigger in TRIGGERS
                else f"Unknown trigger '{trigger}'; triggers are: {', '.join(TRIGGERS)}.",
                phase,
                self.allowed_now(phase, facts),
            )
        transition = candidates[0]
        # Guards are given by name in TRANSITIONS, so every condition's func is a str.
        guards = [(str(c.func), c.target) for c in transition.conditions]
        refusals = tuple(
            GUARD_EXPLANATIONS[name]
            for name, target in guards
            if not (listing and name in COMMAND_GUARDS) and bool(getattr(facts, name)) != target
        )
        return TriggerStatus(trigger, Phase(str(transition.dest)), not refusals, refusals)

    def overview(self, phase: Phase, facts: TransitionFacts) -> list[TriggerStatus]:
        """Every trigger from `phase`: allowed, or the guards that would refuse it."""
        return [self.status(phase, t, facts, listing=True) for t in self.triggers_from(phase)]

    def allowed_now(self, phase: Phase, facts: TransitionFacts) -> list[str]:
        return [s.trigger for s in self.overview(phase, facts) if s.allowed]

    def check(self, phase: Phase, trigger: str, facts: TransitionFacts) -> Phase:
        """The destination phase, or a refusal naming the phase and what is allowed now."""
        status = self.status(phase, trigger, facts)
        if not status.allowed:
            raise GuardRefused(
                f"Cannot {trigger}: {'; '.join(status.refusals)}.",
                phase,
                self.allowed_now(phase, facts),
            )
        return status.destination


PHASE_MACHINE = PhaseMachine()


def mermaid_diagram() -> str:
    """The phase graph with guards, as Mermaid, drawn from the same definition."""
    from transitions.extensions.diagrams import GraphMachine

    class _Drawing:  # GraphMachine needs a model to draw; this one is thrown away.
        pass

    graph = GraphMachine(
        model=_Drawing(), graph_engine="mermaid", show_conditions=True,
        title="Budget cycle phases", **_machine_definition(),
    )
    return str(graph.get_combined_graph().draw(None))
