"""Eligibility as municipalities write it, over HTTP (ADR 0025): an area open to a set of
residences or to the whole municipality is configured, shown and enforced; a Stockholm resident
is refused in Nässjö's municipality-wide pot; malformed eligibility is refused storing nothing;
an area written the old way is shown and behaves as before."""

from __future__ import annotations

from typing import Any

from service.api.auth import Role
from tests.e2e.api_client import ADULT, API, Api, decided_cycle
from tests.identities import personnummer_for

AREAS: tuple[dict[str, Any], ...] = (
    {"id": "norr", "name": "Norr", "budget": 100_000, "eligibility": {"residence": "norr"}},
    {"id": "soder", "name": "Söder", "budget": 100_000, "eligibility": {"residence": "soder"}},
    {"id": "centrum", "name": "Centrum", "kind": "theme", "budget": 50_000,
     "eligibility": {"residence": ["norr", "soder"]}},
    {"id": "hela", "name": "Hela kommunen", "kind": "theme", "budget": 50_000,
     "eligibility": {"municipality_wide": True}},
    {"id": "arbete", "name": "Bo eller arbeta", "kind": "theme", "budget": 50_000,
     "eligibility": {"residence": ["norr", "soder"], "accept_works_in": True}},
)


def _voting_cycle(api: Api) -> tuple[str, dict[str, str]]:
    cycle_id, base = decided_cycle(api, "Nässjö 2027", "Nässjö kommun")
    for area in AREAS:
        api.admin("POST", f"{base}/areas", 201, json=area)
    api.admin("PUT", f"{base}/voting-rule", json={"kind": "approval", "max_choices": 1})
    api.fire(cycle_id, "open_ideas")
    proposals = {}
    for area in AREAS:
        proposals[area["id"]] = api.resident(
            "POST", f"{base}/proposals", 201, subject=f"förslagsställare {area['id']}",
            json={"area": area["id"], "title": f"Idé i {area['name']}",
                  "description": "En beskrivning.", "estimated_cost": 10_000})["id"]
    api.fire(cycle_id, "close_ideas")
    for proposal in proposals.values():
        api.reviewer("POST", f"{API}/proposals/{proposal}/review",
                     json={"feasible": True, "official_cost": 10_000})
    api.fire(cycle_id, "open_voting")
    return cycle_id, proposals


def test_sets_and_the_whole_municipality_are_shown_and_enforced(api: Api) -> None:
    cycle_id, proposals = _voting_cycle(api)
    cycle = api.admin("GET", f"{API}/cycles/{cycle_id}")
    shown = {a["id"]: a["eligibility"] for a in cycle["areas"]}
    assert shown["centrum"]["residence"] == ["norr", "soder"]
    assert shown["hela"]["municipality_wide"] is True and shown["hela"]["residence"] is None
    assert shown["norr"] == {"min_age": None, "max_age": None, "residence": "norr",
                             "municipality_wide": False, "accept_works_in": False}
    ballots = f"{API}/cycles/{cycle_id}/ballots"

    def ballot(area: str) -> dict[str, Any]:
        return {"area": area, "selections": [proposals[area]]}

    for home in ("norr", "soder"):
        for area in ("centrum", "hela"):
            api.resident("POST", ballots, 201, subject=f"boende i {home}", residence=home,
                          json=ballot(area))
    stockholm = {"role": Role.RESIDENT, "subject": "boende i stockholm",
                 "residence": "stockholm", "birth_date": ADULT}
    refused = api.refused("POST", ballots, 422, json=ballot("hela"), **stockholm)
    assert refused["field"] == "area" and "must live in the municipality" in refused["detail"]
    refused = api.refused("POST", ballots, 422, json=ballot("centrum"), **stockholm)
    assert "'norr' or 'soder'" in refused["detail"]
    homeless = {**stockholm, "subject": "utan adress", "residence": None}
    api.refused("POST", ballots, 422, json=ballot("hela"), **homeless)


def test_the_cycle_page_says_who_may_vote_in_words(api: Api) -> None:
    cycle_id, _ = _voting_cycle(api)
    position = {"position": api.stored()}
    swedish = api.client.get(f"/cycles/{cycle_id}", params=position).text
    assert "Bosatt i Norr eller Söder" in swedish
    assert "Alla som bor i kommunen" in swedish
    assert "Bosatt i Norr<" in swedish  # a single code, as before
    english = api.client.get(f"/cycles/{cycle_id}", params={**position, "lang": "en"}).text
    assert "Living in Norr or Söder" in english
    assert "Everyone living in the municipality" in english
    assert "Bor eller arbetar i Norr eller Söder" in swedish
    assert "Living or working in Norr or Söder" in english


def test_where_a_resident_works_admits_them_only_where_the_area_accepts_it(api: Api) -> None:
    cycle_id, proposals = _voting_cycle(api)
    ballots = f"{API}/cycles/{cycle_id}/ballots"
    token = api.tokens.mint(Role.RESIDENT, personnummer_for("pendlare", ADULT), 600, ADULT,
                            "stockholm", works_in="norr")
    commuter = {"headers": {"Authorization": f"Bearer {token}"}}

    def ballot(area: str) -> dict[str, Any]:
        return {"area": area, "selections": [proposals[area]]}

    assert api.request("POST", ballots, json=ballot("arbete"), **commuter).status_code == 201
    for closed in ("norr", "centrum", "hela"):  # they do not accept where one works
        api.refused("POST", ballots, 422, json=ballot(closed), **commuter)
    # A paper voter's place of work, as the official reads it, counts the same way.
    marks = f"{API}/cycles/{cycle_id}/roll-marks"
    voter = {"identity": personnummer_for("pendlare på papper", ADULT),
             "birth_date": ADULT.isoformat(), "residence": "stockholm", "works_in": "soder"}
    api.refused("POST", marks, 422, role=Role.OFFICIAL,
                json={"station": "Biblioteket", "area": "hela", "voter": voter})
    api.ok("POST", marks, 201, role=Role.OFFICIAL,
           json={"station": "Biblioteket", "area": "arbete", "voter": voter})


def test_malformed_eligibility_is_refused_storing_nothing(api: Api) -> None:
    cycle = api.admin("POST", f"{API}/cycles", 201,
                      json={"name": "Fel", "municipality": "Testby kommun"})
    areas = f"{API}/cycles/{cycle['id']}/areas"
    for eligibility in ({"residence": []}, {"residence": [""]}, {"residence": ["a", "a"]},
                        {"residence": [f"d{n}" for n in range(51)]}, {"residence": 5},
                        {"municipality_wide": "ja"},
                        {"municipality_wide": True, "residence": "norr"}):
        api.refused("POST", areas, 422, role=Role.ADMIN,
                    json={"id": "x", "name": "X", "budget": 1, "eligibility": eligibility})
