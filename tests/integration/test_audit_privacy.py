"""What an auditor receives keeps the vote secret: the export (CLI and HTTP) and the event pages
hold no voter or proposer identity, no birth date and no token subject; voters appear only as
64-hex pseudonyms in `Ballot.Cast`. Auditors (not residents) download the export over HTTP, the
same lines the CLI writes; `audit replay` compares the read models with a rebuild.

The cycle is built over HTTP as residents and staff would: residents propose and vote with their
own tokens (some with an Idempotency-Key), officials register paper ballots with the voter's
personnummer, birth date and residence from the station's roll."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.audit import BALLOT_CAST, verify_lines
from service.api.app import create_app
from service.api.auth import Role
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.read_models import READ_MODELS_FILE
from tests.e2e.api_client import API, IDEAS, Api, Cycle, build_cycle, proposer
from tests.identities import valid_personnummer
from tests.paths import SCRIPT

ROLL_MARKED = "medborgarbudget:RollMark.Marked"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Keys that would mean personal data reached the export (area eligibility may name a residence).
PERSONAL_KEYS = {"identity", "birth_date", "born", "email", "phone", "telephone", "contact",
                 "address", "subject", "sub", "personnummer", "token"}


@dataclass
class Voted:
    """Who took part, with everything that identifies them."""

    identities: list[str] = field(default_factory=list)
    birth_dates: list[date] = field(default_factory=list)
    proposers: list[str] = field(default_factory=list)


@dataclass
class Audited:
    settings: Settings
    app: Medborgarbudget
    cycle: Cycle
    voted: Voted
    api_lines: list[str]
    event_pages: list[dict[str, Any]]
    refused: dict[str, int]


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    return subprocess.run([str(SCRIPT), *args, "--data", str(settings.data_dir)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _vote(api: Api, cycle: Cycle, voted: Voted) -> None:
    year = datetime.now(UTC).year
    norr, unga = cycle.feasible("norr"), cycle.feasible("unga")
    for n in range(12):  # residents of Norr, digitally
        born = date(1955 + n, 3, 1 + n)
        subject = valid_personnummer(400 + n * 7, born)
        api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject=subject,
                     birth_date=born, residence="norr",
                     key=f"ballot-{n}" if n % 3 == 0 else None,
                     json={"area": "norr", "selections": norr[n % 3:n % 3 + 1 + n % 2]})
        voted.identities.append(subject)
        voted.birth_dates.append(born)
    for n in range(4):  # young residents, on the budget meter
        born = date(year - 18, 1 + n, 10 + n)
        subject = valid_personnummer(n, born)
        api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject=subject,
                     birth_date=born, residence="soder",
                     json={"area": "unga", "selections": unga[:2]})
        voted.identities.append(subject)
        voted.birth_dates.append(born)
    for n in range(5):  # paper voters marked in a station's roll, in the 10-digit form
        born = date(1948, 1 + n, 20 + n)
        identity = valid_personnummer(910 + n, born)
        api.ok("POST", f"{API}/cycles/{cycle.id}/roll-marks", 201, role=Role.OFFICIAL,
               subject="valforrattare-7", json={
                   "area": "norr", "station": "Stadsbiblioteket",
                   "voter": {"identity": identity[2:], "birth_date": born.isoformat(),
                             "residence": "norr"}})
        voted.identities.append(identity)
        voted.birth_dates.append(born)


def _enter_the_box(api: Api, cycle: Cycle) -> None:
    """The station's box, entered after the close without identity."""
    api.ok("POST", f"{API}/cycles/{cycle.id}/paper-ballots", 201, role=Role.OFFICIAL,
           subject="valforrattare-7", json={
               "area": "norr", "station": "Stadsbiblioteket",
               "ballots": [{"selections": cycle.feasible("norr")[:1]}] * 5})


@pytest.fixture
def audited(settings: Settings, app: Medborgarbudget) -> Iterator[Audited]:
    voted = Voted(proposers=[proposer(key) for key, *_ in IDEAS])
    with TestClient(create_app(settings, app=app)) as client:
        api = Api(client, app)
        cycle = build_cycle(api, "voting")
        _vote(api, cycle, voted)
        api.fire(cycle.id, "close_voting")
        _enter_the_box(api, cycle)
        api.fire(cycle.id, "publish_results")
        export = f"{API}/cycles/{cycle.id}/export"
        response = api.request("GET", export, role=Role.AUDITOR, subject="revisor-1")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        pages, after = [], 0
        while True:
            page = api.ok("GET", f"{API}/cycles/{cycle.id}/events", role=Role.AUDITOR,
                          subject="revisor-1", params={"after": after, "limit": 100})
            pages.append(page)
            if page["next_after"] is None:
                break
            after = page["next_after"]
        refused = {
            "resident": api.request("GET", export, role=Role.RESIDENT, subject=voted.identities[0],
                                    birth_date=voted.birth_dates[0],
                                    residence="norr").status_code,
            "anonymous": api.request("GET", export).status_code,
            "resident-events": api.request("GET", f"{API}/cycles/{cycle.id}/events",
                                           role=Role.RESIDENT, subject="x").status_code,
        }
        api_lines = response.text.splitlines(keepends=True)
    # The server (and its read-model thread) has stopped; the store stays open for the test.
    yield Audited(settings, app, cycle, voted, api_lines, pages, refused)


def _keys(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, f"{path}.{key}"
            yield from _keys(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner, f"{path}[]")


def assert_no_personal_data(text: str, audited: Audited) -> None:
    voted = audited.voted
    for identity in [*voted.identities, *voted.proposers]:
        assert identity not in text, f"the identity {identity} is in the export"
    for born in voted.birth_dates:
        assert born.isoformat() not in text, f"the birth date {born} is in the export"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_export_holds_pseudonyms_only(audited: Audited) -> None:
    done = _cli(audited.settings, "audit", "export", audited.cycle.id)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert_no_personal_data(text, audited)
    records = [json.loads(line) for line in text.splitlines()]
    assert verify_lines(text.splitlines(keepends=True)).ok

    app, voted = audited.app, audited.voted
    casts = [r for r in records if r.get("topic") == BALLOT_CAST]
    marks = [r for r in records if r.get("topic") == ROLL_MARKED]
    assert len(casts) == len(voted.identities) == 21 and len(marks) == 5
    digital = [r for r in casts if r["data"]["channel"] == "digital"]
    from_box = [r for r in casts if r["data"]["channel"] == "paper"]
    assert len(from_box) == 5 and all(r["data"]["voter"] is None for r in from_box)
    pseudonyms = [r["data"]["voter"] for r in [*digital, *marks]]
    assert all(HEX64.match(p) for p in pseudonyms) and len(set(pseudonyms)) == 21
    cycle = app.cycle(audited.cycle.id)
    expected = {str(app.ballots.ballot_id_of(cycle, "unga" if n in range(12, 16) else "norr",
                                             Voter(i)))
                for n, i in enumerate(voted.identities)}
    assert {str(r["originator_id"]) for r in [*digital, *marks]} == expected
    for pseudonym in pseudonyms:  # in its own ballot's (or mark's) line and nowhere else
        assert text.count(pseudonym) == 1

    for record in records:
        for key, where in _keys(record):
            assert key not in PERSONAL_KEYS, f"{where} in {record.get('topic', record['kind'])}"
            if key in ("voter", "receipt", "channel"):
                assert record.get("topic") in (BALLOT_CAST, ROLL_MARKED), where
    # Nothing that narrows who cast a ballot: no age band, no time of day (ADR 0004).
    for record in [*casts, *marks]:
        assert record["data"].get("age_band") is None and record["data"].get("at") is None
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["data"]["day"])
        assert record["timestamp"].endswith("T00:00:00+00:00"), record["timestamp"]
    submitted = [r["data"] for r in records
                 if r.get("topic") == "medborgarbudget:Proposal.Submitted"]
    assert len(submitted) == len(IDEAS)
    assert sorted(d["proposer"] for d in submitted) == sorted(
        app.proposer_pseudonym(p) for p in voted.proposers)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_event_pages_hold_no_personal_data(audited: Audited) -> None:
    text = json.dumps(audited.event_pages, ensure_ascii=False)
    assert_no_personal_data(text, audited)
    events = [e for page in audited.event_pages for e in page["events"]]
    assert sum(e["topic"] == BALLOT_CAST for e in events) == 21


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_auditors_download_the_same_lines_as_the_cli(audited: Audited) -> None:
    assert audited.refused == {"resident": 403, "anonymous": 401, "resident-events": 403}
    assert_no_personal_data("".join(audited.api_lines), audited)
    assert verify_lines(audited.api_lines).ok

    done = _cli(audited.settings, "audit", "export", audited.cycle.id)
    assert done.returncode == 0, done.stderr
    cli_lines = done.stdout.splitlines(keepends=True)

    assert len(audited.api_lines) == len(cli_lines) > 30
    # Only the header says when it was exported (and the manifest names the header's hash):
    # every event line is the same text, hashes and all, and so is the head.
    assert audited.api_lines[1:-1] == cli_lines[1:-1]
    strip = re.compile(r'"(exported_at|hash|header)":"[^"]*"')
    assert strip.sub("", audited.api_lines[0]) == strip.sub("", cli_lines[0])
    assert strip.sub("", audited.api_lines[-1]) == strip.sub("", cli_lines[-1])
    assert json.loads(audited.api_lines[-1])["head"] == json.loads(cli_lines[-1])["head"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_replay_finds_the_read_models_equal_to_a_rebuild(audited: Audited) -> None:
    done = _cli(audited.settings, "audit", "replay", audited.cycle.id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the read models equal a rebuild from the events" in done.stdout

    # The comparison can fail: a ballot's receipt missing from the live read models is reported.
    with sqlite3.connect(audited.settings.data_dir / READ_MODELS_FILE) as connection:
        deleted = connection.execute("DELETE FROM rm_receipts WHERE digest IN "
                                     "(SELECT digest FROM rm_receipts LIMIT 1)").rowcount
    assert deleted == 1
    broken = _cli(audited.settings, "audit", "replay", audited.cycle.id)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "DIFFERS: rm_receipts" in broken.stderr
