"""Money over HTTP (ADR 0014): the API keeps its amount fields in whole kronor (integers when
whole, exact text with öre) and gives `<field>_minor` in öre and the cycle's `currency` beside
them; it takes either, and refuses a float. The pages and forms write every amount in the
cycle's currency, in the page's language, öre only when there are some."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.e2e.api_client import API, Api, decided_cycle

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def local_sign_in() -> bool:
    """The `api` fixture's service offers the pages' local test sign-in (tests/e2e/conftest.py)."""
    return True


def euro_cycle(api: Api, phase: str) -> tuple[str, dict[str, str]]:
    """A cycle in euro with cents, taken to `phase` (ideas or voting); its proposals' ids."""
    cycle_id, base = decided_cycle(
        api, "Bürgerhaushalt", "Gemeinde", currency="EUR",
        decision={"body": "Gemeinderat", "date": "2027-01-10", "reference": "GR 1/2027"})
    shown = api.admin("POST", f"{base}/areas", 201, json={
        # No minimum of votes: a project no ballot names is still counted on its cost.
        "id": "norr", "name": "Norr", "budget": "1500.50", "eligibility": {"residence": "norr"},
        "min_votes": 0,
        "voting_rule": {"kind": "knapsack", "min_choices": 1}})
    area = shown["areas"][0]
    assert (shown["currency"], area["budget"], area["budget_minor"]) == ("EUR", "1500.50",
                                                                         150_050)
    api.admin("PUT", f"{base}/voting-rule", json={"kind": "approval", "min_choices": 1})
    api.fire(cycle_id, "open_ideas")
    ids: dict[str, str] = {}
    if phase == "ideas":
        return cycle_id, ids
    for title, amount in (("Bank", {"estimated_cost": "700.25"}),
                          ("Baum", {"estimated_cost_minor": 80_025})):
        proposal = api.resident("POST", f"{base}/proposals", 201, subject=f"p-{title}",
                                json={"area": "norr", "title": title, "description": title,
                                      "category": "park", **amount})
        ids[title] = proposal["id"]
    api.fire(cycle_id, "close_ideas")
    reviewed = api.reviewer("POST", f"{API}/proposals/{ids['Bank']}/review",
                            json={"feasible": True, "official_cost": "700.25"})
    assert (reviewed["official_cost"], reviewed["official_cost_minor"],
            reviewed["currency"]) == ("700.25", 70_025, "EUR")
    api.reviewer("POST", f"{API}/proposals/{ids['Baum']}/review",
                 json={"feasible": True, "official_cost": 900, "official_cost_minor": 90_000})
    api.fire(cycle_id, "open_voting")
    return cycle_id, ids


def test_the_api_takes_and_gives_exact_amounts_in_the_cycles_currency(api: Api) -> None:
    cycle_id, ids = euro_cycle(api, "voting")
    proposals = {p["title"]: p for p in api.ok(
        "GET", f"{API}/cycles/{cycle_id}/proposals")["proposals"]}
    assert (proposals["Baum"]["estimated_cost"], proposals["Baum"]["estimated_cost_minor"]) == (
        "800.25", 80_025)
    assert (proposals["Baum"]["official_cost"], proposals["Baum"]["official_cost_minor"]) == (
        900, 90_000)

    for n in range(3):
        api.resident("POST", f"{API}/cycles/{cycle_id}/ballots", 201, subject=f"voter-{n}",
                     json={"area": "norr", "selections": [ids["Bank"]]})
    api.fire(cycle_id, "close_voting")
    api.fire(cycle_id, "publish_results")
    results = api.ok("GET", f"{API}/cycles/{cycle_id}/results")
    norr = results["areas"]["norr"]
    assert results["currency"] == "EUR"
    assert norr["selected"] == [ids["Bank"]]  # Baum, 900 EUR, does not fit in 800.25 EUR
    assert (norr["budget"], norr["cost"], norr["left"]) == ("1500.50", "700.25", "800.25")
    assert (norr["budget_minor"], norr["cost_minor"], norr["left_minor"]) == (
        150_050, 70_025, 80_025)
    assert norr["reasons"][ids["Baum"]] == "did not fit: 800.25\u00a0EUR left, costs 900\u00a0EUR"
    assert norr["reason_codes"][ids["Baum"]] == {
        "code": "did-not-fit", "amounts": {"left": 80_025, "cost": 90_000}, "currency": "EUR"}
    swedish = api.ok("GET", f"{API}/cycles/{cycle_id}/results?lang=sv")["areas"]["norr"]
    assert swedish["reasons"][ids["Baum"]] == (
        "fick inte plats: 800,25\u00a0EUR kvar, kostar 900\u00a0EUR")
    # The pages word the recorded code through the same catalog, in their language.
    position = api.stored()
    page = api.client.get(f"/cycles/{cycle_id}/results", params={"position": position}).text
    assert "Fick inte plats: 800,25\u00a0EUR kvar, kostar 900\u00a0EUR." in page
    assert "did-not-fit" not in page and "amounts" not in page
    english = api.client.get(f"/proposals/{ids['Baum']}", params={
        "position": position, "lang": "en"}).text
    assert "Did not fit: 800.25\u00a0EUR left, costs 900\u00a0EUR." in english


def test_the_api_refuses_floats_and_amounts_that_disagree(api: Api) -> None:
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": "Medborgarbudget", "municipality": "Testby"})
    base = f"{API}/cycles/{created['id']}/areas"
    for body, field in (({"budget": 12.5}, "budget"), ({"budget": "12.505"}, "budget"),
                        ({"budget": 100, "budget_minor": 10_001}, "body"),
                        ({}, "body"), ({"budget_minor": 1.5}, "budget_minor")):
        problem = api.refused("POST", base, 422, role="admin",
                              json={"id": "norr", "name": "Norr", **body})
        assert problem["field"] == field, (body, problem)
    # The two agreeing, or either alone, is the same budget; a whole one stays an integer.
    for body in ({"budget": 250_000, "budget_minor": 25_000_000}, {"budget": "250000.00"}):
        shown = api.admin("POST", base, 201, json={"id": "norr", "name": "Norr", **body})
        area = shown["areas"][0]
        assert (area["budget"], area["budget_minor"], shown["currency"]) == (
            250_000, 25_000_000, "SEK")
        api.admin("DELETE", f"{base}/norr")
    problem = api.refused("POST", f"{API}/cycles", 422, role="admin",
                          json={"name": "X", "municipality": "Y", "currency": "kronor"})
    assert problem["field"] == "currency"


def _sign_in(client: TestClient, lang: str = "sv") -> None:
    page = client.get("/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = client.post("/sign-in/local", data={
        "csrf": csrf.group(1), "name": "Anna", "birth_year": "1980", "residence": "norr",
        "lang": lang}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def test_the_pages_write_amounts_in_the_cycles_currency_and_the_pages_language(
        api: Api) -> None:
    cycle_id, _ = euro_cycle(api, "voting")
    position = api.stored()
    client = api.client
    swedish = client.get(f"/cycles/{cycle_id}", params={"position": position}).text
    assert "1\u00a0500,50\u00a0EUR" in swedish and "\u00a0kr" not in swedish
    english = client.get(f"/cycles/{cycle_id}", params={"position": position,
                                                        "lang": "en"}).text
    assert "1,500.50\u00a0EUR" in english
    listed = client.get(f"/cycles/{cycle_id}/proposals", params={"position": position}).text
    assert "700,25\u00a0EUR" in listed and "900\u00a0EUR" in listed

    _sign_in(client)
    ballot = client.get(f"/cycles/{cycle_id}/vote/norr").text
    assert 'data-budget="150050"' in ballot and 'data-unit="EUR"' in ballot
    assert "Bank</strong> \u2013 700,25\u00a0EUR" in ballot
    assert "Valt: 0\u00a0EUR av 1\u00a0500,50\u00a0EUR. Kvar: 1\u00a0500,50\u00a0EUR." in ballot
    ballot_en = client.get(f"/cycles/{cycle_id}/vote/norr?lang=en").text
    assert "Chosen: 0\u00a0EUR of 1,500.50\u00a0EUR. Left: 1,500.50\u00a0EUR." in ballot_en


def test_an_idea_with_ore_is_proposed_through_the_form(api: Api) -> None:
    cycle_id, _ = euro_cycle(api, "ideas")
    client = api.client
    _sign_in(client)
    form = client.get(f"/cycles/{cycle_id}/propose").text
    assert "Uppskattad kostnad (EUR)" in form
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    fields = {"csrf": csrf.group(1), "area": "norr", "title": "Bänk", "description": "En bänk",
              "category": "park"}
    refused = client.post(f"/cycles/{cycle_id}/propose",
                          data={**fields, "estimated_cost": "12,345"})
    assert refused.status_code == 422
    assert "Ange kostnaden som ett belopp över noll" in refused.text
    stored = client.post(f"/cycles/{cycle_id}/propose",
                         data={**fields, "estimated_cost": "49 999,50"}, follow_redirects=False)
    assert stored.status_code == 303, stored.text
    (proposal,) = api.app.proposals(cycle_id)
    assert proposal.estimated_cost == 4_999_950
