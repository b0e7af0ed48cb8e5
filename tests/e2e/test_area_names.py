"""Pages call places by their names, never by the residence codes the rules use: "Bosatt i
Planeringsområde Söder", not "Bosatt i soder". On SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import API, Api

AREAS = (
    {"id": "norr", "name": "Planeringsområde Norr", "budget": 250_000,
     "eligibility": {"residence": "norr"}},
    {"id": "soder", "name": "Planeringsområde Söder", "budget": 250_000,
     "eligibility": {"residence": "soder"}},
    {"id": "hamnen", "name": "Hamnens byalag", "kind": "group", "budget": 50_000,
     "eligibility": {"residence": "hamn"}},
    {"id": "unga", "name": "Unga 13\u201325 år", "kind": "group", "budget": 100_000,
     "eligibility": {"min_age": 13, "max_age": 25}},
)


def _cycle(api: Api) -> str:
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": "Medborgarbudget Namn 2027", "municipality": "Testby"})
    for area in AREAS:
        api.admin("POST", f"{API}/cycles/{created['id']}/areas", 201, json=area)
    return str(created["id"])


def test_the_cycle_page_names_the_places(api: Api) -> None:
    cycle = _cycle(api)
    page = api.client.get(f"/cycles/{cycle}", params={"position": api.stored()}).text
    assert "Bosatt i Planeringsområde Söder" in page
    assert "Bosatt i Planeringsområde Norr" in page
    assert "Bosatt i Hamnens byalag" in page  # no area has the code as its id
    for code in ("soder", "norr", "hamn"):
        assert f"Bosatt i {code}" not in page
    english = api.client.get(f"/cycles/{cycle}", params={"lang": "en"}).text
    assert "Living in Planeringsområde Söder" in english and "Living in soder" not in english


def test_the_test_sign_in_offers_the_places_by_name(settings: Settings,
                                                    app: Medborgarbudget) -> None:
    with TestClient(create_app(settings, app=app, follow=True, test_sign_in=True)) as client:
        api = Api(client, app)
        _cycle(api)
        form = client.get("/sign-in").text
        assert '<option value="soder">Planeringsområde Söder</option>' in form
        assert '<option value="hamn">Hamnens byalag</option>' in form
        assert ">soder</option>" not in form
