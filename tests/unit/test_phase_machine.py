"""Every trigger from every phase, against DESIGN §3, on the machine alone."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from domain.errors import GuardRefused, PhaseError
from domain.phases import (
    GUARD_EXPLANATIONS,
    PHASE_MACHINE,
    TRIGGERS,
    Phase,
    mermaid_diagram,
)


@dataclass(frozen=True)
class Facts:
    decision_recorded: bool = True
    has_funded_area: bool = True
    voting_rule_chosen: bool = True
    every_proposal_reviewed: bool = True
    every_area_has_feasible_proposal: bool = True
    tally_recorded: bool = True
    adoption_recorded: bool = True
    evaluation_recorded: bool = True
    reason_given: bool = True
    # The support round's guards (ADR 0020); met together only on the machine alone.
    no_support_round: bool = True
    support_round_configured: bool = True
    every_area_has_supported_proposal: bool = True


ALL_MET = Facts()

# DESIGN §3, written out independently of domain/phases.py so that a change there is caught.
EXPECTED: dict[tuple[Phase, str], Phase] = {
    (Phase.DRAFT, "open_ideas"): Phase.IDEAS,
    (Phase.IDEAS, "close_ideas"): Phase.REVIEW,
    (Phase.REVIEW, "open_voting"): Phase.VOTING,
    (Phase.REVIEW, "open_support"): Phase.SUPPORT,
    (Phase.SUPPORT, "close_support"): Phase.VOTING,
    (Phase.VOTING, "close_voting"): Phase.COUNTING,
    (Phase.COUNTING, "publish_results"): Phase.RESULTS,
    (Phase.RESULTS, "adopt"): Phase.IMPLEMENTATION,
    (Phase.IMPLEMENTATION, "start_evaluation"): Phase.EVALUATION,
    (Phase.EVALUATION, "close"): Phase.CLOSED,
}
for _phase in Phase:
    if _phase not in (Phase.CLOSED, Phase.CANCELLED):
        EXPECTED[(_phase, "cancel")] = Phase.CANCELLED

GUARDS_OF: dict[str, list[str]] = {
    "open_ideas": ["decision_recorded", "has_funded_area", "voting_rule_chosen"],
    "open_voting": ["no_support_round", "every_proposal_reviewed",
                    "every_area_has_feasible_proposal"],
    "open_support": ["support_round_configured", "every_proposal_reviewed",
                     "every_area_has_feasible_proposal"],
    "close_support": ["every_area_has_supported_proposal"],
    "publish_results": ["tally_recorded"],
    "adopt": ["adoption_recorded"],
    "close": ["evaluation_recorded"],
}
# Every trigger is fired by a person who says why (issue #17): each needs a reason.
for _trigger in TRIGGERS:
    GUARDS_OF.setdefault(_trigger, []).append("reason_given")


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_trigger_from_every_phase(phase: Phase, trigger: str) -> None:
    if (phase, trigger) in EXPECTED:
        assert PHASE_MACHINE.check(phase, trigger, ALL_MET) is EXPECTED[(phase, trigger)]
    else:
        with pytest.raises(PhaseError) as refused:
            PHASE_MACHINE.check(phase, trigger, ALL_MET)
        assert f"phase '{phase.value}'" in str(refused.value)
        expected_allowed = [t for (p, t) in EXPECTED if p is phase]
        assert list(refused.value.allowed) == expected_allowed
        assert "allowed now: " + (", ".join(expected_allowed) or "none") in str(refused.value)


@pytest.mark.parametrize(
    ("trigger", "guard"), [(t, g) for t, guards in GUARDS_OF.items() for g in guards]
)
def test_every_guard_both_ways(trigger: str, guard: str) -> None:
    phase = next(p for (p, t) in EXPECTED if t == trigger)
    assert PHASE_MACHINE.check(phase, trigger, ALL_MET) is EXPECTED[(phase, trigger)]
    failing = replace(ALL_MET, **{guard: False})
    with pytest.raises(GuardRefused) as refused:
        PHASE_MACHINE.check(phase, trigger, failing)
    assert GUARD_EXPLANATIONS[guard] in str(refused.value)
    assert refused.value.phase is phase


def test_a_trigger_without_state_guards_needs_only_its_reason() -> None:
    nothing_but_a_reason = Facts(*([False] * 8), reason_given=True)
    assert PHASE_MACHINE.check(Phase.IDEAS, "close_ideas", nothing_but_a_reason) is Phase.REVIEW
    with pytest.raises(GuardRefused, match="a reason must be given"):
        PHASE_MACHINE.check(Phase.IDEAS, "close_ideas", Facts(*([False] * 9)))


def test_unknown_trigger_lists_the_known_ones() -> None:
    with pytest.raises(PhaseError, match="Unknown trigger 'launch'"):
        PHASE_MACHINE.check(Phase.DRAFT, "launch", ALL_MET)


def test_listing_explains_refused_guards_but_not_those_the_command_supplies() -> None:
    facts = Facts(decision_recorded=False, reason_given=False)
    listed = {s.trigger: s for s in PHASE_MACHINE.overview(Phase.DRAFT, facts)}
    assert not listed["open_ideas"].allowed
    assert listed["open_ideas"].refusals == (GUARD_EXPLANATIONS["decision_recorded"],)
    assert listed["cancel"].allowed  # the reason comes with the cancel command


def test_final_phases_allow_nothing() -> None:
    for phase in (Phase.CLOSED, Phase.CANCELLED):
        assert PHASE_MACHINE.triggers_from(phase) == []


def test_the_diagram_is_drawn_from_the_same_definition() -> None:
    diagram = mermaid_diagram()
    for (phase, trigger), destination in EXPECTED.items():
        assert f"{phase.value} --> {destination.value}: {trigger}" in diagram
