"""What an operator sees: JSON log lines, /metrics, /readyz; and what they never see.

A small cycle runs over HTTP with every log line captured: residents vote (digitally through
the ballot lane, once refused as a second ballot), an official marks a paper voter, a receipt is
checked, a token is broken, and the lines and a scrape of /metrics are then searched for every
personnummer, token, receipt code and client address used: none may appear. The lines must
still say what happened: a command line per write, a refusal line per refusal.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import READY_MAX_LAG_ENV, Settings
from service.logs import NOISY, json_handler, quiet_noisy_loggers
from tests.e2e.api_client import ADULT, API, Api, build_cycle
from tests.identities import valid_personnummer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

CLIENT_ADDRESS = "203.0.113.77"  # sent as X-Forwarded-For, as a proxy would
VOTERS = [valid_personnummer(n, ADULT) for n in (11, 12, 13)]
PAPER_VOTER = valid_personnummer(14, ADULT)
REQUEST_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = json_handler(out)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *NOISY)}
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    quiet_noisy_loggers()  # as `serve` configures them
    yield out
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def forms(personnummer: str) -> list[str]:
    """The ways a personnummer can be written: 19800101-1111, 198001011111, 800101-1111."""
    digits = personnummer.replace("-", "")
    return [personnummer, digits, personnummer[2:], digits[2:]]


def test_logs_and_metrics_show_what_happened_and_nobody(api: Api,
                                                        captured: io.StringIO) -> None:
    forwarded = {"X-Forwarded-For": CLIENT_ADDRESS}
    cycle = build_cycle(api, "voting")
    base = f"{API}/cycles/{cycle.id}"
    secrets: list[str] = []
    for voter in VOTERS:
        token = api.token("resident", voter, birth_date=ADULT, residence="norr")
        secrets.append(token)
        response = api.client.post(f"{base}/ballots", headers={
            "Authorization": f"Bearer {token}", **forwarded},
            json={"area": "norr", "selections": cycle.feasible("norr")[:1]})
        assert response.status_code == 201, response.text
        secrets.append(response.json()["receipt"])
    second = api.client.post(f"{base}/ballots", headers={
        "Authorization": f"Bearer {secrets[0]}", "X-Request-Id": REQUEST_ID, **forwarded},
        json={"area": "norr", "selections": cycle.feasible("norr")[:1]})
    assert second.status_code == 409
    assert second.headers["x-request-id"] == REQUEST_ID  # a proxy's id is echoed
    official = api.token("official", "valforrattare")
    secrets.append(official)
    marked = api.client.post(f"{base}/roll-marks", headers={
        "Authorization": f"Bearer {official}", **forwarded},
        json={"area": "norr", "station": "Biblioteket", "voter": {
            "identity": PAPER_VOTER, "birth_date": ADULT.isoformat(), "residence": "norr"}})
    assert marked.status_code == 201, marked.text
    twice = api.client.post(f"{base}/roll-marks", headers={
        "Authorization": f"Bearer {official}", **forwarded},
        json={"area": "norr", "station": "Biblioteket", "voter": {
            "identity": VOTERS[0], "birth_date": ADULT.isoformat(), "residence": "norr"}})
    assert twice.status_code == 409
    bad = api.client.post(f"{base}/roll-marks", headers={
        "Authorization": f"Bearer {official}", "X-Request-Id": VOTERS[1], **forwarded},
        json={"area": "norr", "station": "Biblioteket", "voter": {
            "identity": "19800101-0000", "birth_date": ADULT.isoformat(), "residence": "norr"}})
    assert bad.status_code == 422
    assert bad.headers["x-request-id"] != VOTERS[1]  # a personnummer is no request id
    assert api.client.get(f"{base}/receipts/{secrets[1]}").status_code == 200
    # A personnummer typed where a cycle's id goes: refused, and not logged as a cycle.
    assert api.client.get(f"{API}/cycles/{VOTERS[2]}", headers=forwarded).status_code == 404
    broken = api.client.get(f"{base}/events", headers={"Authorization": "Bearer x.y.z"})
    assert broken.status_code == 401
    api.fire(cycle.id, "close_voting", "Röstningen är slut")
    api.client.get("/readyz")
    scrape = api.client.get("/metrics")
    assert scrape.status_code == 200
    exposition = scrape.text

    logged = captured.getvalue()
    lines = [json.loads(line) for line in logged.splitlines()]
    requests = [line for line in lines if line.get("logger") == "medborgarbudget.requests"]
    stored = [line for line in requests if line["route"] == f"{API}/cycles/{{cycle}}/ballots"
              and line["status"] == 201]
    assert len(stored) == len(VOTERS)
    assert all(line["event"] == "command" and line["role"] == "resident"
               and line["cycle"] == cycle.id and line["request_id"] for line in stored)
    refusals = {(line["route"], line["status"], line["role"]) for line in requests
                if line["event"] == "refusal"}
    assert {(f"{API}/cycles/{{cycle}}/ballots", 409, "resident"),
            (f"{API}/cycles/{{cycle}}/roll-marks", 409, "official"),
            (f"{API}/cycles/{{cycle}}/roll-marks", 422, "official"),
            (f"{API}/cycles/{{cycle}}", 404, "anonymous"),
            (f"{API}/cycles/{{cycle}}/events", 401, "anonymous")} <= refusals
    assert any(line.get("request_id") == REQUEST_ID and line["status"] == 409
               for line in requests)
    transitions = [line for line in requests if line["route"].endswith("/transitions")
                   and line["method"] == "POST"]
    assert transitions and all(line["role"] == "admin" and line["outcome"] == "OK"
                               for line in transitions)

    for name in ("medborgarbudget_http_requests_total", "medborgarbudget_http_request_duration",
                 "medborgarbudget_ballots_stored_total", "medborgarbudget_group_commit_batch_size",
                 "medborgarbudget_read_model_lag_events", "medborgarbudget_read_model_lag_seconds",
                 'medborgarbudget_cycles{phase="counting"}'):
        assert name in exposition, name
    assert re.search(r'medborgarbudget_ballots_stored_total\{channel="digital"\} [1-9]',
                     exposition)
    assert f'route="{API}/cycles/{{cycle}}/ballots"' in exposition

    unsaid = [*secrets, CLIENT_ADDRESS, "testclient", "19800101-0000"]
    for voter in [*VOTERS, PAPER_VOTER]:
        unsaid += forms(voter)
    for text, where in ((logged, "the log"), (exposition, "the metrics")):
        for secret in unsaid:
            assert secret not in text, f"{secret!r} appears in {where}"
    for public_id in (cycle.id, *cycle.proposals.values()):  # public, but no metric label
        assert public_id not in exposition


@pytest.fixture
def quiet_api(settings: Settings, app: Medborgarbudget,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The API without a follower of its own, as a worker with PostgreSQL: the read models
    move only when the test says so."""
    monkeypatch.setenv(READY_MAX_LAG_ENV, "30")
    with TestClient(create_app(settings, app=app, follow=False)) as client:
        yield Api(client, app)


def test_readyz_answers_503_while_the_read_models_lag_too_long(quiet_api: Api) -> None:
    read_models: Any = quiet_api.api.state.read_models
    now = [1000.0]
    read_models.lag_watch.clock = lambda: now[0]
    ready = quiet_api.ok("GET", "/readyz")
    assert ready["status"] == "ready" and ready["lag_events"] == 0

    quiet_api.app.create_cycle("Fördröjd", "Testby kommun", "admin:test")
    behind = quiet_api.ok("GET", "/readyz")  # behind, but only just noticed
    assert behind["lag_events"] > 0 and behind["lag_seconds"] == 0
    now[0] += 30
    assert quiet_api.ok("GET", "/readyz")["lag_seconds"] == 30  # at the limit: still ready
    now[0] += 1
    problem = quiet_api.refused("GET", "/readyz", 503)
    assert problem["lag_seconds"] == 31 and problem["lag_events"] > 0
    assert quiet_api.ok("GET", "/healthz")["status"] == "ok"  # alive all the same
    assert "medborgarbudget_read_model_lag_seconds 31.0" in quiet_api.client.get("/metrics").text

    read_models.follower.catch_up()
    assert quiet_api.ok("GET", "/readyz")["lag_events"] == 0


def test_readyz_answers_503_while_the_store_does_not_answer(quiet_api: Api,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    assert quiet_api.ok("GET", "/readyz")["status"] == "ready"

    def unreachable(*_: object) -> int:
        raise OSError("connection refused")

    monkeypatch.setattr(quiet_api.app.recorder, "max_notification_id", unreachable)
    response = quiet_api.client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "store" in response.json()["detail"]
    monkeypatch.undo()
    assert quiet_api.ok("GET", "/readyz")["status"] == "ready"
