"""A refusal by the phase (409) lists as "allowed now" exactly the triggers `GET .../transitions`
allows in that state, whichever command was refused and whatever the guards say. Over HTTP on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from service.api.auth import Role
from tests.e2e.api_client import (
    ADULT,
    API,
    DECISION,
    VOTING_RULE,
    Api,
    build_cycle,
    review,
)

IDEA = {"area": "norr", "title": "För tidigt", "description": "x", "estimated_cost": 1000,
        "category": "test"}


def _same_as_listed(api: Api, cycle: str, problem: dict[str, Any]) -> list[str]:
    listing = api.ok("GET", f"{API}/cycles/{cycle}/transitions")
    assert problem["status"] == 409 and problem["phase"] == listing["phase"]
    assert problem["allowed"] == listing["allowed"], (problem, listing)
    allowed_text = ", ".join(listing["allowed"]) or "none"
    assert problem["detail"].endswith(f"allowed now: {allowed_text}."), problem["detail"]
    return list(listing["allowed"])


def test_a_refusal_lists_what_the_transitions_list(api: Api) -> None:
    resident: dict[str, Any] = {"role": Role.RESIDENT, "subject": "tidig",
                                "residence": "norr", "birth_date": ADULT}
    # Draft, not yet configured: open_ideas' guards refuse it, so only cancel is allowed.
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": "Tillåtet nu 2027", "municipality": "Testby kommun"})
    base = f"{API}/cycles/{created['id']}"
    problem = api.refused("POST", f"{base}/proposals", 409, json=IDEA, **resident)
    assert _same_as_listed(api, created["id"], problem) == ["cancel"]

    # Review with an unreviewed proposal: open_voting is refused by its guard ...
    cycle = build_cycle(api, "ideas")
    api.fire(cycle.id, "close_ideas")
    base = f"{API}/cycles/{cycle.id}"
    problem = api.refused("PUT", f"{base}/voting-rule", 409, role=Role.ADMIN,
                          json=dict(VOTING_RULE))
    assert _same_as_listed(api, cycle.id, problem) == ["cancel"]
    # ... and allowed once every proposal is reviewed (the cycle alone cannot tell).
    for key, proposal_id in cycle.proposals.items():
        review(api, proposal_id, None if key == "simhall" else 100)
    problem = api.refused("PUT", f"{base}/decision", 409, role=Role.ADMIN, json=dict(DECISION))
    assert _same_as_listed(api, cycle.id, problem) == ["open_voting", "cancel"]
    problem = api.refused("POST", f"{base}/ballots", 409, json={
        "area": "norr", "selections": [cycle.proposals["utegym"]]}, **resident)
    assert _same_as_listed(api, cycle.id, problem) == ["open_voting", "cancel"]

    # Voting, counting, results before the adoption is recorded.
    api.fire(cycle.id, "open_voting")
    problem = api.refused("PUT", f"{base}/adoption", 409, role=Role.ADMIN, json=dict(DECISION))
    assert _same_as_listed(api, cycle.id, problem) == ["close_voting", "cancel"]
    api.fire(cycle.id, "close_voting")
    api.fire(cycle.id, "publish_results")
    problem = api.refused("POST", f"{base}/paper-ballots", 409, role=Role.OFFICIAL, json={
        "station": "Biblioteket", "area": "norr", "ballots": [{"selections": []}]})
    assert _same_as_listed(api, cycle.id, problem) == ["cancel"]
    # The refused trigger itself says the same.
    problem = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "adopt", "reason": "Antaget"})
    assert _same_as_listed(api, cycle.id, problem) == ["cancel"]
