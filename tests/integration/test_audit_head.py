"""The head of a cycle's audit chain anchors its history, on SQLite and PostgreSQL:

- every export of the same history has the same head, whenever it is made;
- the results API and page show the head now and the head when the results were published,
  as the read models chain the events; they are the heads of the export (up to the event that
  published the results, and up to its last event);
- an export rewritten consistently (a ballot changed, the results recounted, the chain
  recomputed) verifies in itself, and `audit verify --expect-head` with the published head
  fails on it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.audit import BALLOT_CAST, RESULTS_PUBLISHED, verify_lines
from domain.phases import Phase
from service import audit_export
from service.api.app import create_app
from service.api.auth import Role
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from tests.e2e.api_client import API, Api, Cycle, build_cycle
from tests.integration.builders import drive
from tests.integration.forgery import rechain, recount
from tests.paths import SCRIPT


def records_of(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def verify(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    return subprocess.run([str(SCRIPT), "audit", "verify", str(path), *options], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


class _Later(datetime):
    """`datetime` whose now() is a year on: an export made at another time."""

    @classmethod
    def now(cls, tz: Any = None) -> _Later:
        return cls(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_exports_made_at_different_times_have_the_same_head(
        app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    built = drive(app, Phase.IMPLEMENTATION)
    first = list(export_lines(app, built.cycle_id))
    monkeypatch.setattr(audit_export, "datetime", _Later)
    second = list(export_lines(app, built.cycle_id))

    assert records_of(first)[0]["exported_at"] != records_of(second)[0]["exported_at"]
    assert first[1:-1] == second[1:-1]  # every event line, hashes and all
    one, other = records_of(first)[-1], records_of(second)[-1]
    assert one["head"] == other["head"] and one["published_head"] == other["published_head"]
    assert one["published_head"] is not None and one["published_head"] != one["head"]
    assert verify_lines(first).head == verify_lines(second).head == one["head"]


@pytest.fixture
def api(settings: Settings, app: Medborgarbudget) -> Iterator[Api]:
    # The read models follow the log in this process on both backends (in production on
    # PostgreSQL, `medborgarbudget project` does it).
    with TestClient(create_app(settings, app=app, follow=True)) as client:
        yield Api(client, app)


def voted(api: Api) -> Cycle:
    """A cycle in counting, with six digital ballots."""
    cycle = build_cycle(api, "voting")
    norr = cycle.feasible("norr")
    for n in range(6):
        api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject=f"väljare-{n}",
                     json={"area": "norr", "selections": norr[n % 3:n % 3 + 1]})
    api.fire(cycle.id, "close_voting")
    return cycle


def exported(api: Api, cycle: Cycle) -> list[str]:
    response = api.request("GET", f"{API}/cycles/{cycle.id}/export", role=Role.AUDITOR)
    assert response.status_code == 200, response.text
    return response.text.splitlines(keepends=True)


def test_the_results_show_the_heads_of_the_export(api: Api, tmp_path: Path) -> None:
    cycle = voted(api)
    published = api.fire(cycle.id, "publish_results")
    results = api.ok("GET", f"{API}/cycles/{cycle.id}/results",
                     params={"position": published["position"]})
    head, at_results = results["audit_head"], results["published_head"]
    assert isinstance(head, str) and len(head) == 64
    assert head == at_results and results["audit_events"] == results["published_events"]

    lines = exported(api, cycle)
    records = records_of(lines)
    manifest = records[-1]
    assert (manifest["head"], manifest["published_head"]) == (head, at_results)
    publishing = next(r for r in records if r.get("topic") == RESULTS_PUBLISHED)
    assert publishing["hash"] == at_results
    assert publishing["seq"] == results["published_events"] == manifest["counts"]["events"]

    # Later events move the head on; the head at publication stays.
    adopted = api.admin("PUT", f"{API}/cycles/{cycle.id}/adoption", json={
        "body": "Kommunstyrelsen", "date": "2027-06-10", "reference": "KS § 88/2027"})
    later = api.ok("GET", f"{API}/cycles/{cycle.id}/results",
                   params={"position": adopted["position"]})
    assert later["published_head"] == at_results
    assert later["audit_head"] != head and later["audit_events"] == results["audit_events"] + 1
    lines = exported(api, cycle)
    manifest = records_of(lines)[-1]
    assert (manifest["head"], manifest["published_head"]) == (later["audit_head"], at_results)

    page = api.client.get(f"/cycles/{cycle.id}/results",
                          params={"position": adopted["position"], "lang": "en"})
    assert page.status_code == 200
    assert at_results in page.text and later["audit_head"] in page.text

    # Anyone can check the export against either head the results show.
    path = tmp_path / "audit.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    for expected, says in ((at_results, "the head when the results were published"),
                           (later["audit_head"], "the final head of the file")):
        done = verify(path, "--expect-head", expected)
        assert done.returncode == 0, done.stdout + done.stderr
        assert says in done.stdout


def test_a_consistent_rewrite_fails_against_the_published_head(api: Api,
                                                               tmp_path: Path) -> None:
    cycle = voted(api)
    published = api.fire(cycle.id, "publish_results")
    at_results = api.ok("GET", f"{API}/cycles/{cycle.id}/results",
                        params={"position": published["position"]})["published_head"]
    records = records_of(exported(api, cycle))

    # One ballot's selection changed, the results recounted, the chain recomputed.
    ballot = next(r for r in records if r.get("topic") == BALLOT_CAST)
    others = [p for p in cycle.feasible("norr") if p not in ballot["data"]["selections"]]
    ballot["data"]["selections"] = others[:1]
    recount(api.app, cycle.id, records)
    path = tmp_path / "rewritten.jsonl"
    path.write_text("".join(rechain(records)), encoding="utf-8")

    structurally = verify(path)
    assert structurally.returncode == 0, structurally.stdout + structurally.stderr
    assert "Verified:" in structurally.stdout
    done = verify(path, "--expect-head", at_results)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"the head hash is not the published one ({at_results})" in done.stderr
