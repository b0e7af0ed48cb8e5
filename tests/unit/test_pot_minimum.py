"""A pot's minimum of votes in the cycle's configuration: 1 for an area made now, 0 for one
stored before the minimum existed (so old results count as they were published), refused when
it is not a whole number of votes."""

from __future__ import annotations

from typing import Any

import pytest

from domain.areas import DEFAULT_MIN_VOTES, Area, area_from_stored
from domain.cycle import BudgetCycle
from domain.cycle_tally import CountedBallot, CountedProposal, tally
from domain.errors import InvalidInput
from tests.unit.domain_builders import ADMIN, all_reviewed, configured_cycle, rebuilt

NORR = {"id": "norr", "name": "Norr", "budget": 250_000}


def test_an_area_made_now_needs_one_vote_unless_it_says_otherwise() -> None:
    assert DEFAULT_MIN_VOTES == 1
    assert Area.from_dict(NORR).min_votes == 1
    assert Area.from_dict({**NORR, "min_votes": None}).min_votes == 1
    assert Area.from_dict({**NORR, "min_votes": 0}).min_votes == 0
    assert Area.from_dict({**NORR, "min_votes": 25}).min_votes == 25
    assert Area.from_dict({**NORR, "min_votes": 25}).to_dict()["min_votes"] == 25


def test_an_area_stored_before_the_minimum_is_counted_without_one() -> None:
    stored: dict[str, Any] = {"id": "norr", "name": "Norr", "kind": "territorial",
                              "budget": 25_000_000, "eligibility": {}, "voting_rule": None,
                              "allocation_rule": None}
    old = area_from_stored(stored)
    assert old.min_votes is None and old.votes_needed == 0


def test_a_successor_of_a_cycle_from_before_minimums_gets_the_minimum_of_a_cycle_made_now(
) -> None:
    old = BudgetCycle.create("Test 2026", "Testkommun", ADMIN)
    old.record_decision("Kommunfullmäktige", "2025-11-26", "KF § 1/2025", ADMIN)
    # AreaAdded as stored before pots had a minimum.
    old._area_added({"id": "norr", "name": "Norr", "kind": "territorial",  # type: ignore[call-arg]
                     "budget": 100, "eligibility": {}, "voting_rule": None,
                     "allocation_rule": None}, ADMIN, old.created_at)
    old._area_added({**Area.from_dict({**NORR, "id": "alla", "min_votes": 0}).to_dict()},  # type: ignore[call-arg]
                    ADMIN, old.created_at)
    old.set_voting_rule({"kind": "approval", "max_choices": 1}, ADMIN)
    assert old.area_rules()["norr"].min_votes == 0
    old.trigger("open_ideas", ADMIN, "Beslut", all_reviewed(old))
    successor = BudgetCycle.create("Test 2027", "Testkommun", ADMIN, predecessor=old)
    # The old pot gets today's default; a pot that chose no minimum keeps its choice.
    assert {a.id: a.min_votes for a in successor.areas.values()} == {"norr": 1, "alla": 0}
    assert rebuilt(successor).areas["norr"].min_votes == 1


@pytest.mark.parametrize("bad", [-1, True, 1.5, "1", 10_000_001])
def test_a_minimum_that_is_not_a_whole_number_of_votes_is_refused_and_nothing_recorded(
        bad: object) -> None:
    cycle = BudgetCycle.create("Test", "Testkommun", ADMIN)
    before = len(cycle.pending_events)
    with pytest.raises(InvalidInput, match=r"area\.min_votes"):
        cycle.add_area({**NORR, "min_votes": bad}, ADMIN)
    assert len(cycle.pending_events) == before and not cycle.areas


def test_the_minimum_is_in_the_configuration_event_and_survives_replay_and_successors() -> None:
    cycle = BudgetCycle.create("Test", "Testkommun", ADMIN)
    cycle.add_area({**NORR, "min_votes": 3}, ADMIN)
    assert cycle.pending_events[-1].area["min_votes"] == 3  # type: ignore[attr-defined]
    assert rebuilt(cycle).areas["norr"].min_votes == 3
    assert cycle.configuration()["areas"][0]["min_votes"] == 3


def test_the_cycle_counts_each_pot_with_its_minimum() -> None:
    cycle = configured_cycle()
    rules = cycle.area_rules()
    assert rules["norr"].min_votes == 1 and rules["unga"].min_votes == 1
    proposals = [CountedProposal("p1", "norr", "Bänkar", 1_000_000),
                 CountedProposal("p2", "norr", "Boulebana", 3_000_000),
                 CountedProposal("p3", "unga", "Skatepark", 5_000_000)]
    ballots = [CountedBallot("b1", "norr", ("p1",), None)]
    results = tally(rules, proposals, ballots)
    norr = results["areas"]["norr"]
    assert norr["selected"] == ["p1"] and norr["min_votes"] == 1
    assert norr["reasons"]["p2"] == {"code": "below-min-votes",
                                     "counts": {"min_votes": 1, "votes": 0}}
    assert results["areas"]["unga"]["selected"] == []
