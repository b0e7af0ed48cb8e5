"""A page shows a write made just before it: every API write answers with the `position` of its
last event, and a page asked for with `?position=N` waits until the read models include it.

Over HTTP, on SQLite and on PostgreSQL (where the server follows the log in a thread here, as
`create_app(follow=True)` asks; in production `medborgarbudget project` does it).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.phases import Phase
from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from tests.integration.builders import drive

TITLE = "Solceller på Kulturhusets tak"
REASON = "Taket bär inte panelerna enligt byggnadsingenjörens besiktning."


@pytest.fixture
def client(settings: Settings, app: Medborgarbudget) -> Iterator[TestClient]:
    with TestClient(create_app(settings, app=app, follow=True)) as test_client:
        yield test_client


def bearer(client: TestClient, role: str, **claims: Any) -> dict[str, str]:
    token = client.app.state.tokens.mint(role, f"rw-{role}", 600, **claims)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def written(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("position"), int) and body["position"] > 0, body
    return body


def test_pages_show_a_proposal_and_its_review_at_once(client: TestClient,
                                                      app: Medborgarbudget) -> None:
    cycle_id = drive(app, Phase.IDEAS, prepared=False).cycle_id
    resident = bearer(client, "resident", birth_date=date(1980, 4, 2), residence="norr")

    submitted = written(client.post(f"/api/v1/cycles/{cycle_id}/proposals", headers=resident,
                                    json={"area": "norr", "title": TITLE,
                                          "description": "Sol till kulturhusets el.",
                                          "estimated_cost": 90_000, "category": "miljö"}), 201)
    position, proposal_id = submitted["position"], submitted["id"]
    assert position == app.recorder.max_notification_id()  # the write's own event

    listing = client.get(f"/cycles/{cycle_id}/proposals", params={"position": position})
    assert listing.status_code == 200
    assert TITLE in listing.text
    assert "Mottaget, väntar på prövning" in listing.text

    page = client.get(f"/proposals/{proposal_id}", params={"position": position})
    assert page.status_code == 200
    assert f"<h1>{TITLE}</h1>" in page.text
    assert "Mottaget" in page.text and "Väntar på kommunens prövning." in page.text
    assert REASON not in page.text

    # The municipality closes the idea collection and reviews the proposal: not feasible.
    written(client.post(f"/api/v1/cycles/{cycle_id}/transitions", headers=bearer(client, "admin"),
                        json={"trigger": "close_ideas", "reason": "Idéinsamlingen är slut"}))
    reviewed = written(client.post(f"/api/v1/proposals/{proposal_id}/review",
                                   headers=bearer(client, "reviewer"),
                                   json={"feasible": False, "reason": REASON}))
    assert reviewed["status"] == "infeasible" and reviewed["position"] > position

    page = client.get(f"/proposals/{proposal_id}", params={"position": reviewed["position"]})
    assert page.status_code == 200
    assert "Inte genomförbart." in page.text
    assert REASON in page.text
    english = client.get(f"/proposals/{proposal_id}",
                         params={"position": reviewed["position"], "lang": "en"})
    assert "Not feasible." in english.text and REASON in english.text
    listing = client.get(f"/cycles/{cycle_id}/proposals", params={"position": reviewed["position"]})
    assert REASON in listing.text
