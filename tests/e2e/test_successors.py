"""Next year's cycle: made once a cycle has left draft, once per cycle (another only if the
earlier successor was cancelled), also when two requests race; cancelled cycles leave the front
page's list of cycles for a list of their own. Over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import Conflict
from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import API, Api, build_cycle
from tests.integration.builders import ADMIN, drive, refused_storing_nothing


def _successor(api: Api, cycle: str, name: str, status: int = 201) -> Any:
    path = f"{API}/cycles/{cycle}/successor"
    if status == 201:
        return api.admin("POST", path, 201, json={"name": name})
    return api.refused("POST", path, status, role=Role.ADMIN, json={"name": name})


def test_a_successor_only_after_draft_and_only_once(api: Api) -> None:
    draft = build_cycle(api, "draft")
    problem = _successor(api, draft.id, "Från ett utkast", 409)
    assert problem["phase"] == "draft" and "draft" in problem["detail"]
    assert problem["allowed"] == api.ok("GET", f"{API}/cycles/{draft.id}/transitions")["allowed"]

    cycle = build_cycle(api, "voting", name="Medborgarbudget Testby 2027")
    first = _successor(api, cycle.id, "Medborgarbudget Testby 2028")
    assert first["predecessor_id"] == cycle.id
    again = _successor(api, cycle.id, "Medborgarbudget Testby 2028 igen", 409)
    assert "Medborgarbudget Testby 2028" in again["detail"] and first["id"] in again["detail"]

    # A cancelled successor can be replaced, once.
    api.fire(first["id"], "cancel", "Fel namn på omgången")
    second = _successor(api, cycle.id, "Medborgarbudget Testby 2028 (ny)")
    assert second["id"] not in (first["id"], cycle.id)
    _successor(api, cycle.id, "En tredje", 409)
    successors = [c for c in api.ok("GET", f"{API}/cycles")["cycles"]
                  if c["predecessor_id"] == cycle.id]
    assert sorted(c["id"] for c in successors) == sorted([first["id"], second["id"]])


def test_two_successors_racing_store_one(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    app = api.app
    cycle = drive(app, Phase.IDEAS, prepared=False).cycle_id
    app.create_cycle("Nästa år", "Testby kommun", ADMIN, predecessor_id=cycle)
    # The other request had not seen this one's successor when it decided.
    monkeypatch.setattr(app, "successor_ids", lambda _: [], raising=False)
    refused_storing_nothing(app, Conflict, lambda: app.create_cycle(
        "Nästa år, igen", "Testby kommun", ADMIN, predecessor_id=cycle), "same moment")


def test_cancelled_cycles_leave_the_front_page_list(api: Api) -> None:
    running = build_cycle(api, "ideas", name="Medborgarbudget Pågående 2027")
    cancelled = build_cycle(api, "draft", name="Medborgarbudget Inställd 2027")
    fired = api.fire(cancelled.id, "cancel", "Budgeten drogs in")
    page = api.client.get("/", params={"position": fired["position"]}).text
    cards, _, rest = page.partition('id="cancelled-heading"')
    assert "Medborgarbudget Pågående 2027" in cards
    assert "Medborgarbudget Inställd 2027" not in cards
    assert "Avbrutna omgångar" in rest and f"/cycles/{cancelled.id}" in rest
    assert f"/cycles/{running.id}" not in rest
    assert "Cancelled cycles" in api.client.get("/", params={"lang": "en"}).text
