"""Eligibility as municipalities write it (issue 17, ADR 0025): residence as a set of codes, a
pot open to the whole municipality (every territorial area's residents, and no one else), and
areas stored before either loading and behaving exactly as they did."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.areas import Area, area_from_stored, residence_names
from domain.errors import InvalidInput
from tests.unit.domain_builders import ADMIN, configured_cycle, rebuilt

ON = date(2027, 4, 20)
ADULT = date(1980, 1, 1)

# An area as stored before residence sets, exactly as its AreaAdded event holds it.
OLD: dict[str, Any] = {"id": "norr", "name": "Norr", "kind": "territorial", "budget": 10_000,
                       "eligibility": {"min_age": None, "max_age": None, "residence": "norr"},
                       "voting_rule": None, "allocation_rule": None}


def test_an_area_stored_before_sets_loads_and_behaves_as_before() -> None:
    area = area_from_stored(OLD)
    assert area.to_dict() == OLD  # stored again exactly as it was
    assert area.eligibility.refusal(ADULT, "norr", ON) is None
    assert area.eligibility.refusal(ADULT, "soder", ON) == "voters in this area must live in 'norr'"
    assert area.eligibility.refusal(ADULT, None, ON) is not None
    no_condition = area_from_stored({**OLD, "eligibility": {}})
    assert no_condition.eligibility.refusal(None, None, ON) is None


def test_a_set_of_residences_admits_any_of_them_and_no_other() -> None:
    area = Area.from_dict({"id": "centrum", "name": "Centrum", "budget": 100,
                           "eligibility": {"residence": ["norr", "soder"]}})
    assert area.eligibility.residences == ("norr", "soder")
    for home in ("norr", "soder"):
        assert area.eligibility.refusal(ADULT, home, ON) is None
    assert area.eligibility.refusal(ADULT, "stockholm", ON) == (
        "voters in this area must live in 'norr' or 'soder'")
    stored = area.to_dict()
    assert stored["eligibility"] == {"min_age": None, "max_age": None,
                                     "residence": ["norr", "soder"]}
    assert area_from_stored(stored) == area


def test_a_municipality_wide_pot_admits_its_residents_and_refuses_stockholm() -> None:
    cycle = configured_cycle()  # norr has no residence condition in these builders
    cycle.add_area({"id": "soder", "name": "Söder", "budget": 100,
                    "eligibility": {"residence": "soder"}}, ADMIN)
    cycle.add_area({"id": "vaster", "name": "Väster", "budget": 100,
                    "eligibility": {"residence": ["vaster", "hagalund"]}}, ADMIN)
    cycle.add_area({"id": "hela", "name": "Hela kommunen", "kind": "theme", "budget": 100,
                    "eligibility": {"municipality_wide": True}}, ADMIN)
    # A group pot's codes are not the municipality's: only territorial areas say who lives here.
    cycle.add_area({"id": "pendlare", "name": "Pendlare", "kind": "group", "budget": 100,
                    "eligibility": {"residence": "stockholm"}}, ADMIN)
    for home in ("soder", "vaster", "hagalund"):
        assert cycle.eligibility_refusal("hela", ADULT, home, ON) is None
    for stranger in ("stockholm", None):
        assert cycle.eligibility_refusal("hela", ADULT, stranger, ON) == (
            "voters in this area must live in the municipality")
    again = rebuilt(cycle)
    assert again.area("hela").eligibility.municipality_wide
    assert again.eligibility_refusal("hela", ADULT, "stockholm", ON) is not None
    assert cycle.area("hela").to_dict()["eligibility"]["municipality_wide"] is True
    assert "municipality_wide" not in cycle.area("soder").to_dict()["eligibility"]


def test_a_municipality_wide_pot_can_still_have_an_age_limit() -> None:
    area = Area.from_dict({"id": "unga", "name": "Unga", "budget": 100, "eligibility": {
        "municipality_wide": True, "min_age": 13, "max_age": 25}})
    assert area.eligibility.refusal(ADULT, "norr", ON, {"norr"}) == (
        "voters in this area must be at most 25 years old")
    assert area.eligibility.refusal(date(2010, 1, 1), "norr", ON, {"norr"}) is None


@pytest.mark.parametrize(("eligibility", "field"), [
    ({"residence": []}, "area.eligibility.residence"),
    ({"residence": [""]}, "area.eligibility.residence"),
    ({"residence": ["norr", 1]}, "area.eligibility.residence"),
    ({"residence": ["norr", "norr"]}, "area.eligibility.residence"),
    ({"residence": [f"d{n}" for n in range(51)]}, "area.eligibility.residence"),
    ({"residence": {"norr": True}}, "area.eligibility.residence"),
    ({"municipality_wide": "yes"}, "area.eligibility.municipality_wide"),
    ({"municipality_wide": True, "residence": "norr"}, "area.eligibility"),
    ({"works_at": "norr"}, "area.eligibility"),
])
def test_bad_eligibility_is_refused(eligibility: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Area.from_dict({"id": "a", "name": "A", "budget": 1, "eligibility": eligibility})
    assert refused.value.field == field


def test_every_code_of_a_set_is_named_for_people() -> None:
    areas = [{"id": "norr", "name": "Norr", "eligibility": {"residence": "norr"}},
             {"id": "soder", "name": "Söder", "eligibility": {"residence": "soder"}},
             {"id": "centrum", "name": "Centrum",
              "eligibility": {"residence": ["norr", "soder", "kvarn"]}}]
    assert residence_names(areas) == {"norr": "Norr", "soder": "Söder", "kvarn": "Centrum"}


def test_where_a_voter_works_counts_only_where_the_area_accepts_it() -> None:
    lives_only = Area.from_dict({"id": "norr", "name": "Norr", "budget": 1,
                                 "eligibility": {"residence": "norr"}})
    lives_or_works = Area.from_dict({"id": "paris", "name": "Paris", "budget": 1, "eligibility": {
        "residence": ["norr", "soder"], "accept_works_in": True}})
    commuter = {"residence": "stockholm", "works_in": "norr"}
    assert lives_only.eligibility.refusal(ADULT, on=ON, **commuter) is not None
    assert lives_or_works.eligibility.refusal(ADULT, on=ON, **commuter) is None
    assert lives_or_works.eligibility.refusal(ADULT, "norr", ON) is None
    assert lives_or_works.eligibility.refusal(ADULT, "stockholm", ON, works_in="uppsala") == (
        "voters in this area must live or work in 'norr' or 'soder'")
    whole = Area.from_dict({"id": "hela", "name": "Hela", "budget": 1, "eligibility": {
        "municipality_wide": True, "accept_works_in": True}})
    assert whole.eligibility.refusal(ADULT, None, ON, {"norr"}, works_in="norr") is None
    assert whole.eligibility.refusal(ADULT, "stockholm", ON, {"norr"}, "uppsala") == (
        "voters in this area must live or work in the municipality")
    assert lives_or_works.to_dict()["eligibility"]["accept_works_in"] is True
    assert "accept_works_in" not in lives_only.to_dict()["eligibility"]
    assert area_from_stored(lives_or_works.to_dict()) == lives_or_works


@pytest.mark.parametrize("eligibility", [
    {"accept_works_in": "true", "residence": "norr"},
    {"accept_works_in": True},  # nothing for the work place to match
    {"accept_works_in": True, "min_age": 13},
])
def test_bad_works_in_settings_are_refused(eligibility: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as refused:
        Area.from_dict({"id": "a", "name": "A", "budget": 1, "eligibility": eligibility})
    assert refused.value.field == "area.eligibility.accept_works_in"
