"""Incompatible proposals over HTTP: marked by a reviewer with a reason and shown on the cycle;
the results and the results page (Swedish by default, English with ?lang=en) show the pair and
why the one not funded was not; every wrong request refused as problem+json, storing nothing.
On both stores."""

from __future__ import annotations

from service.api.auth import Role
from tests.e2e.api_client import API, Api, decided_cycle
from tests.integration.builders import SAME_SITE, counted_with_incompatible


def test_a_pair_is_marked_counted_and_shown(api: Api) -> None:
    cycle_id, ids = counted_with_incompatible(api.app)
    pool, rink = str(ids["Pool"]), str(ids["Rink"])
    cycle = api.ok("GET", f"{API}/cycles/{cycle_id}")
    assert [(p["first"], p["second"], p["reason"]) for p in cycle["incompatible"]] == [
        (*sorted((pool, rink)), SAME_SITE)]
    results = api.ok("GET", f"{API}/cycles/{cycle_id}/results")
    assert results["areas"]["norr"]["reasons"][pool] == (
        f"not funded: incompatible with {rink}, which was funded")
    assert results["areas"]["norr"]["reason_codes"][pool] == {
        "code": "incompatible-funded", "projects": [rink]}
    swedish_api = api.ok("GET", f"{API}/cycles/{cycle_id}/results?lang=sv")
    assert swedish_api["areas"]["norr"]["reasons"][pool] == (
        f"fick inga pengar: utesluter {rink}, som fick pengar")

    position = api.stored()
    swedish = api.client.get(f"/cycles/{cycle_id}/results", params={"position": position}).text
    assert "Förslag som utesluter varandra" in swedish
    assert "Av varje par får högst ett pengar enligt regeln." in swedish
    assert "Fick inga pengar: utesluter Rink, som fick pengar." in swedish
    assert SAME_SITE in swedish
    english = api.client.get(f"/cycles/{cycle_id}/results",
                             params={"position": position, "lang": "en"}).text
    assert "Proposals that exclude each other" in english
    assert "Not funded: incompatible with Rink, which was funded." in english


def test_marking_over_http_and_every_refusal(api: Api) -> None:
    cycle_id, base = decided_cycle(api, "Medborgarbudget", "Testby")
    for area in ("norr", "soder"):
        api.admin("POST", f"{base}/areas", 201,
                  json={"id": area, "name": area.title(), "budget": 100_000})
    api.admin("PUT", f"{base}/voting-rule", json={"kind": "approval", "min_choices": 1})
    api.fire(cycle_id, "open_ideas")
    ids = {title: api.resident("POST", f"{base}/proposals", 201, subject=f"p-{title}",
                               residence=area,
                               json={"area": area, "title": title, "description": title,
                                     "category": "park", "estimated_cost": 10_000})["id"]
           for title, area in (("Pool", "norr"), ("Rink", "norr"), ("Scen", "soder"))}
    path = f"{base}/incompatibilities"
    body = {"proposals": [ids["Pool"], ids["Rink"]], "reason": SAME_SITE}
    api.refused("POST", path, 401, json=body)
    api.refused("POST", path, 403, role=Role.RESIDENT, subject="someone", json=body)
    for wrong, field in (({"reason": ""}, "reason"), ({"proposals": [ids["Pool"]]}, "proposals"),
                         ({"proposals": [ids["Pool"]] * 3}, "proposals"),
                         ({"proposals": [ids["Pool"], ids["Pool"]]}, "proposals"),
                         ({"proposals": [ids["Pool"], ids["Scen"]]}, "proposals")):
        problem = api.refused("POST", path, 422, role=Role.REVIEWER, subject="tjansteperson",
                              json={**body, **wrong})
        assert problem["field"] == field, (wrong, problem)
    shown = api.reviewer("POST", path, 201, json=body)
    assert shown["incompatible"][0]["reason"] == SAME_SITE
    problem = api.refused("POST", path, 409, role=Role.ADMIN, subject="processledare",
                          json={**body, "proposals": [ids["Rink"], ids["Pool"]]})
    assert "marked incompatible already" in problem["detail"]
