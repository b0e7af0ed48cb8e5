"""Every trigger from every phase, through the application service on a real store (DESIGN §3).

Each phase is reached by really driving a cycle there. A trigger the graph allows moves the cycle
and records who, when and why; any other is refused with a PhaseError naming the phase and the
triggers allowed now, and a refused transition stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from uuid import UUID

import pytest

from domain.errors import GuardRefused, PhaseError
from domain.phases import FINAL_PHASES, GUARD_EXPLANATIONS, TRIGGERS, Phase
from service.application import Medborgarbudget
from tests.integration.builders import (
    ADMIN,
    AREAS,
    IDEAS,
    REVIEWER,
    configured_cycle,
    drive,
    graph_destination,
    graph_triggers,
    refused_storing_nothing,
    stored,
    stored_since,
)

OpenApp = Callable[[], Medborgarbudget]


def _last_notification(app: Medborgarbudget) -> object:
    last = stored(app)
    (notification,) = app.recorder.select_notifications(last, 1)
    return app.mapper.to_domain_event(notification)


def _assert_phase_refusal(error: PhaseError, phase: Phase, allowed: list[str]) -> None:
    message = str(error)
    assert error.phase == phase
    assert tuple(error.allowed) == tuple(allowed)
    assert f"phase '{phase.value}'" in message
    assert f"allowed now: {', '.join(allowed) if allowed else 'none'}." in message


@pytest.mark.parametrize("phase", list(Phase), ids=[p.value for p in Phase])
def test_every_trigger_from_every_phase(open_app: OpenApp, phase: Phase) -> None:
    app, other = open_app(), open_app()
    built = drive(app, phase)
    assert app.cycle(built.cycle_id).phase is phase
    allowed = graph_triggers(phase)
    # Prepared on arrival, so every trigger the graph has from here is allowed now (but for
    # the support round's way to voting, which a cycle without one cannot take).
    assert [s.trigger for s in app.transitions(built.cycle_id) if s.allowed] == allowed
    for trigger in set(graph_triggers(phase, support_round=True)) - set(allowed):
        refused_storing_nothing(app, GuardRefused, partial(
            app.trigger, built.cycle_id, trigger, ADMIN, "ett skäl"),
            match=GUARD_EXPLANATIONS["support_round_configured"])

    for trigger in [*TRIGGERS, "fly_away"]:
        if trigger in allowed or trigger in graph_triggers(phase, support_round=True):
            continue
        error = refused_storing_nothing(
            app, PhaseError,
            partial(app.trigger, built.cycle_id, trigger, ADMIN, "ett skäl"),
        )
        assert not isinstance(error, GuardRefused), trigger
        assert f"'{trigger}'" in str(error)
        _assert_phase_refusal(error, phase, allowed)
        assert app.cycle(built.cycle_id).phase is phase

    for number, trigger in enumerate(allowed):
        cycle_id = built.cycle_id if number == 0 else drive(app, phase).cycle_id
        if trigger == "cancel":
            for empty in ("", "   "):
                error = refused_storing_nothing(
                    app, GuardRefused,
                    partial(app.trigger, cycle_id, "cancel", ADMIN, empty),
                    match=GUARD_EXPLANATIONS["reason_given"],
                )
                _assert_phase_refusal(error, phase, allowed)
        _assert_fires(app, other, cycle_id, phase, trigger)


def _assert_fires(app: Medborgarbudget, other: Medborgarbudget, cycle_id: UUID, phase: Phase,
                  trigger: str) -> None:
    destination = graph_destination(phase, trigger)
    assert destination is not None
    before = stored(app)
    reason = f"skäl för {trigger}"
    assert app.trigger(cycle_id, trigger, "admin:fires", f"  {reason} ") is destination
    (notification,) = stored_since(app, before)  # one transition, one event
    event = app.mapper.to_domain_event(notification)
    assert event.originator_id == cycle_id  # type: ignore[attr-defined]
    assert (event.trigger, event.from_phase, event.to_phase) == (  # type: ignore[attr-defined]
        trigger, phase.value, destination.value)
    cycle = other.cycle(cycle_id)
    assert cycle.phase is destination
    change = cycle.history[-1]
    assert (change.trigger, change.from_phase, change.to_phase) == (
        trigger, phase.value, destination.value)
    assert change.actor == "admin:fires" and change.reason == reason
    offset = change.at.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    if destination in FINAL_PHASES:
        assert [s.trigger for s in other.transitions(cycle_id)] == []


# ---- every guard, both ways ----------------------------------------------------------------


def test_open_ideas_needs_the_decision(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app, decision=False)
    refused_storing_nothing(app, GuardRefused,
                            lambda: app.trigger(cycle_id, "open_ideas", ADMIN, "start"),
                            match=GUARD_EXPLANATIONS["decision_recorded"])
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 9/2026", ADMIN)
    assert app.trigger(cycle_id, "open_ideas", ADMIN, "start") is Phase.IDEAS


def test_open_ideas_needs_a_funded_area(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app, areas=[])
    refused_storing_nothing(app, GuardRefused,
                            lambda: app.trigger(cycle_id, "open_ideas", ADMIN, "start"),
                            match=GUARD_EXPLANATIONS["has_funded_area"])
    app.add_area(cycle_id, {"id": "norr", "name": "Norr", "budget": 0}, ADMIN)
    error = refused_storing_nothing(app, GuardRefused,
                                    lambda: app.trigger(cycle_id, "open_ideas", ADMIN, "start"))
    assert GUARD_EXPLANATIONS["has_funded_area"] in str(error)
    assert GUARD_EXPLANATIONS["decision_recorded"] not in str(error)
    _assert_phase_refusal(error, Phase.DRAFT, ["cancel"])
    app.change_area(cycle_id, {"id": "norr", "name": "Norr", "budget": 1}, ADMIN)
    assert app.trigger(cycle_id, "open_ideas", ADMIN, "start") is Phase.IDEAS


def test_open_ideas_needs_a_voting_rule(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app, rule=None)
    refused_storing_nothing(app, GuardRefused,
                            lambda: app.trigger(cycle_id, "open_ideas", ADMIN, "start"),
                            match=GUARD_EXPLANATIONS["voting_rule_chosen"])
    app.set_voting_rule(cycle_id, {"kind": "approval", "max_choices": 1}, ADMIN)
    assert app.trigger(cycle_id, "open_ideas", ADMIN, "start") is Phase.IDEAS


def test_a_rule_on_every_area_is_a_chosen_voting_rule(app: Medborgarbudget) -> None:
    rule = {"kind": "knapsack", "min_choices": 1}
    half = [AREAS[0], {**AREAS[1], "voting_rule": rule}]
    cycle_id = configured_cycle(app, rule=None, areas=half)
    refused_storing_nothing(app, GuardRefused,
                            lambda: app.trigger(cycle_id, "open_ideas", ADMIN, "start"),
                            match=GUARD_EXPLANATIONS["voting_rule_chosen"])
    app.change_area(cycle_id, {**AREAS[0], "voting_rule": rule}, ADMIN)
    assert app.trigger(cycle_id, "open_ideas", ADMIN, "start") is Phase.IDEAS


def test_open_voting_needs_every_proposal_reviewed(app: Medborgarbudget) -> None:
    built = drive(app, Phase.REVIEW, prepared=False)
    titles = [title for _, title, _, _ in IDEAS]
    for number, title in enumerate(titles):
        error = refused_storing_nothing(
            app, GuardRefused, lambda: app.trigger(built.cycle_id, "open_voting", ADMIN, "nu"),
            match=GUARD_EXPLANATIONS["every_proposal_reviewed"],
        )
        _assert_phase_refusal(error, Phase.REVIEW, ["cancel"])
        official = IDEAS[number][3]
        app.review_proposal(built.proposals[title], official is not None, official,
                            "" if official else "För dyrt.", REVIEWER)
    assert app.trigger(built.cycle_id, "open_voting", ADMIN, "nu") is Phase.VOTING


def test_withdrawn_and_merged_proposals_need_no_review(app: Medborgarbudget) -> None:
    built = drive(app, Phase.REVIEW, prepared=False)
    gym, light, pool, cafe, wall = (built.proposals[t] for _, t, _, _ in IDEAS)
    app.review_proposal(gym, True, 65_000, "", REVIEWER)
    app.review_proposal(cafe, True, 25_000, "", REVIEWER)
    refused_storing_nothing(app, GuardRefused,
                            lambda: app.trigger(built.cycle_id, "open_voting", ADMIN, "nu"),
                            match=GUARD_EXPLANATIONS["every_proposal_reviewed"])
    app.merge_proposal(light, gym, "Samma plats; slås ihop.", REVIEWER)
    app.withdraw_proposal(pool, "Förslagsställaren drog tillbaka.", ADMIN)
    app.withdraw_proposal(wall, "Förslagsställaren drog tillbaka.", ADMIN)
    assert app.trigger(built.cycle_id, "open_voting", ADMIN, "nu") is Phase.VOTING


def test_open_voting_needs_a_feasible_proposal_in_each_area(app: Medborgarbudget) -> None:
    built = drive(app, Phase.REVIEW, prepared=False)
    for area, title, _, official in IDEAS:
        feasible = area == "norr" and official is not None
        app.review_proposal(built.proposals[title], feasible, official if feasible else None,
                            "" if feasible else "Inte genomförbart.", REVIEWER)
    error = refused_storing_nothing(
        app, GuardRefused, lambda: app.trigger(built.cycle_id, "open_voting", ADMIN, "nu"),
        match=GUARD_EXPLANATIONS["every_area_has_feasible_proposal"],
    )
    assert GUARD_EXPLANATIONS["every_proposal_reviewed"] not in str(error)
    # A review may be revised while the review phase lasts.
    app.review_proposal(built.proposals["Graffitivägg"], True, 15_000, "Omprövat.", REVIEWER)
    assert app.trigger(built.cycle_id, "open_voting", ADMIN, "nu") is Phase.VOTING


def test_publish_results_needs_the_tally_recorded(app: Medborgarbudget) -> None:
    built = drive(app, Phase.COUNTING)
    facts = app.proposal_facts(built.cycle_id)
    cycle = app.cycle(built.cycle_id)
    before = stored(app)
    with pytest.raises(GuardRefused, match=GUARD_EXPLANATIONS["tally_recorded"]):
        cycle.trigger("publish_results", ADMIN, "utan räkning", facts)
    with pytest.raises(GuardRefused, match=GUARD_EXPLANATIONS["tally_recorded"]):
        cycle.publish_results({"areas": {"norr": {"selected": []}}}, ADMIN, "halv", facts)
    app.save(cycle)
    assert stored(app) == before and cycle.phase is Phase.COUNTING

    assert app.trigger(built.cycle_id, "publish_results", ADMIN, "räknat") is Phase.RESULTS
    event = _last_notification(app)
    results = event.results  # type: ignore[attr-defined]
    assert set(results["areas"]) == {a["id"] for a in AREAS}
    assert results["ballots_counted"] == len(built.ballots)
    for area_id, area_result in results["areas"].items():
        assert area_result["ballots"] == len(built.ballots) // len(AREAS)
        assert set(area_result["selected"]) <= {str(p) for p in built.feasible[area_id]}
    assert app.cycle(built.cycle_id).results == results


def test_adopt_needs_the_adoption_recorded(app: Medborgarbudget) -> None:
    built = drive(app, Phase.RESULTS, prepared=False)
    error = refused_storing_nothing(
        app, GuardRefused, lambda: app.trigger(built.cycle_id, "adopt", ADMIN, "antaget"),
        match=GUARD_EXPLANATIONS["adoption_recorded"],
    )
    _assert_phase_refusal(error, Phase.RESULTS, ["cancel"])
    app.record_adoption(built.cycle_id, "Kommunstyrelsen", "2027-06-10", "KS § 88/2027", ADMIN)
    assert app.trigger(built.cycle_id, "adopt", ADMIN, "antaget") is Phase.IMPLEMENTATION
    assert app.cycle(built.cycle_id).adoption == {
        "body": "Kommunstyrelsen", "date": "2027-06-10", "reference": "KS § 88/2027"}


def test_close_needs_the_evaluation_recorded(app: Medborgarbudget) -> None:
    built = drive(app, Phase.EVALUATION, prepared=False)
    error = refused_storing_nothing(
        app, GuardRefused, lambda: app.trigger(built.cycle_id, "close", ADMIN, "klart"),
        match=GUARD_EXPLANATIONS["evaluation_recorded"],
    )
    _assert_phase_refusal(error, Phase.EVALUATION, ["cancel"])
    app.record_evaluation(built.cycle_id, "Rapport till fullmäktige.", ADMIN, participants=6)
    assert app.trigger(built.cycle_id, "close", ADMIN, "klart") is Phase.CLOSED


def test_nothing_more_is_accepted_once_closed_or_cancelled(open_app: OpenApp) -> None:
    app = open_app()
    for phase in FINAL_PHASES:
        built = drive(app, phase, voters=1)
        for trigger in TRIGGERS:
            error = refused_storing_nothing(
                app, PhaseError,
                partial(app.trigger, built.cycle_id, trigger, ADMIN, "igen"),
            )
            _assert_phase_refusal(error, phase, [])
