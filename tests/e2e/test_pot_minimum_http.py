"""A pot's minimum of votes over HTTP: set and shown on the area, refused when malformed or
outside draft (problem+json, nothing stored), counted into the results the API and the pages
show (Swedish by default, English with ?lang=en). On both stores."""

from __future__ import annotations

from typing import Any

from tests.e2e.api_client import API, Api, decided_cycle


def _published(api: Api) -> tuple[str, dict[str, str]]:
    """A cycle with a pot of the default minimum (norr) and one without a minimum (alla)."""
    cycle_id, base = decided_cycle(api, "Medborgarbudget Testby 2027", "Testby")
    shown = api.admin("POST", f"{base}/areas", 201,
                      json={"id": "norr", "name": "Norr", "budget": 100_000})
    assert shown["areas"][0]["min_votes"] == 1  # the default for a pot made now
    shown = api.admin("POST", f"{base}/areas", 201,
                      json={"id": "alla", "name": "Alla", "kind": "theme", "budget": 100_000,
                            "min_votes": 0})
    assert {a["id"]: a["min_votes"] for a in shown["areas"]} == {"norr": 1, "alla": 0}
    api.admin("PUT", f"{base}/voting-rule", json={"kind": "approval", "min_choices": 1})
    api.fire(cycle_id, "open_ideas")
    ids: dict[str, str] = {}
    costs: dict[str, int] = {}
    for title, area, cost in (("Bänkar", "norr", 10_000), ("Boulebana", "norr", 30_000),
                              ("Scen", "alla", 10_000), ("Fontän", "alla", 20_000)):
        ids[title] = api.resident("POST", f"{base}/proposals", 201, subject=f"p-{title}",
                                  json={"area": area, "title": title, "description": title,
                                        "category": "park", "estimated_cost": cost})["id"]
        costs[title] = cost
    api.fire(cycle_id, "close_ideas")
    for title, proposal_id in ids.items():
        api.reviewer("POST", f"{API}/proposals/{proposal_id}/review",
                     json={"feasible": True, "official_cost": costs[title]})
    api.fire(cycle_id, "open_voting")
    for n in range(2):
        api.resident("POST", f"{base}/ballots", 201, subject=f"voter-{n}",
                     json={"area": "norr", "selections": [ids["Bänkar"]]})
    api.resident("POST", f"{base}/ballots", 201, subject="voter-9",
                 json={"area": "alla", "selections": [ids["Scen"]]})
    api.fire(cycle_id, "close_voting")
    api.fire(cycle_id, "publish_results")
    return cycle_id, ids


def test_no_votes_no_money_over_the_api_and_on_the_results_page(api: Api) -> None:
    cycle_id, ids = _published(api)
    results: dict[str, Any] = api.ok("GET", f"{API}/cycles/{cycle_id}/results")
    norr, alla = results["areas"]["norr"], results["areas"]["alla"]
    assert norr["selected"] == [ids["Bänkar"]] and norr["min_votes"] == 1
    assert norr["reasons"][ids["Boulebana"]] == (
        "below the pot's minimum of 1 vote: it has 0 votes")
    assert norr["reason_codes"][ids["Boulebana"]] == {
        "code": "below-min-votes", "counts": {"min_votes": 1, "votes": 0}}
    assert set(alla["selected"]) == {ids["Scen"], ids["Fontän"]} and alla["min_votes"] == 0

    position = api.stored()
    swedish = api.client.get(f"/cycles/{cycle_id}/results", params={"position": position})
    assert swedish.status_code == 200
    assert "Minsta antal röster för att få pengar: 1." in swedish.text
    assert "Inget minsta antal röster: ett förslag kunde få pengar utan röster." in swedish.text
    assert "Under potens minsta antal på 1 röst: har 0 röster." in swedish.text
    english = api.client.get(f"/cycles/{cycle_id}/results",
                             params={"position": position, "lang": "en"}).text
    assert "Minimum number of votes to be funded: 1." in english
    assert "No minimum number of votes: a proposal could be funded without votes." in english
    assert "Below the pot&#39;s minimum of 1 vote: it has 0 votes." in english


def test_a_malformed_minimum_is_refused_naming_the_field(api: Api) -> None:
    cycle = api.admin("POST", f"{API}/cycles", 201,
                      json={"name": "Medborgarbudget", "municipality": "Testby"})
    base = f"{API}/cycles/{cycle['id']}/areas"
    for bad in (-1, 1.5, "en", True, 10_000_001):
        problem = api.refused("POST", base, 422, role="admin",
                              json={"id": "norr", "name": "Norr", "budget": 1_000,
                                    "min_votes": bad})
        assert problem["field"] == "min_votes", (bad, problem)


def test_the_minimum_cannot_be_changed_once_ideas_are_open(api: Api) -> None:
    cycle_id, _ = _published(api)
    problem = api.refused("PUT", f"{API}/cycles/{cycle_id}/areas/norr", 409, role="admin",
                          json={"id": "norr", "name": "Norr", "budget": 100_000,
                                "min_votes": 0})
    assert "draft" in problem["detail"] and "results" in problem["detail"]
