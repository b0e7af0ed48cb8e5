"""Finding proposals over HTTP (issue 18): the administrator sets a cycle's categories, a
proposal picks one, and the same `?q=`, `?area=`, `?category=`, `?status=` and `?max_cost=`
find proposals on the API and on the page. Bad parameters are refused (400 problem+json, a
friendly message on the page) and change nothing; hostile search text is harmless."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.auth import Role
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import API, Api, Cycle, create_configured_cycle, proposer

CATEGORIES = [{"id": "natur", "name": "Natur och miljö"}, {"id": "lek", "name": "Lek och idrott"}]
IDEAS = (
    ("brygga", "norr", "Bryggan vid sjön", "En ny brygga där barnen kan bada.", 80_000, "natur"),
    ("gym", "norr", "Utegym vid sjön", "Redskap för styrka och rörlighet.", 60_000, "lek"),
    ("vagg", "unga", "Graffitivägg", "En vägg där det är tillåtet att måla.", 15_000, "lek"),
)


def with_categories(api: Api) -> tuple[Cycle, int]:
    cycle = create_configured_cycle(api)
    shown = api.admin("PUT", f"{API}/cycles/{cycle.id}/categories",
                      json={"categories": CATEGORIES})
    assert shown["categories"] == CATEGORIES
    api.fire(cycle.id, "open_ideas")
    position = 0
    for key, area, title, text, cost, category in IDEAS:
        made = api.resident("POST", f"{API}/cycles/{cycle.id}/proposals", 201,
                            subject=proposer(key), json={
                                "area": area, "title": title, "description": text,
                                "estimated_cost": cost, "category": category})
        cycle.proposals[key] = made["id"]
        position = made["position"]
    return cycle, position


def found(api: Api, cycle: Cycle, position: int, **params: Any) -> list[str]:
    body = api.ok("GET", f"{API}/cycles/{cycle.id}/proposals",
                  params={**params, "position": position})
    return [p["title"] for p in body["proposals"]]


def test_categories_are_the_administrators_and_only_in_draft(api: Api) -> None:
    cycle = create_configured_cycle(api)
    path = f"{API}/cycles/{cycle.id}/categories"
    api.refused("PUT", path, 403, role=Role.RESIDENT, subject="someone",
                json={"categories": CATEGORIES})
    api.refused("PUT", path, 401, json={"categories": CATEGORIES})
    for bad in ([{"id": "Natur!", "name": "Natur"}], [{"id": "a", "name": ""}],
                [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}],
                [{"id": f"c{n}", "name": f"C{n}"} for n in range(51)]):
        api.refused("PUT", path, 422, role=Role.ADMIN, json={"categories": bad})
    api.admin("PUT", path, json={"categories": CATEGORIES})
    api.fire(cycle.id, "open_ideas")
    refusal = api.refused("PUT", path, 409, role=Role.ADMIN, json={"categories": []})
    assert refusal["phase"] == "ideas"


def test_a_proposal_picks_one_of_the_cycles_categories(api: Api) -> None:
    cycle, _ = with_categories(api)
    for category in ("idrott", None, "NATUR"):
        body: dict[str, Any] = {"area": "norr", "title": "Bänkar", "description": "Fler.",
                                "estimated_cost": 5_000}
        if category is not None:
            body["category"] = category
        refusal = api.refused("POST", f"{API}/cycles/{cycle.id}/proposals", 422,
                              role=Role.RESIDENT, subject=proposer("bänk"), residence="norr",
                              json=body)
        assert "natur, lek" in refusal["detail"]


def test_the_api_finds_with_the_same_parameters_as_the_page(api: Api) -> None:
    cycle, position = with_categories(api)
    assert found(api, cycle, position, q="brygga") == ["Bryggan vid sjön"]
    assert found(api, cycle, position, q="sjön") == ["Bryggan vid sjön", "Utegym vid sjön"] \
        or found(api, cycle, position, q="sjön") == ["Utegym vid sjön", "Bryggan vid sjön"]
    assert found(api, cycle, position, area="unga") == ["Graffitivägg"]
    assert found(api, cycle, position, category="lek") == ["Utegym vid sjön", "Graffitivägg"]
    assert found(api, cycle, position, q="sjön", category="lek") == ["Utegym vid sjön"]
    assert found(api, cycle, position, status="submitted", max_cost=60_000) == [
        "Utegym vid sjön", "Graffitivägg"]
    assert found(api, cycle, position, max_cost_minor=1_500_000) == ["Graffitivägg"]
    assert found(api, cycle, position, max_cost="15000.00") == ["Graffitivägg"]
    assert found(api, cycle, position, status="withdrawn") == []
    assert found(api, cycle, position, q="simhall") == []
    # Without parameters: every proposal, as always.
    assert len(found(api, cycle, position)) == len(IDEAS)


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "approved"}, "status"),
    ({"max_cost": "-5"}, "max_cost"),
    ({"max_cost": "abc"}, "max_cost"),
    ({"max_cost": "1.001"}, "max_cost"),
    ({"max_cost": "NaN"}, "max_cost"),
    ({"max_cost_minor": "-1"}, "max_cost_minor"),
    ({"max_cost_minor": "1e9"}, "max_cost_minor"),
    ({"max_cost": "5", "max_cost_minor": "500"}, "max_cost"),
    ({"q": "a" * 201}, "q"),
    ({"q": "brygga\x00"}, "q"),
    ({"area": "nowhere"}, "area"),
    ({"category": "idrott"}, "category"),
    ({"area": "x" * 5000}, "area"),
])
def test_bad_parameters_are_refused_with_400(api: Api, params: dict[str, str],
                                             field: str) -> None:
    cycle, _ = with_categories(api)
    refusal = api.refused("GET", f"{API}/cycles/{cycle.id}/proposals", 400, params=params)
    assert refusal["field"] == field
    assert len(refusal["detail"]) < 400  # an oversized value is not echoed back whole


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE rm_search; --", '"', "brygga OR", "NEAR(brygga sjön)", "title:brygga",
    "*", "brygga\" OR \"1\"=\"1", "(", "-brygga", "\\", "%", "<script>alert(1)</script>",
])
def test_hostile_search_text_is_harmless_on_api_and_page(api: Api, hostile: str) -> None:
    cycle, position = with_categories(api)
    before = api.stored()
    found(api, cycle, position, q=hostile)
    page = api.client.get(f"/cycles/{cycle.id}/proposals", params={"q": hostile})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert len(found(api, cycle, position)) == len(IDEAS)
    assert api.stored() == before


def page(api: Api, cycle: Cycle, position: int, **params: Any) -> Any:
    return api.client.get(f"/cycles/{cycle.id}/proposals", params={**params,
                                                                    "position": position})


def test_the_page_searches_shows_its_filters_and_says_when_nothing_matches(api: Api) -> None:
    cycle, position = with_categories(api)
    shown = page(api, cycle, position, q="brygga", area="norr")
    assert shown.status_code == 200
    html = shown.text
    assert "Bryggan vid sjön" in html and "Utegym vid sjön" not in html
    assert "Hittade förslag: 1" in html
    assert 'value="brygga"' in html and '<option value="norr" selected>' in html
    # Each filter in use can be removed: the link keeps the others.
    assert f'href="/cycles/{cycle.id}/proposals?area=norr"' in html
    assert f'href="/cycles/{cycle.id}/proposals?q=brygga"' in html
    nothing = page(api, cycle, position, q="simhall").text
    assert "Inget förslag matchar" in nothing
    english = page(api, cycle, position, q="simhall", lang="en").text
    assert "No proposal matches" in english
    assert '<input type="hidden" name="lang" value="en">' in english
    assert f'href="/cycles/{cycle.id}/proposals?lang=en"' in english  # remove q, keep en
    by_category = page(api, cycle, position, category="lek").text
    assert "Utegym vid sjön" in by_category and "Graffitivägg" in by_category
    assert "Lek och idrott" in by_category
    # An empty form (every field blank) is every proposal, by area.
    blank = page(api, cycle, position, q="", area="", status="", max_cost="").text
    assert all(title in blank for _, _, title, *_ in IDEAS)


def test_the_list_without_a_search_shows_each_proposal_once(api: Api) -> None:
    cycle, position = with_categories(api)
    html = page(api, cycle, position).text
    for key, *_ in IDEAS:
        assert html.count(f'href="/proposals/{cycle.proposals[key]}"') == 1, key


@pytest.mark.parametrize(("params", "message"), [
    ({"status": "approved"}, "Det finns ingen sådan status"),
    ({"max_cost": "-5"}, "Ange högsta kostnad"),
    ({"q": "a" * 201}, "högst 200 tecken"),
    ({"area": "nowhere"}, "Det finns inget sådant område"),
])
def test_the_page_explains_bad_parameters(api: Api, params: dict[str, str],
                                          message: str) -> None:
    cycle, position = with_categories(api)
    before = api.stored()
    shown = page(api, cycle, position, **params)
    assert shown.status_code == 400
    assert message in shown.text
    assert 'role="alert"' in shown.text
    assert api.stored() == before


def test_the_language_switch_keeps_the_search(api: Api) -> None:
    cycle, position = with_categories(api)
    html = page(api, cycle, position, q="brygga", area="norr").text
    assert (f'href="/cycles/{cycle.id}/proposals?q=brygga&amp;area=norr&amp;lang=en" '
            'hreflang="en"') in html


def _sign_in(api: Api) -> None:
    page = api.client.get("/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = api.client.post("/sign-in/local", data={
        "csrf": csrf.group(1), "name": "Anna", "birth_year": "1980", "residence": "norr",
        "lang": "sv"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_idea_form_offers_the_cycles_categories_and_refuses_another(
        settings: Settings, app: Medborgarbudget) -> None:
    with TestClient(create_app(settings, app=app, follow=True, test_sign_in=True)) as client:
        api = Api(client, app)
        cycle, _ = with_categories(api)
        _sign_in(api)
        _propose_through_the_form(api, cycle)


def _propose_through_the_form(api: Api, cycle: Cycle) -> None:
    form = api.client.get(f"/cycles/{cycle.id}/propose").text
    assert '<select id="category" name="category"' in form
    assert '<option value="natur">Natur och miljö</option>' in form
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf
    fields = {"csrf": csrf.group(1), "area": "norr", "title": "Bänk", "description": "En bänk",
              "estimated_cost": "5000"}
    before = api.stored()
    for forged in ("idrott", "", "natur' OR '1'='1"):
        refused = api.client.post(f"/cycles/{cycle.id}/propose",
                                  data={**fields, "category": forged})
        assert refused.status_code == 422
        assert "Välj den kategori som passar din idé bäst." in refused.text
    assert api.stored() == before
    stored = api.client.post(f"/cycles/{cycle.id}/propose", data={**fields, "category": "natur"},
                             follow_redirects=False)
    assert stored.status_code == 303, stored.text
    proposal_id = stored.headers["location"].split("/proposals/")[1].split("?")[0]
    assert api.app.proposal(proposal_id).category == "natur"


def test_a_proposals_page_names_its_category(api: Api) -> None:
    cycle, position = with_categories(api)
    html = api.client.get(f"/proposals/{cycle.proposals['brygga']}",
                          params={"position": position}).text
    assert "Kategori: Natur och miljö" in html
