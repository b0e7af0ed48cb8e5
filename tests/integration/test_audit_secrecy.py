"""Nobody reads ballot contents while the vote is open (DESIGN §5), on SQLite and PostgreSQL.

While a cycle votes, the event pages and the audit export (over HTTP and from the command line)
show every ballot event with its area and channel, so counts stay visible, but nothing of what
is on it, to admins and auditors alike; the export says it is interim, and `audit verify` says
it cannot be recounted. Once voting closes, both show everything.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.audit import BALLOT_TOPICS, verify_lines
from service.api.app import create_app
from service.api.auth import Role
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from tests.e2e.api_client import ADULT, API, Api, Cycle, aged, build_cycle
from tests.identities import personnummer_for
from tests.paths import SCRIPT

# What was on each ballot: (area, selections by index into the area's feasible proposals).
BALLOTS = (("norr", [0]), ("norr", [1, 2]), ("norr", [2]), ("unga", [0, 1]))
CONTENT = {"selections", "points", "voter", "at"}


@pytest.fixture
def api(settings: Settings, app: Medborgarbudget) -> Iterator[Api]:
    with TestClient(create_app(settings, app=app)) as client:
        yield Api(client, app)


def cast(api: Api, cycle: Cycle) -> dict[str, list[str]]:
    """Cast BALLOTS as residents; what each ballot (by its id) chose."""
    chosen: dict[str, list[str]] = {}
    for n, (area, picks) in enumerate(BALLOTS):
        options = cycle.feasible(area)
        selections = [options[i] for i in picks]
        young = area == "unga"
        born = aged(19) if young else ADULT
        api.resident(
            "POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject=f"hemlig-{n}",
            residence="soder" if young else "norr", birth_date=born,
            json={"area": area, "selections": selections})
        voter = Voter(personnummer_for(f"hemlig-{n}", born))
        the_id = api.app.ballots.ballot_id_of(api.app.cycle(cycle.id), area, voter)
        chosen[str(the_id)] = selections
    return chosen


def events(api: Api, cycle: Cycle, role: Role) -> tuple[list[dict[str, Any]], bool]:
    """Every event page by page, and whether each page said it was interim."""
    found, after, interim = [], 0, set()
    while True:
        page = api.ok("GET", f"{API}/cycles/{cycle.id}/events", role=role,
                      subject=f"test-{role.value}", params={"after": after, "limit": 10})
        interim.add(page["interim"])
        if page["next_after"] is None:
            break
        found += page["events"]
        after = page["next_after"]
    assert len(interim) == 1, interim
    return found, interim.pop()


def exported(api: Api, cycle: Cycle, role: Role) -> list[str]:
    response = api.request("GET", f"{API}/cycles/{cycle.id}/export", role=role,
                           subject=f"test-{role.value}")
    assert response.status_code == 200, response.text
    return response.text.splitlines(keepends=True)


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def ballot_events(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("topic") in BALLOT_TOPICS]


def assert_sealed(records: list[dict[str, Any]], chosen: dict[str, list[str]],
                  cycle: Cycle) -> None:
    ballots = ballot_events(records)
    assert len(ballots) == len(BALLOTS)  # the count is visible
    assert sorted((b["data"]["area"], b["data"]["channel"]) for b in ballots) == sorted(
        (area, "digital") for area, _ in BALLOTS)
    for ballot in ballots:
        data = ballot["data"]
        assert not CONTENT & set(data), data
        assert data["redacted"] is True
        text = json.dumps(ballot)
        assert not any(p in text for p in cycle.proposals.values()), text
    assert sorted(b["originator_id"] for b in ballots) == sorted(chosen)


def assert_open(records: list[dict[str, Any]], chosen: dict[str, list[str]]) -> None:
    ballots = ballot_events(records)
    assert {b["originator_id"]: b["data"]["selections"] for b in ballots} == chosen
    assert not any("redacted" in b["data"] for b in ballots)


def test_ballot_contents_are_sealed_while_voting_and_open_after(
        api: Api, settings: Settings, tmp_path: Path) -> None:
    cycle = build_cycle(api, "voting")
    chosen = cast(api, cycle)

    for role in (Role.ADMIN, Role.AUDITOR):
        found, interim = events(api, cycle, role)
        assert interim is True
        assert_sealed(found, chosen, cycle)

        lines = exported(api, cycle, role)
        records = [json.loads(line) for line in lines]
        assert records[0]["interim"] is True and records[-1]["interim"] is True
        assert records[-1]["counts"]["ballots"] == len(BALLOTS)
        assert_sealed(records, chosen, cycle)
        report = verify_lines(lines)
        assert report.ok and report.interim and not report.results_checked, report.findings

    done = cli(settings, "audit", "export", cycle.id, "--data", str(settings.data_dir))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[0]["interim"] is True
    assert_sealed(records, chosen, cycle)
    path = tmp_path / "interim.jsonl"
    path.write_text(done.stdout, encoding="utf-8")
    verified = cli(settings, "audit", "verify", str(path))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Interim:" in verified.stdout and "cannot be recounted" in verified.stdout

    api.fire(cycle.id, "close_voting")
    for role in (Role.ADMIN, Role.AUDITOR):
        found, interim = events(api, cycle, role)
        assert interim is False
        assert_open(found, chosen)
        lines = exported(api, cycle, role)
        records = [json.loads(line) for line in lines]
        assert records[0]["interim"] is False
        assert_open(records, chosen)
        report = verify_lines(lines)
        assert report.ok and not report.interim, report.findings
