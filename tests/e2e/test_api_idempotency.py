"""Idempotency-Key on POST: a retry returns the first response and stores nothing twice, on
SQLite and PostgreSQL, also when the retries race each other."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from service.api.auth import Principal, Role
from service.api.idempotency import keyed_request
from service.api.receipts import cast_command, receipt_body
from service.api.schemas import BallotIn
from service.recorders import IDEMPOTENCY_TABLE
from tests.e2e.api_client import ADULT, API, Api, Cycle, build_cycle
from tests.identities import personnummer_for

REPLAYED = "Idempotent-Replayed"
RACERS = 8
TIMEOUT = 60

IDEA = {"area": "norr", "title": "Parkbänkar längs stråket", "description": "Sex bänkar.",
        "estimated_cost": 45_000, "category": "tillgänglighet"}
PROPOSER: dict[str, Any] = {"role": Role.RESIDENT, "subject": "19850505-1212",
                            "residence": "norr", "birth_date": ADULT}


def post(api: Api, path: str, body: Any, key: str | None, **caller: Any) -> httpx.Response:
    return api.request("POST", path, json=body, key=key, **caller)


def stored_once(api: Api, path: str, body: Any, status: int, **caller: Any) -> dict[str, Any]:
    """POST with a key, then retry it twice: one stored result, replayed byte for byte."""
    before = api.stored()
    first = post(api, path, body, "retry-1", **caller)
    assert first.status_code == status, first.text
    assert REPLAYED not in first.headers
    after_first = api.stored()
    assert after_first > before
    for _ in range(2):
        retry = post(api, path, body, "retry-1", **caller)
        assert retry.status_code == status, retry.text
        assert retry.headers[REPLAYED] == "true"
        assert retry.json() == first.json()
        assert retry.headers["content-type"].startswith("application/json")
        assert api.stored() == after_first, "a retry stored events"
    answer: dict[str, Any] = first.json()
    return answer


def test_retried_posts_store_one_event(api: Api) -> None:
    created = stored_once(api, f"{API}/cycles", {"name": "Omförsök 2027",
                                                 "municipality": "Testby kommun"}, 201,
                          role=Role.ADMIN)
    names = [c["name"] for c in api.ok("GET", f"{API}/cycles")["cycles"]]
    assert names.count("Omförsök 2027") == 1
    area = {"id": "norr", "name": "Norr", "budget": 10_000}
    assert len(stored_once(api, f"{API}/cycles/{created['id']}/areas", area, 201,
                           role=Role.ADMIN)["areas"]) == 1

    cycle = build_cycle(api, "ideas")
    before = len(api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"])
    proposal = stored_once(api, f"{API}/cycles/{cycle.id}/proposals", IDEA, 201, **PROPOSER)
    listed = api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"]
    assert len(listed) == before + 1 and proposal["id"] in {p["id"] for p in listed}

    stored_once(api, f"{API}/cycles/{cycle.id}/transitions",
                {"trigger": "close_ideas", "reason": "Klart"}, 200, role=Role.ADMIN)
    history = api.ok("GET", f"{API}/cycles/{cycle.id}")["history"]
    assert [h["trigger"] for h in history] == ["open_ideas", "close_ideas"]


def test_a_retried_ballot_is_replayed_not_refused_as_a_second_one(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    voter: dict[str, Any] = {"role": Role.RESIDENT, "subject": "19700707-7777",
                             "residence": "norr", "birth_date": ADULT}
    ballot = {"area": "norr", "selections": cycle.feasible("norr")[:1]}
    receipt = stored_once(api, f"{API}/cycles/{cycle.id}/ballots", ballot, 201, **voter)
    assert receipt["receipt"] and receipt["position"]
    # The same JSON written another way (key order, spacing) is the same request.
    again = api.client.post(f"{API}/cycles/{cycle.id}/ballots",
                            content=json.dumps(dict(reversed(ballot.items())), indent=2),
                            headers={**api.headers(key="retry-1", **voter),
                                     "Content-Type": "application/json"})
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.json() == receipt
    # Without the key, or with another one, it is a second ballot, and refused.
    api.refused("POST", f"{API}/cycles/{cycle.id}/ballots", 409, json=ballot, **voter)
    api.refused("POST", f"{API}/cycles/{cycle.id}/ballots", 409, json=ballot, key="retry-2",
                **voter)
    assert len(api.app.counted_ballots(cycle.id)) == 1

    mark = {"area": "norr", "station": "Biblioteket",
            "voter": {"identity": personnummer_for("paper voter"), "residence": "norr"}}
    stored_once(api, f"{API}/cycles/{cycle.id}/roll-marks", mark, 201, role=Role.OFFICIAL)
    box = {"area": "norr", "station": "Biblioteket",
           "ballots": [{"selections": cycle.feasible("norr")[:1]}]}
    stored_once(api, f"{API}/cycles/{cycle.id}/paper-ballots", box, 201, role=Role.OFFICIAL)
    assert len(api.app.counted_ballots(cycle.id)) == 2


def test_a_retry_after_a_crash_gets_the_receipt_and_the_record_holds_no_vote(api: Api) -> None:
    """The ballot's answer is kept in its own transaction: a server that stored the ballot
    and died before answering still has the receipt for the retry. What is kept is keyed
    hashes and the answer, never who voted or what."""
    cycle = build_cycle(api, "voting")
    identity = personnummer_for("crashed voter", ADULT)
    ballot = {"area": "norr", "selections": cycle.feasible("norr")[:1]}
    body = json.dumps(ballot).encode()
    principal = Principal(identity, Role.RESIDENT, ADULT, "norr")
    path = f"{API}/cycles/{cycle.id}/ballots"
    # What the route does up to the commit, with no answer sent: the crash.
    keyed = keyed_request(api.app, "after-crash", f"resident:{identity}", "POST", path, body)
    stored = api.app.ballots.cast(cast_command(cycle.id, BallotIn(**ballot), principal), keyed,
                                  lambda outcome: (201, receipt_body(outcome)))
    retry = post(api, path, ballot, "after-crash", role=Role.RESIDENT, subject=identity,
                 residence="norr", birth_date=ADULT)
    assert retry.status_code == 201 and retry.headers[REPLAYED] == "true"
    assert retry.json()["receipt"] == stored.receipt
    assert retry.json()["position"] == stored.position

    rows = _idempotency_rows(api)
    assert rows, "no idempotency record was kept"
    text = repr(rows)
    for secret in (identity, identity.replace("-", ""), *ballot["selections"], "resident"):
        assert secret not in text
    topics = {n.topic for n in api.app.recorder.select_notifications(1, 10_000)}
    assert not any("Idempotent" in topic for topic in topics), "a record in the event log"


def _idempotency_rows(api: Api) -> list[tuple[Any, ...]]:
    recorder: Any = api.app.recorder
    schema = getattr(recorder.datastore, "schema", None)
    table = f'"{schema}".{IDEMPOTENCY_TABLE}' if schema else IDEMPOTENCY_TABLE
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT scope, fingerprint, status FROM {table}")
        return [tuple(row.values()) if isinstance(row, dict) else tuple(row)
                for row in cursor.fetchall()]


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    path = f"{API}/cycles/{cycle.id}/proposals"
    first = post(api, path, IDEA, "reused", **PROPOSER)
    assert first.status_code == 201
    problem = api.refused("POST", path, 422, json={**IDEA, "title": "Något annat"},
                          key="reused", **PROPOSER)
    assert problem["field"] == "Idempotency-Key"
    # The key belongs to its caller and path: another resident, or another path, may use it.
    other = post(api, path, IDEA, "reused", **{**PROPOSER, "subject": "19860606-3434"})
    assert other.status_code == 201 and REPLAYED not in other.headers
    assert other.json()["id"] != first.json()["id"]


def test_unusable_keys_are_refused(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    path = f"{API}/cycles/{cycle.id}/proposals"
    assert api.refused("POST", path, 422, json=IDEA, key="k" * 201,
                       **PROPOSER)["field"] == "Idempotency-Key"
    assert api.refused("POST", path, 422, json=IDEA, key="   ",
                       **PROPOSER)["field"] == "Idempotency-Key"


def _race(api: Api, path: str, body: Any, key: str, **caller: Any) -> list[httpx.Response]:
    barrier = threading.Barrier(RACERS, timeout=TIMEOUT)

    def one() -> httpx.Response:
        barrier.wait()
        return post(api, path, body, key, **caller)

    with ThreadPoolExecutor(RACERS) as pool:
        futures = [pool.submit(one) for _ in range(RACERS)]
        return [f.result(timeout=TIMEOUT) for f in futures]


def _one_answer(responses: list[httpx.Response], status: int) -> dict[str, Any]:
    assert [r.status_code for r in responses] == [status] * RACERS, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1, "the racers got different answers"
    assert sum(REPLAYED not in r.headers for r in responses) == 1, "not exactly one original"
    answer: dict[str, Any] = responses[0].json()
    return answer


def test_racing_retries_store_once(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    before = {p["id"] for p in api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"]}
    answer = _one_answer(_race(api, f"{API}/cycles/{cycle.id}/proposals", IDEA, "race-1",
                               **PROPOSER), 201)
    after = {p["id"] for p in api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"]}
    assert after - before == {answer["id"]}

    created = _one_answer(_race(api, f"{API}/cycles", {"name": "Kapplöpning 2027",
                                                       "municipality": "Testby kommun"},
                                "race-2", role=Role.ADMIN), 201)
    cycles = [c["id"] for c in api.ok("GET", f"{API}/cycles")["cycles"]]
    assert created["id"] in cycles and len(cycles) == 2


def test_racing_ballot_retries_store_one_ballot(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    voter: dict[str, Any] = {"role": Role.RESIDENT, "subject": "19700808-8888",
                             "residence": "norr", "birth_date": ADULT}
    ballot = {"area": "norr", "selections": cycle.feasible("norr")[:2]}
    _one_answer(_race(api, f"{API}/cycles/{cycle.id}/ballots", ballot, "race-3", **voter), 201)
    assert len(api.app.counted_ballots(cycle.id)) == 1


def test_a_refused_request_with_a_key_stores_nothing_and_can_be_retried(api: Api) -> None:
    cycle: Cycle = build_cycle(api, "draft")
    path = f"{API}/cycles/{cycle.id}/proposals"
    refused = api.refused("POST", path, 409, json=IDEA, key="too-early", **PROPOSER)
    assert refused["phase"] == "draft"
    # Retried unchanged, it is refused again: the refusal was not recorded as the answer.
    api.refused("POST", path, 409, json=IDEA, key="too-early", **PROPOSER)
    api.fire(cycle.id, "open_ideas")
    before = api.stored()
    accepted = post(api, path, IDEA, "too-early", **PROPOSER)
    assert accepted.status_code == 201 and REPLAYED not in accepted.headers
    assert api.stored() > before
    replayed = post(api, path, IDEA, "too-early", **PROPOSER)
    assert replayed.headers[REPLAYED] == "true" and replayed.json() == accepted.json()
    assert len(api.ok("GET", path)["proposals"]) == 1

    # Bad input with a key: refused, nothing kept, and the corrected retry goes through.
    bad = {**IDEA, "estimated_cost": 0}
    assert api.refused("POST", path, 422, json=bad, key="fixed-later",
                       **PROPOSER)["field"] == "estimated_cost"
    assert api.refused("POST", path, 422, json=bad, key="fixed-later",
                       **PROPOSER)["field"] == "estimated_cost"
    assert post(api, path, {**IDEA, "title": "Rättat"}, "fixed-later",
                **PROPOSER).status_code == 201
