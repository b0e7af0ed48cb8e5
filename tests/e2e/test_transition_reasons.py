"""Every phase change is fired by a person who says why: each trigger, not only cancel, is
refused without a reason (409, naming the phase and what is allowed now, storing nothing) and
records the reason it is given. Over HTTP (DESIGN §8: `{"trigger": ..., "reason": ...}`) on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import GuardRefused
from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import API, Api
from tests.integration.builders import ADMIN, FORWARD, drive, refused_storing_nothing

NO_REASON: tuple[dict[str, Any], ...] = ({}, {"reason": ""}, {"reason": "   "})
# The phase each forward trigger is fired from.
SOURCE = dict(zip([t for t, _ in FORWARD], [Phase.DRAFT, *(d for _, d in FORWARD)],
                  strict=False))


@pytest.mark.parametrize(("trigger", "destination"), FORWARD)
def test_every_trigger_needs_a_reason(api: Api, trigger: str, destination: Phase) -> None:
    source = SOURCE[trigger]
    cycle = str(drive(api.app, source).cycle_id)
    path = f"{API}/cycles/{cycle}/transitions"
    listed = api.ok("GET", path)
    assert trigger in listed["allowed"]  # a reason comes with the command, so it is listed
    for body in NO_REASON:
        problem = api.refused("POST", path, 409, role=Role.ADMIN,
                              json={"trigger": trigger, **body})
        assert problem["phase"] == source.value
        assert "a reason must be given" in problem["detail"]
        assert problem["allowed"] == listed["allowed"]

    fired = api.admin("POST", path, json={"trigger": trigger, "reason": " Beslut i KS "})
    assert fired["phase"] == destination.value
    assert fired["history"][-1]["trigger"] == trigger
    assert fired["history"][-1]["reason"] == "Beslut i KS"


def test_the_service_refuses_it_too(api: Api) -> None:
    built = drive(api.app, Phase.IDEAS)
    refused_storing_nothing(api.app, GuardRefused, lambda: api.app.trigger(
        built.cycle_id, "close_ideas", ADMIN, ""), "a reason must be given")
    refused_storing_nothing(api.app, GuardRefused, lambda: api.app.trigger(
        built.cycle_id, "close_ideas", ADMIN), "a reason must be given")
