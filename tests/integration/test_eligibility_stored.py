"""Eligibility as municipalities write it, on a real store, both backends (ADR 0025): areas with
a set of residences or open to the whole municipality replay as configured in a new process;
an area written the old way is stored in exactly the old form."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from domain.errors import InvalidInput
from service.application import Medborgarbudget
from tests.ballots import cast_ballot, person
from tests.integration.builders import ADMIN, REVIEWER, configured_cycle, refused_storing_nothing

OpenApp = Callable[[], Medborgarbudget]
AREA_ADDED = "medborgarbudget:BudgetCycle.AreaAdded"
AREAS = (
    {"id": "norr", "name": "Norr", "budget": 100_000, "eligibility": {"residence": "norr"}},
    {"id": "soder", "name": "Söder", "budget": 100_000,
     "eligibility": {"residence": ["soder", "hagalund"]}},
    {"id": "hela", "name": "Hela kommunen", "kind": "theme", "budget": 50_000,
     "eligibility": {"municipality_wide": True}},
)


def test_sets_and_the_whole_municipality_survive_a_restart(open_app: OpenApp) -> None:
    first = open_app()
    cycle_id = configured_cycle(first, areas=AREAS)
    first.trigger(cycle_id, "open_ideas", ADMIN, "test")
    proposals = {area["id"]: first.submit_proposal(
        cycle_id, str(area["id"]), "Idé", "Beskrivning.", 1_000, "test", f"proposer {n}")
        for n, area in enumerate(AREAS)}
    first.trigger(cycle_id, "close_ideas", ADMIN, "test")
    for each in proposals.values():
        first.review_proposal(each, True, 1_000, "", REVIEWER)
    proposal = proposals["hela"]
    again = open_app()
    again.trigger(cycle_id, "open_voting", ADMIN, "test")
    born = date(1980, 1, 1)
    cast_ballot(again, cycle_id, "hela", person(1, born, "hagalund"), [str(proposal)])
    cast_ballot(again, cycle_id, "hela", person(2, born, "norr"), [str(proposal)])
    for stranger in (person(3, born, "stockholm"), person(4, born, None)):
        refused_storing_nothing(
            again, InvalidInput,
            lambda v=stranger: cast_ballot(again, cycle_id, "hela", v, [str(proposal)]),
            match="must live in the municipality")


def test_an_area_written_the_old_way_is_stored_in_the_old_form(app: Medborgarbudget) -> None:
    configured_cycle(app, areas=AREAS)
    stored = [json.loads(n.state) for n in app.recorder.select_notifications(0, 100)
              if n.topic == AREA_ADDED]
    eligibility = {s["area"]["id"]: s["area"]["eligibility"] for s in stored}
    assert eligibility["norr"] == {"min_age": None, "max_age": None, "residence": "norr"}
    assert eligibility["soder"]["residence"] == ["soder", "hagalund"]
    assert "municipality_wide" not in eligibility["soder"]
    assert eligibility["hela"]["municipality_wide"] is True
