"""The cap on pots per voter as the domain holds it (ADR 0025): set in draft and checked, kept
by a successor, absent from cycles stored before it; which place a ballot takes, and the
refusal that names the pots used."""

from __future__ import annotations

from typing import Any

import pytest

from domain.cycle import BudgetCycle
from domain.errors import Conflict, InvalidInput, PhaseError
from domain.pot_cap import PotCap, PotCapReached, PotPlace, next_place, place_id
from tests.unit.domain_builders import ADMIN, all_reviewed, configured_cycle, rebuilt

NAMES = {"norr": "Norr", "soder": "Söder", "unga": "Unga"}


def test_set_in_draft_recorded_and_rebuilt_from_the_event() -> None:
    cycle = configured_cycle()
    cycle.set_pot_cap({"max_pots": 1, "uncounted": ["unga"]}, ADMIN)
    assert cycle.pot_cap == PotCap(1, ("unga",))
    assert rebuilt(cycle).pot_cap == PotCap(1, ("unga",))
    again = configured_cycle()
    again.set_pot_cap({"max_pots": 2}, ADMIN)
    again.set_pot_cap(None, ADMIN)
    assert again.pot_cap is None and rebuilt(again).pot_cap is None


def test_a_cycle_stored_before_the_cap_has_none() -> None:
    # The configuration a successor was created with before the cap existed, as stored.
    old: dict[str, Any] = {"areas": [{"id": "norr", "name": "Norr", "kind": "territorial",
                                      "budget": 100, "eligibility": {"residence": "norr"}}],
                           "voting_rule": None, "allocation_rule": "greedy"}
    predecessor = configured_cycle()
    predecessor.configuration = lambda: old  # type: ignore[method-assign]
    cycle = BudgetCycle._created("Gammal", "Testkommun", ADMIN, predecessor, "SEK")
    assert cycle.pot_cap is None and "pot_cap" not in cycle.configuration()
    assert rebuilt(cycle).pot_cap is None


def test_a_successor_keeps_the_cap() -> None:
    cycle = configured_cycle()
    cycle.set_pot_cap({"max_pots": 2}, ADMIN)
    successor = BudgetCycle._created("Nästa", "Testkommun", ADMIN, cycle, "SEK")
    assert successor.pot_cap == PotCap(2, ())
    assert rebuilt(successor).pot_cap == PotCap(2, ())


@pytest.mark.parametrize(("value", "field"), [
    (1, "pot_cap"),
    ({}, "pot_cap.max_pots"),
    ({"max_pots": 0}, "pot_cap.max_pots"),
    ({"max_pots": 101}, "pot_cap.max_pots"),
    ({"max_pots": True}, "pot_cap.max_pots"),
    ({"max_pots": 1.0}, "pot_cap.max_pots"),
    ({"max_pots": 1, "uncounted": "unga"}, "pot_cap.uncounted"),
    ({"max_pots": 1, "uncounted": [1]}, "pot_cap.uncounted"),
    ({"max_pots": 1, "uncounted": ["stockholm"]}, "pot_cap.uncounted"),
    ({"max_pots": 1, "uncounted": ["unga", "unga"]}, "pot_cap.uncounted"),
    ({"max_pots": 1, "exempt": ["unga"]}, "pot_cap"),
])
def test_bad_caps_are_refused_recording_nothing(value: object, field: str) -> None:
    cycle = configured_cycle()
    version = cycle.version
    with pytest.raises(InvalidInput) as refused:
        cycle.set_pot_cap(value, ADMIN)
    assert refused.value.field == field
    assert cycle.version == version


def test_the_cap_is_set_in_draft_only_and_removed_only_when_there_is_one() -> None:
    cycle = configured_cycle()
    with pytest.raises(Conflict, match="no cap"):
        cycle.set_pot_cap(None, ADMIN)
    cycle.trigger("open_ideas", ADMIN, "Beslut i KF", all_reviewed(cycle))
    with pytest.raises(PhaseError, match="phase 'ideas'"):
        cycle.set_pot_cap({"max_pots": 1}, ADMIN)


def test_an_uncounted_area_cannot_be_removed_from_under_the_cap() -> None:
    cycle = configured_cycle()
    cycle.set_pot_cap({"max_pots": 1, "uncounted": ["unga"]}, ADMIN)
    with pytest.raises(Conflict, match="set the cap without it first"):
        cycle.remove_area("unga", ADMIN)
    cycle.remove_area("norr", ADMIN)  # a counted one can


def test_a_ballot_takes_the_first_free_place_of_a_counted_area() -> None:
    cap = PotCap(2, ("unga",))
    assert next_place(cap, {}, "norr", NAMES) == 1
    assert next_place(cap, {1: "norr"}, "soder", NAMES) == 2
    assert next_place(cap, {2: "soder"}, "norr", NAMES) == 1
    assert next_place(cap, {1: "norr", 2: "soder"}, "unga", NAMES) is None


def test_no_free_place_is_refused_naming_the_pots_in_order() -> None:
    with pytest.raises(PotCapReached) as refused:
        next_place(PotCap(2), {2: "unga", 1: "soder"}, "norr", NAMES)
    assert refused.value.message == ("A resident may vote in at most 2 of this cycle's pots; "
                                     "this voter has already voted in 'Söder', 'Unga'.")


def test_a_place_is_one_per_voter_and_number_and_holds_no_choice() -> None:
    place = PotPlace.take("cycle-1", "pseudonym", 1, "norr")
    assert place.id == place_id("cycle-1", "pseudonym", 1)
    assert len({place_id("cycle-1", "pseudonym", 2), place_id("cycle-1", "other", 1),
                place_id("cycle-2", "pseudonym", 1), place.id}) == 4
    (taken,) = place.collect_events()
    assert set(taken.__dict__) - {"originator_id", "originator_version", "originator_topic",
                                  "timestamp"} == {
        "cycle_id", "voter", "number", "area"}
    assert (taken.timestamp.hour, taken.timestamp.minute, taken.timestamp.microsecond) == (0,) * 3
