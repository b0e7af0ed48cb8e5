"""`?position=N` (read your writes) is bounded: a position beyond the log's end answers at once,
and a reader waiting for a write to reach the read models holds no thread (issue: anyone
unsigned could stall the API with ?position=<huge>, each request holding a thread 5 s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import service.read_models
from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import API, Api, build_cycle

HUGE = 2**62


def _no_sleeping_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_: float) -> None:
        raise AssertionError("a reader's wait held a thread (time.sleep)")

    monkeypatch.setattr(service.read_models.time, "sleep", refuse)


@pytest.fixture
def stalled(settings: Settings, app: Medborgarbudget) -> Iterator[Api]:
    """The API with read models that nobody keeps current: every wait would run its course."""
    with TestClient(create_app(settings, app=app, follow=False)) as client:
        yield Api(client, app)


def test_a_position_beyond_the_log_answers_at_once(stalled: Api,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cycle = build_cycle(stalled, "voting")
    slept: list[float] = []

    async def counting_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(service.read_models.asyncio, "sleep", counting_sleep)
    _no_sleeping_threads(monkeypatch)
    for path in ("/", f"/cycles/{cycle.id}", f"/cycles/{cycle.id}/proposals",
                 f"/cycles/{cycle.id}/results", f"{API}/cycles/{cycle.id}/results",
                 f"{API}/cycles/{cycle.id}/receipts/AAAA-AAAA-AAAA-AAAA"):
        response = stalled.client.get(path, params={"position": HUGE})
        assert response.status_code in (200, 404, 409), (path, response.text)
    # Nothing written lies beyond the log's end: nobody waited for it.
    assert slept == []


def test_a_reader_waiting_for_a_write_holds_no_thread(stalled: Api,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    created = stalled.admin("POST", f"{API}/cycles", 201,
                            json={"name": "Väntan 2027", "municipality": "Testby kommun"})
    position = created["position"]
    assert position > stalled.api.state.read_models.store.position()
    awaited: list[float] = []
    real_sleep: Any = service.read_models.asyncio.sleep

    real_wait_for: Any = service.read_models.asyncio.wait_for

    async def counting_sleep(seconds: float) -> None:
        awaited.append(seconds)
        await real_sleep(seconds)

    async def counting_wait_for(waited: Any, seconds: float) -> Any:
        # PostgreSQL: the reader waits for the follower's notification, on the event loop.
        awaited.append(seconds)
        return await real_wait_for(waited, seconds)

    monkeypatch.setattr(service.read_models, "WAIT_SECONDS", 0.05)
    monkeypatch.setattr(service.read_models.asyncio, "sleep", counting_sleep)
    monkeypatch.setattr(service.read_models.asyncio, "wait_for", counting_wait_for)
    _no_sleeping_threads(monkeypatch)
    response = stalled.client.get(f"{API}/cycles/{created['id']}/results",
                                  params={"position": position})
    # The read models never caught up (nobody follows the log here): the answer comes when
    # the bounded wait is over, and the waiting was done on the event loop.
    assert response.status_code == 409, response.text
    assert awaited, "the reader did not wait for a position that exists"
