"""Cycles with a cap on pots per voter (domain/pot_cap.py), driven into voting by the commands
a municipality gives; shared by the integration and HTTP tests of the cap."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from service.application import Medborgarbudget
from service.ballot_intake import Voter
from tests.ballots import person
from tests.integration.builders import ADMIN, REVIEWER, configured_cycle

# Two districts and a youth pot: a young resident of Norr may vote in Norr and in Unga.
AREAS: tuple[Mapping[str, Any], ...] = (
    {"id": "norr", "name": "Norr", "kind": "territorial", "budget": 100_000,
     "eligibility": {"residence": "norr"}},
    {"id": "soder", "name": "Söder", "kind": "territorial", "budget": 100_000,
     "eligibility": {"residence": "soder"}},
    {"id": "unga", "name": "Unga", "kind": "group", "budget": 50_000,
     "eligibility": {"min_age": 13, "max_age": 25}},
    {"id": "hela", "name": "Hela kommunen", "kind": "theme", "budget": 50_000},
)
YOUNG = date(2008, 5, 17)


def young_resident(number: int, residence: str = "norr") -> Voter:
    return person(number, YOUNG, residence)


def capped_cycle(app: Medborgarbudget, cap: Mapping[str, Any] | None,
                 ) -> tuple[UUID, dict[str, str]]:
    """A cycle with the four areas and `cap` (None: no cap), in voting with one proposal on
    each area's ballot; returns the cycle and each area's proposal."""
    cycle_id = configured_cycle(app, areas=AREAS)
    if cap is not None:
        app.set_pot_cap(cycle_id, cap, ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "test: open_ideas")
    proposals = {area["id"]: app.submit_proposal(
        cycle_id, area["id"], f"Förslag i {area['name']}", "En beskrivning.", 10_000, "test",
        f"proposer-{area['id']}") for area in AREAS}
    app.trigger(cycle_id, "close_ideas", ADMIN, "test: close_ideas")
    for proposal in proposals.values():
        app.review_proposal(proposal, True, 10_000, "", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "test: open_voting")
    return cycle_id, {area: str(proposal) for area, proposal in proposals.items()}
