"""A proposal that costs more than its area's whole budget cannot be reviewed feasible: the
refusal names both amounts and stores nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.money import format_money
from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import API, Api, build_cycle
from tests.integration.builders import REVIEWER, drive, refused_storing_nothing


def test_feasible_only_within_the_pot(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    api.fire(cycle.id, "close_ideas")
    review = f"{API}/proposals/{cycle.proposals['simhall']}/review"
    problem = api.refused("POST", review, 422, role=Role.REVIEWER,
                          json={"feasible": True, "official_cost": 3_000_000})
    assert problem["field"] == "official_cost"
    assert format_money(300_000_000) in problem["detail"]
    assert format_money(10_000_000) in problem["detail"]  # Norr's budget
    assert "Planeringsområde Norr" in problem["detail"]
    assert api.ok("GET", review.removesuffix("/review"))["status"] == "submitted"

    # The whole budget is still a feasible cost; a rejection needs no cost at all.
    assert api.reviewer("POST", review, json={"feasible": True, "official_cost": 100_000}
                        )["status"] == "feasible"
    assert api.reviewer("POST", review, json={"feasible": False, "reason": "För dyr."}
                        )["status"] == "infeasible"


def test_the_service_refuses_it_storing_nothing(api: Api) -> None:
    built = drive(api.app, Phase.REVIEW, prepared=False)
    app = api.app
    pool = next(p.id for p in app.proposals(built.cycle_id) if p.title == "Ny simhall")
    refused_storing_nothing(app, InvalidInput, lambda: app.review_proposal(
        pool, True, 100_001, "", REVIEWER), format_money(10_000_100))
    # An imported election's projects stand as published, whatever their cost.
    app.review_proposal(pool, True, 5_000_000, "Imported as published", REVIEWER,
                        as_published=True)
    assert app.proposal(pool).cost == 500_000_000  # öre
