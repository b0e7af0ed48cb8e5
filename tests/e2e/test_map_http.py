"""A map of the proposals over HTTP (issue 18, ADR 0031): an administrator draws an area's
boundary (GeoJSON, checked: anything invalid or oversized is refused as problem+json and stores
nothing), a proposal whose point lies outside its area is refused naming the area, and the map
page lists the proposals with a point, with the proposals page's filters, without JavaScript.
Cycles whose areas have no boundary work as before."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.auth import Role
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import API, AREAS, Api, Cycle, create_configured_cycle, proposer

# Norr: a box with a lake (a hole) in it; the point (14.70, 57.66) lies in the lake.
NORR_BOUNDARY: dict[str, Any] = {"type": "Polygon", "coordinates": [
    [[14.60, 57.64], [14.80, 57.64], [14.80, 57.70], [14.60, 57.70], [14.60, 57.64]],
    [[14.69, 57.65], [14.71, 57.65], [14.71, 57.67], [14.69, 57.67], [14.69, 57.65]],
]}
WITH_BOUNDARY = ({**AREAS[0], "boundary": NORR_BOUNDARY}, AREAS[1])


def propose(api: Api, cycle: Cycle, key: str, area: str, place: dict[str, str] | None,
            status: int = 201, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"area": area, "title": f"Förslag {key}", "description": "Text.",
                            "estimated_cost": 10_000, **extra}
    if place is not None:
        body["place"] = place
    path = f"{API}/cycles/{cycle.id}/proposals"
    if status != 201:
        return api.refused("POST", path, status, role=Role.RESIDENT, subject=proposer(key),
                           residence="norr", json=body)
    made: dict[str, Any] = api.resident("POST", path, 201, subject=proposer(key), json=body)
    cycle.proposals[key] = made["id"]
    return made


def test_a_boundary_is_stored_with_its_area_and_shown(api: Api) -> None:
    cycle = create_configured_cycle(api, areas=WITH_BOUNDARY)
    shown = api.ok("GET", f"{API}/cycles/{cycle.id}")
    areas = {a["id"]: a for a in shown["areas"]}
    assert areas["norr"]["boundary"] == NORR_BOUNDARY
    assert areas["unga"]["boundary"] is None
    # Only an administrator draws one, and only in draft.
    moved = {**AREAS[1], "boundary": NORR_BOUNDARY}
    path = f"{API}/cycles/{cycle.id}/areas/unga"
    api.refused("PUT", path, 403, role=Role.RESIDENT, subject=proposer("x"), json=moved)
    api.refused("PUT", path, 403, role=Role.REVIEWER, subject="granskare", json=moved)
    api.refused("PUT", path, 401, json=moved)
    api.fire(cycle.id, "open_ideas")
    assert api.refused("PUT", path, 409, role=Role.ADMIN, json=moved)["phase"] == "ideas"


BAD_BOUNDARIES = {
    "not closed": {"type": "Polygon", "coordinates": [[[14.6, 57.6], [14.7, 57.6],
                                                        [14.7, 57.7], [14.6, 57.7]]]},
    "latitude": {"type": "Polygon", "coordinates": [[[14.6, 57.6], [14.7, 97.6],
                                                      [14.7, 57.7], [14.6, 57.6]]]},
    "Polygon or MultiPolygon": {"type": "LineString", "coordinates": [[14.6, 57.6],
                                                                      [14.7, 57.7]]},
    "unknown member": {"type": "FeatureCollection", "features": []},
    "vertices": {"type": "Polygon", "coordinates": [
        [[14.0 + i / 10_000, 57.6] for i in range(4_000)]
        + [[14.4 - i / 10_000, 57.7] for i in range(1_500)] + [[14.0, 57.6]]]},
}


@pytest.mark.parametrize("why", list(BAD_BOUNDARIES))
def test_an_invalid_or_oversized_boundary_is_refused(api: Api, why: str) -> None:
    cycle = create_configured_cycle(api, areas=AREAS[:1])
    area = {**AREAS[1], "boundary": BAD_BOUNDARIES[why]}
    refusal = api.refused("POST", f"{API}/cycles/{cycle.id}/areas", 422, role=Role.ADMIN,
                          json=area)
    assert why in refusal["detail"]
    assert refusal["field"].startswith("area.boundary")
    # Nor does it replace a good boundary.
    refusal = api.refused("PUT", f"{API}/cycles/{cycle.id}/areas/norr", 422, role=Role.ADMIN,
                          json={**AREAS[0], "boundary": BAD_BOUNDARIES[why]})
    assert why in refusal["detail"]


def test_a_body_beyond_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    cycle = create_configured_cycle(api, areas=AREAS[:1])
    ring = [[14.123456789012345, 57.123456789012345]] * 30_000
    body = json.dumps({**AREAS[1], "boundary": {"type": "Polygon", "coordinates": [ring]}})
    assert len(body) > 1_000_000
    before = api.stored()
    response = api.client.post(f"{API}/cycles/{cycle.id}/areas", content=body,
                               headers={**api.headers(Role.ADMIN, "processledare"),
                                        "content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert api.stored() == before


def test_a_proposal_outside_its_area_is_refused_naming_the_area(api: Api) -> None:
    cycle = create_configured_cycle(api, areas=WITH_BOUNDARY)
    api.fire(cycle.id, "open_ideas")
    for key, lat, lon in (("lake", "57.66", "14.70"), ("away", "59.33", "18.06"),
                          ("west", "57.66", "14.5999")):
        refusal = propose(api, cycle, key, "norr", {"name": "Här", "lat": lat, "lon": lon},
                          status=422)
        assert refusal["field"] == "place"
        assert "outside the area 'Planeringsområde Norr' (norr)" in refusal["detail"]
    inside = propose(api, cycle, "inside", "norr", {"name": "Torget", "lat": "57.645",
                                                    "lon": "14.65"})
    assert inside["place"] == {"name": "Torget", "lat": "57.645", "lon": "14.65"}
    propose(api, cycle, "edge", "norr", {"name": "Gränsen", "lat": "57.64", "lon": "14.7"})
    propose(api, cycle, "shore", "norr", {"name": "Strandkanten", "lat": "57.65",
                                          "lon": "14.70"})
    propose(api, cycle, "named", "norr", {"name": "Någonstans"})  # no point: nothing to check
    # An area without a boundary takes any point, as every area did before boundaries.
    propose(api, cycle, "far", "unga", {"name": "Stockholm", "lat": "59.33", "lon": "18.06"})
    listed = api.ok("GET", f"{API}/cycles/{cycle.id}/proposals",
                    params={"position": api.stored()})
    assert sorted(p["title"] for p in listed["proposals"]) == sorted(
        f"Förslag {k}" for k in ("inside", "edge", "shore", "named", "far"))


@pytest.fixture
def mapped(api: Api) -> tuple[Cycle, int]:
    """A cycle in ideas with four proposals: three with a point (two in Norr), one without."""
    cycle = create_configured_cycle(api, areas=WITH_BOUNDARY)
    api.admin("PUT", f"{API}/cycles/{cycle.id}/categories",
              json={"categories": [{"id": "lek", "name": "Lek"}, {"id": "natur",
                                                                 "name": "Natur"}]})
    api.fire(cycle.id, "open_ideas")
    propose(api, cycle, "brygga", "norr", {"name": "Sjön", "lat": "57.68", "lon": "14.75"},
            category="natur")
    propose(api, cycle, "gym", "norr", {"name": "Parken", "lat": "57.645", "lon": "14.62"},
            category="lek")
    propose(api, cycle, "vagg", "unga", {"name": "Stationen", "lat": "57.65", "lon": "14.69"},
            category="lek")
    made = propose(api, cycle, "bank", "norr", None, category="lek")
    return cycle, made["position"]


def listed(html: str) -> list[str]:
    section = html.split('id="map-list-heading"', 1)[1]
    return re.findall(r'<a href="/proposals/[^"]+">([^<]+)</a>', section.split("</section>")[0])


def test_the_map_page_lists_the_proposals_with_a_point(api: Api,
                                                      mapped: tuple[Cycle, int]) -> None:
    cycle, position = mapped
    page = api.client.get(f"/cycles/{cycle.id}/map", params={"position": position})
    assert page.status_code == 200
    assert listed(page.text) == ["Förslag brygga", "Förslag gym", "Förslag vagg"]
    assert 'data-lat="57.68" data-lon="14.75"' in page.text
    assert "Planeringsområde Norr · Sjön" in page.text
    # The boundaries go to the script as escaped JSON in an attribute, and come back whole.
    attribute = re.search(r'data-boundaries="([^"]*)"', page.text)
    assert attribute is not None
    text = attribute.group(1).replace("&#34;", '"').replace("&quot;", '"')
    features = json.loads(text)["features"]
    assert [f["properties"]["id"] for f in features] == ["norr"]
    assert features[0]["geometry"] == NORR_BOUNDARY
    # Leaflet and the page's script, from this site only.
    assert '<script src="/static/leaflet/leaflet.js" defer></script>' in page.text
    assert api.client.get("/static/leaflet/leaflet.js").status_code == 200
    assert api.client.get("/static/leaflet/images/marker-icon.png").status_code == 200
    assert ('<script src="/static/markercluster/leaflet.markercluster.js" defer></script>'
            in page.text)
    assert api.client.get("/static/markercluster/leaflet.markercluster.js").status_code == 200
    english = api.client.get(f"/cycles/{cycle.id}/map", params={"lang": "en"})
    assert "Proposals with a place: 3" in english.text
    assert "Förslag med en plats: 3" in page.text


@pytest.mark.parametrize(("params", "titles"), [
    ({"area": "norr"}, ["Förslag brygga", "Förslag gym"]),
    ({"category": "lek"}, ["Förslag gym", "Förslag vagg"]),
    ({"area": "norr", "category": "lek"}, ["Förslag gym"]),
    ({"status": "submitted", "area": "unga"}, ["Förslag vagg"]),
    ({"status": "feasible"}, []),
])
def test_the_proposals_filters_apply_to_the_map(api: Api, mapped: tuple[Cycle, int],
                                                params: dict[str, str],
                                                titles: list[str]) -> None:
    cycle, position = mapped
    page = api.client.get(f"/cycles/{cycle.id}/map", params={**params, "position": position})
    assert page.status_code == 200
    assert listed(page.text) == titles
    if "area" in params and params["area"] == "unga":
        assert "&#34;features&#34;: []" in page.text  # the asked area has no boundary
    if not titles:
        assert 'id="nothing-mapped"' in page.text


def test_a_bad_filter_is_refused_on_the_map_page(api: Api, mapped: tuple[Cycle, int]) -> None:
    cycle, position = mapped
    # With the position: the page reads the cycle's read model, which may not have the cycle yet.
    page = api.client.get(f"/cycles/{cycle.id}/map", params={"area": "<script>",
                                                            "position": position})
    assert page.status_code == 400
    assert "Det finns inget sådant område" in page.text
    assert "<script>" not in page.text.split("<main", 1)[1]
    assert api.client.get(f"/cycles/{'0' * 8}-0000-0000-0000-{'0' * 12}/map").status_code == 404


def test_the_cycle_links_the_map_only_when_a_proposal_has_a_point(api: Api) -> None:
    cycle = create_configured_cycle(api)
    api.fire(cycle.id, "open_ideas")
    made = propose(api, cycle, "utan", "norr", {"name": "Ingen punkt"})
    link = f'href="/cycles/{cycle.id}/map"'
    for page in ("", "/proposals", "/results"):
        shown = api.client.get(f"/cycles/{cycle.id}{page}", params={"position": made["position"]})
        assert link not in shown.text, page
    made = propose(api, cycle, "med", "norr", {"name": "Torget", "lat": "57.6", "lon": "14.7"})
    for page in ("", "/proposals", "/results", "/map"):
        shown = api.client.get(f"/cycles/{cycle.id}{page}", params={"position": made["position"]})
        assert link in shown.text, page


def test_a_hidden_proposal_leaves_the_map(api: Api, mapped: tuple[Cycle, int]) -> None:
    cycle, _ = mapped
    api.resident("POST", f"{API}/proposals/{cycle.proposals['brygga']}/report",
                 subject=proposer("someone"), json={})
    hidden = api.reviewer("POST", f"{API}/proposals/{cycle.proposals['brygga']}/hide",
                          json={"reason": "Personuppgifter"})
    page = api.client.get(f"/cycles/{cycle.id}/map", params={"position": hidden["position"]})
    assert listed(page.text) == ["Förslag gym", "Förslag vagg"]
    assert "57.68" not in page.text


@pytest.fixture
def without_tiles(settings: Settings, app: Medborgarbudget,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("MEDBORGARBUDGET_MAP_TILES", "off")
    with TestClient(create_app(Settings(settings.data_dir, settings.database_url), app=app,
                               follow=True)) as client:
        yield client


def test_the_policy_lets_images_come_from_the_tile_server_only(
        api: Api, without_tiles: TestClient, monkeypatch: pytest.MonkeyPatch,
        settings: Settings, app: Medborgarbudget) -> None:
    default = api.client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in default
    off = without_tiles.get("/").headers["content-security-policy"]
    assert "img-src 'self' data:;" in off
    monkeypatch.setenv("MEDBORGARBUDGET_MAP_TILES", "https://karta.example.se/t/{z}/{x}/{y}.png")
    monkeypatch.setenv("MEDBORGARBUDGET_MAP_ATTRIBUTION", "© Lantmäteriet <b>")
    with TestClient(create_app(Settings(settings.data_dir, settings.database_url), app=app,
                               follow=True)) as client:
        cycle = create_configured_cycle(Api(client, app))
        policy = client.get("/").headers["content-security-policy"]
        assert "img-src 'self' data: https://karta.example.se;" in policy
        page = client.get(f"/cycles/{cycle.id}/map")
        assert 'data-tiles="https://karta.example.se/t/{z}/{x}/{y}.png"' in page.text
        assert 'data-attribution="© Lantmäteriet &lt;b&gt;"' in page.text
