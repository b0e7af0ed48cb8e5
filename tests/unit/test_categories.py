"""A cycle's categories: set by the administrator in draft, checked, kept by a successor; a
proposal picks one of them, or names its own (or none) when the cycle has none."""

from __future__ import annotations

import pytest

from domain.categories import categories_from, chosen_category
from domain.cycle import BudgetCycle
from domain.errors import InvalidInput, PhaseError
from domain.phases import Phase
from tests.unit.domain_builders import configured_cycle, rebuilt

LIST = [{"id": "natur", "name": "Natur och miljö"}, {"id": "lek", "name": " Lek "}]


def test_set_in_draft_recorded_and_rebuilt_from_the_event() -> None:
    cycle = configured_cycle()
    cycle.set_categories(LIST, "admin:a")
    assert [c.id for c in cycle.categories] == ["natur", "lek"]
    assert cycle.categories[1].name == "Lek"
    again = rebuilt(cycle)
    assert again.categories == cycle.categories
    assert cycle.proposal_category("natur") == "natur"


@pytest.mark.parametrize(("value", "field"), [
    ("natur", "categories"),
    ([{"id": "Natur", "name": "Natur"}], "categories[0].id"),
    ([{"id": "natur"}], "categories[0].name"),
    ([{"id": "natur", "name": "x" * 81}], "categories[0].name"),
    ([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "categories"),
    ([{"id": "a", "name": "Natur"}, {"id": "b", "name": "natur"}], "categories"),
    ([{"id": f"c{n}", "name": f"C {n}"} for n in range(51)], "categories"),
    (["natur"], "categories[0]"),
])
def test_bad_lists_are_refused(value: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        categories_from(value)
    assert refused.value.field == field


def test_refused_outside_draft_saying_the_phase() -> None:
    cycle = configured_cycle()
    cycle.phase = Phase.IDEAS  # as if opened: the guard looks only at the phase
    with pytest.raises(PhaseError) as refused:
        cycle.set_categories(LIST, "admin:a")
    assert "ideas" in str(refused.value)


def test_a_proposal_chooses_from_the_list_or_freely_without_one() -> None:
    categories = categories_from(LIST)
    assert chosen_category(categories, "lek") == "lek"
    for wrong in ("idrott", "", None, "Lek"):
        with pytest.raises(InvalidInput, match="natur, lek"):
            chosen_category(categories, wrong)
    assert chosen_category((), " idrott ") == "idrott"
    assert chosen_category((), None) == ""
    with pytest.raises(InvalidInput):
        chosen_category((), "x" * 81)
    with pytest.raises(InvalidInput):
        chosen_category((), 5)


def test_a_successor_keeps_the_list_and_a_cycle_without_one_is_created_as_before() -> None:
    plain = configured_cycle()
    assert "categories" not in plain.configuration()
    cycle = configured_cycle()
    cycle.set_categories(LIST, "admin:a")
    cycle.phase = Phase.IDEAS
    successor = BudgetCycle.create("Nästa år", "Testby kommun", "admin:a", predecessor=cycle)
    assert successor.categories == cycle.categories
