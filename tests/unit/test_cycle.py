from __future__ import annotations

import pytest

from domain.cycle import BudgetCycle, ProposalFacts
from domain.errors import Conflict, GuardRefused, InvalidInput, NotFound, PhaseError
from domain.phases import Phase
from tests.unit.domain_builders import ADMIN, all_reviewed, configured_cycle, rebuilt, state


def test_a_new_cycle_is_a_draft() -> None:
    cycle = BudgetCycle.create("Medborgarbudget 2027", "Nässjö kommun", ADMIN)
    assert cycle.phase is Phase.DRAFT and cycle.history == [] and cycle.decision is None


def test_open_ideas_needs_decision_funded_area_and_rule() -> None:
    cycle = BudgetCycle.create("Medborgarbudget 2027", "Nässjö kommun", ADMIN)
    with pytest.raises(GuardRefused) as refused:
        cycle.trigger("open_ideas", ADMIN, "", ProposalFacts())
    message = str(refused.value)
    assert "decision" in message and "budget above 0" in message and "voting rule" in message
    cycle.record_decision("Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    cycle.add_area({"id": "norr", "name": "Norr", "budget": 0}, ADMIN)
    cycle.set_voting_rule({"kind": "approval", "max_choices": 3}, ADMIN)
    with pytest.raises(GuardRefused, match="budget above 0"):
        cycle.trigger("open_ideas", ADMIN, "", ProposalFacts())
    cycle.change_area({"id": "norr", "name": "Norr", "budget": 1}, ADMIN)
    cycle.trigger("open_ideas", ADMIN, "beslutat", ProposalFacts())
    assert cycle.phase is Phase.IDEAS


def test_every_transition_records_trigger_phases_actor_time_and_reason() -> None:
    cycle = configured_cycle()
    cycle.trigger("open_ideas", "admin:anna", "KF har beslutat", ProposalFacts())
    change = cycle.history[-1]
    assert (change.trigger, change.from_phase, change.to_phase) == ("open_ideas", "draft", "ideas")
    assert change.actor == "admin:anna" and change.reason == "KF har beslutat"
    assert change.at.tzinfo is not None and change.at.utcoffset().total_seconds() == 0


def test_configuration_is_accepted_in_draft_only() -> None:
    cycle = configured_cycle()
    cycle.trigger("open_ideas", ADMIN, "beslutat", ProposalFacts())
    for command in (
        lambda: cycle.add_area({"id": "soder", "name": "Söder", "budget": 5}, ADMIN),
        lambda: cycle.set_voting_rule({"kind": "approval"}, ADMIN),
        lambda: cycle.set_allocation_rule("mes", ADMIN),
        lambda: cycle.record_decision("KF", "2026-01-01", "x", ADMIN),
        lambda: cycle.set_timeline({"ideas": "2027-01-01"}, ADMIN),
        lambda: cycle.remove_area("norr", ADMIN),
    ):
        with pytest.raises(PhaseError, match=r"only in phase draft.*phase 'ideas'"):
            command()


def test_cancel_requires_a_reason_and_is_final() -> None:
    cycle = configured_cycle()
    with pytest.raises(GuardRefused, match="a reason must be given"):
        cycle.trigger("cancel", ADMIN, "   ", ProposalFacts())
    cycle.trigger("cancel", ADMIN, "Budgeten drogs in", ProposalFacts())
    assert cycle.phase is Phase.CANCELLED
    with pytest.raises(PhaseError, match="allowed now: none"):
        cycle.trigger("cancel", ADMIN, "igen", ProposalFacts())


def test_publish_results_only_with_a_complete_tally() -> None:
    cycle = configured_cycle()
    for trigger in ("open_ideas", "close_ideas", "open_voting", "close_voting"):
        cycle.trigger(trigger, ADMIN, "test", all_reviewed(cycle))
    with pytest.raises(GuardRefused, match="tally"):
        cycle.trigger("publish_results", ADMIN, "", all_reviewed(cycle))
    with pytest.raises(GuardRefused, match="tally"):
        cycle.publish_results({"areas": {"norr": {}}}, ADMIN, "", all_reviewed(cycle))
    results = {"areas": {"norr": {"selected": []}, "unga": {"selected": []}}}
    cycle.publish_results(results, ADMIN, "räknat", all_reviewed(cycle))
    assert cycle.phase is Phase.RESULTS and cycle.results == results
    assert cycle.history[-1].trigger == "publish_results"


def test_open_voting_needs_reviews_and_a_feasible_proposal_per_area() -> None:
    cycle = configured_cycle()
    cycle.trigger("open_ideas", ADMIN, "beslutat", ProposalFacts())
    cycle.trigger("close_ideas", ADMIN, "slut", ProposalFacts())
    with pytest.raises(GuardRefused, match="every proposal needs a review"):
        cycle.trigger("open_voting", ADMIN, "",
                      ProposalFacts(1, frozenset({"norr", "unga"})))
    with pytest.raises(GuardRefused, match="every area needs at least one feasible"):
        cycle.trigger("open_voting", ADMIN, "", ProposalFacts(0, frozenset({"norr"})))
    cycle.trigger("open_voting", ADMIN, "prövat", all_reviewed(cycle))
    assert cycle.phase is Phase.VOTING


def test_a_successor_copies_configuration_but_not_the_decision() -> None:
    first = configured_cycle(kind="cumulative", max_points_per_project=3, max_total_points=5)
    first.set_allocation_rule("greedy-threshold", ADMIN, threshold=50)
    first.trigger("open_ideas", ADMIN, "Beslutat", ProposalFacts())  # a draft has no successor
    second = BudgetCycle.create("Medborgarbudget 2028", "Testkommun", ADMIN, predecessor=first)
    assert second.predecessor_id == str(first.id)
    assert second.areas == first.areas and second.voting_rule == first.voting_rule
    assert (second.allocation_rule, second.score_threshold) == ("greedy-threshold", 50)
    assert second.decision is None and second.phase is Phase.DRAFT
    assert state(rebuilt(second)) == state(second)


@pytest.mark.parametrize(
    ("area", "field"),
    [
        ({"id": "Norr!", "name": "Norr", "budget": 1}, "area.id"),
        ({"id": "norr", "name": " ", "budget": 1}, "area.name"),
        ({"id": "norr", "name": "Norr", "budget": -5}, "area.budget"),
        ({"id": "norr", "name": "Norr", "budget": 12.5}, "area.budget"),
        ({"id": "norr", "name": "Norr", "budget": "abc"}, "area.budget"),
        ({"id": "norr", "name": "Norr", "budget": 1, "kind": "city"}, "area.kind"),
        ({"id": "norr", "name": "Norr", "budget": 1, "eligibility": {"min_age": 30,
                                                                      "max_age": 20}},
         "area.eligibility"),
        ({"id": "norr", "name": "Norr", "budget": 1, "allocation_rule": "lottery"},
         "area.allocation_rule"),
    ],
)
def test_bad_areas_are_refused_and_record_nothing(area: dict[str, object], field: str) -> None:
    cycle = BudgetCycle.create("Medborgarbudget 2027", "Nässjö kommun", ADMIN)
    cycle.collect_events()
    with pytest.raises(InvalidInput) as refused:
        cycle.add_area(area, ADMIN)
    assert refused.value.field == field
    assert cycle.collect_events() == []


def test_unknown_area_is_not_found() -> None:
    with pytest.raises(NotFound, match=r"No area 'soder'.*norr, unga"):
        configured_cycle().area("soder")


def test_timeline_must_follow_the_phases() -> None:
    cycle = configured_cycle()
    with pytest.raises(InvalidInput, match="order of the phases"):
        cycle.set_timeline({"ideas": "2027-05-01", "voting": "2027-03-01"}, ADMIN)
    with pytest.raises(InvalidInput, match="unknown phase"):
        cycle.set_timeline({"party": "2027-05-01"}, ADMIN)
    cycle.set_timeline({"ideas": "2027-02-01", "voting": "2027-04-01"}, ADMIN)
    assert cycle.timeline == {"ideas": "2027-02-01", "voting": "2027-04-01"}


def test_greedy_threshold_needs_a_threshold() -> None:
    with pytest.raises(InvalidInput, match="minimum score"):
        configured_cycle().set_allocation_rule("greedy-threshold", ADMIN)


def test_a_whole_cycle_rebuilds_from_its_events() -> None:
    cycle = configured_cycle()
    for trigger in ("open_ideas", "close_ideas", "open_voting", "close_voting"):
        cycle.trigger(trigger, ADMIN, trigger, all_reviewed(cycle))
    cycle.publish_results({"areas": {"norr": {}, "unga": {}}}, ADMIN, "räknat",
                          all_reviewed(cycle))
    cycle.record_adoption("Kommunstyrelsen", "2027-06-01", "KS § 2/2027", ADMIN)
    cycle.trigger("adopt", ADMIN, "antaget", all_reviewed(cycle))
    cycle.trigger("start_evaluation", ADMIN, "året är slut", all_reviewed(cycle))
    cycle.record_evaluation("Bra deltagande", ADMIN, participants=40)
    cycle.trigger("close", ADMIN, "redovisat", all_reviewed(cycle))
    assert cycle.phase is Phase.CLOSED
    assert state(rebuilt(cycle)) == state(cycle)


def _in(phase_trigger: str) -> BudgetCycle:
    cycle = configured_cycle()
    for trigger in ("open_ideas", "close_ideas", "open_voting", "close_voting"):
        if trigger == phase_trigger:
            break
        cycle.trigger(trigger, ADMIN, "test", all_reviewed(cycle))
    return cycle


def test_a_station_never_enters_more_ballots_than_it_marked_voters() -> None:
    cycle = _in("close_voting")  # voting
    cycle.enter_paper_ballots("norr", "Biblioteket", 2, marked=3, actor=ADMIN)
    with pytest.raises(Conflict, match="more ballots than voters"):
        cycle.enter_paper_ballots("norr", "Biblioteket", 2, marked=3, actor=ADMIN)
    # Another station, or another area of the same station, has its own roll.
    cycle.enter_paper_ballots("norr", "Rådhuset", 1, marked=1, actor=ADMIN)
    with pytest.raises(Conflict, match="Station 'Biblioteket' marked 0"):
        cycle.enter_paper_ballots("unga", "Biblioteket", 1, marked=0, actor=ADMIN)
    with pytest.raises(InvalidInput, match="at least one ballot"):
        cycle.enter_paper_ballots("norr", "Biblioteket", 0, marked=3, actor=ADMIN)
    with pytest.raises(NotFound):
        cycle.enter_paper_ballots("mars", "Biblioteket", 1, marked=3, actor=ADMIN)
    # Still possible while counting, and remembered through a replay.
    cycle.trigger("close_voting", ADMIN, "test", all_reviewed(cycle))
    cycle.enter_paper_ballots("norr", "Biblioteket", 1, marked=3, actor=ADMIN)
    assert rebuilt(cycle).paper_entered == {("norr", "Biblioteket"): 3,
                                            ("norr", "Rådhuset"): 1}


def test_paper_ballots_are_entered_in_voting_and_counting_only() -> None:
    cycle = _in("open_voting")  # review
    with pytest.raises(PhaseError, match="Entering paper ballots is possible only in phase"):
        cycle.enter_paper_ballots("norr", "Biblioteket", 1, marked=1, actor=ADMIN)
    with pytest.raises(PhaseError, match="phase 'review'"):
        cycle.require_phase("mark_in_roll")


def test_new_cycles_key_their_voters_pseudonyms_by_cycle() -> None:
    assert configured_cycle().pseudonyms == "per-cycle"
