"""The cap on pots per voter over HTTP (ADR 0025): set and removed in draft by an administrator
only, refused clearly when malformed or too late; the ballot or roll mark beyond the cap is
refused with 409 problem+json naming the pots already used, never the choices."""

from __future__ import annotations

from typing import Any

from service.api.auth import Role
from tests.e2e.api_client import (
    API,
    YOUNG,
    Api,
    Cycle,
    build_cycle,
    create_configured_cycle,
    review_every_idea,
    submit_every_idea,
)
from tests.identities import personnummer_for

YOUNG_NORR = {"subject": "ung i norr", "birth_date": YOUNG, "residence": "norr"}


def _cap_path(cycle: Cycle) -> str:
    return f"{API}/cycles/{cycle.id}/pot-cap"


def _capped_in_voting(api: Api, cap: dict[str, Any]) -> Cycle:
    draft = create_configured_cycle(api, "Medborgarbudget med tak")
    shown = api.admin("PUT", _cap_path(draft), json=cap)
    assert shown["pot_cap"] == {"max_pots": cap["max_pots"],
                                "uncounted": cap.get("uncounted", [])}
    submit_every_idea(api, draft)
    review_every_idea(api, draft)
    api.fire(draft.id, "open_voting")
    return draft


def _ballot(cycle: Cycle, area: str) -> dict[str, Any]:
    return {"area": area, "selections": cycle.feasible(area)[:1]}


def test_the_ballot_beyond_the_cap_is_refused_with_the_pots_used(api: Api) -> None:
    cycle = _capped_in_voting(api, {"max_pots": 1})
    ballots = f"{API}/cycles/{cycle.id}/ballots"
    api.resident("POST", ballots, 201, json=_ballot(cycle, "norr"), **YOUNG_NORR)
    problem = api.refused("POST", ballots, 409, role=Role.RESIDENT, json=_ballot(cycle, "unga"),
                          **YOUNG_NORR)
    assert "at most 1 of this cycle's pots" in problem["detail"]
    assert "'Planeringsområde Norr'" in problem["detail"]
    assert not any(p in problem["detail"] for p in cycle.proposals.values())
    # A paper voter already holding the one place may not be marked in another pot's roll.
    mark = {"station": "Stadsbiblioteket", "area": "unga",
            "voter": {"identity": personnummer_for("ung i norr", YOUNG),
                      "birth_date": YOUNG.isoformat(), "residence": "norr"}}
    problem = api.refused("POST", f"{API}/cycles/{cycle.id}/roll-marks", 409,
                          role=Role.OFFICIAL, json=mark)
    assert "'Planeringsområde Norr'" in problem["detail"]


def test_an_uncounted_pot_stays_open(api: Api) -> None:
    cycle = _capped_in_voting(api, {"max_pots": 1, "uncounted": ["unga"]})
    ballots = f"{API}/cycles/{cycle.id}/ballots"
    api.resident("POST", ballots, 201, json=_ballot(cycle, "unga"), **YOUNG_NORR)
    api.resident("POST", ballots, 201, json=_ballot(cycle, "norr"), **YOUNG_NORR)


def test_malformed_caps_are_refused_and_change_nothing(api: Api) -> None:
    cycle = create_configured_cycle(api)
    path = _cap_path(cycle)
    for body in ({"max_pots": 0}, {"max_pots": 101}, {"max_pots": "1"}, {"max_pots": 1.5},
                 {}, {"max_pots": 1, "uncounted": "unga"},
                 {"max_pots": 1, "uncounted": ["unga"] * 101}):
        api.refused("PUT", path, 422, role=Role.ADMIN, json=body)
    problem = api.refused("PUT", path, 422, role=Role.ADMIN,
                          json={"max_pots": 1, "uncounted": ["stockholm"]})
    assert "stockholm" in problem["detail"] and "norr" in problem["detail"]
    api.refused("PUT", path, 422, role=Role.ADMIN,
                json={"max_pots": 1, "uncounted": ["unga", "unga"]})
    api.refused("DELETE", path, 409, role=Role.ADMIN)  # no cap to remove
    for role in (Role.RESIDENT, Role.REVIEWER, Role.OFFICIAL, Role.AUDITOR):
        api.refused("PUT", path, 403, role=role, json={"max_pots": 1})
    assert api.admin("GET", f"{API}/cycles/{cycle.id}")["pot_cap"] is None


def test_the_cap_is_set_and_removed_in_draft_only(api: Api) -> None:
    draft = create_configured_cycle(api)
    assert api.admin("PUT", _cap_path(draft), json={"max_pots": 2})["pot_cap"]["max_pots"] == 2
    # An area the cap names as uncounted cannot be removed from under it.
    api.admin("PUT", _cap_path(draft), json={"max_pots": 1, "uncounted": ["unga"]})
    problem = api.refused("DELETE", f"{API}/cycles/{draft.id}/areas/unga", 409, role=Role.ADMIN)
    assert "cap on pots per voter" in problem["detail"]
    assert api.admin("DELETE", _cap_path(draft))["pot_cap"] is None
    voting = build_cycle(api, "voting", name="Redan i röstning")
    problem = api.refused("PUT", _cap_path(voting), 409, role=Role.ADMIN, json={"max_pots": 1})
    assert "voting" in problem["detail"] and "draft" in problem["detail"]
    api.refused("DELETE", _cap_path(voting), 409, role=Role.ADMIN)
