"""Refusals and retries tell the caller what they need and nothing internal: malformed JSON is a
400 problem saying so (not a 422 about a "field" named by a character offset); no refusal names
a ballot's internal id, the caller's or anyone else's; a retried ballot's receipt reports the
log position of the ballot itself. Over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from domain.ballot import Ballot
from service.api.auth import Role
from tests.e2e.api_client import ADULT, API, PROBLEM, Api, build_cycle
from tests.identities import personnummer_for

CAST = Ballot.Cast.TOPIC  # type: ignore[attr-defined]


def _post_raw(api: Api, path: str, body: bytes, **caller: Any) -> Any:
    headers = {**api.headers(**caller), "Content-Type": "application/json"}
    return api.client.post(path, content=body, headers=headers)


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    before = api.stored()
    voter: dict[str, Any] = {"role": Role.RESIDENT, "subject": "trasig json",
                             "residence": "norr", "birth_date": ADULT}
    for path, body, caller in (
        (f"{API}/cycles", b'{"name": "x",', {"role": Role.ADMIN}),
        (f"{API}/cycles/{cycle.id}/transitions", b"{bad", {"role": Role.ADMIN}),
        (f"{API}/cycles/{cycle.id}/ballots", b'{"area": "norr", "selections": [', voter),
        (f"{API}/proposals/{cycle.proposals['utegym']}/review", b"[1, 2,,]",
         {"role": Role.REVIEWER}),
    ):
        response = _post_raw(api, path, body, **caller)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["title"] == "Malformed JSON" and problem["status"] == 400
        assert "not valid JSON" in problem["detail"] and "field" not in problem
    assert api.stored() == before
    # Well-formed JSON with a bad value is still a 422 naming the field.
    response = _post_raw(api, f"{API}/cycles", json.dumps({"name": 1}).encode(),
                         role=Role.ADMIN)
    assert response.status_code == 422 and response.json()["field"] in ("name", "municipality")


def test_no_refusal_names_a_ballot_id(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    base = f"{API}/cycles/{cycle.id}"
    utegym = cycle.proposals["utegym"]
    residents = [{"role": Role.RESIDENT, "subject": f"väljare {n}", "residence": "norr",
                  "birth_date": ADULT} for n in range(3)]
    for resident in residents[:2]:
        api.ok("POST", f"{base}/ballots", 201, json={"area": "norr", "selections": [utegym]},
               **resident)
    ballot_ids = {str(n.originator_id) for n in api.app.recorder.select_notifications(
        1, 10_000, topics=[CAST])}
    assert len(ballot_ids) == 2
    official = {"role": Role.OFFICIAL}
    refusals = [
        # a second ballot; a change the cycle does not allow; a change without a ballot
        api.refused("POST", f"{base}/ballots", 409, json={"area": "norr",
                                                          "selections": [utegym]},
                    **residents[0]),
        api.refused("PUT", f"{base}/ballots/norr", 409, json={"selections": [utegym]},
                    **residents[1]),
        api.refused("PUT", f"{base}/ballots/norr", 404, json={"selections": [utegym]},
                    **residents[2]),
        # a roll mark for someone who voted; a ballot the rule refuses
        api.refused("POST", f"{base}/roll-marks", 409, json={
            "station": "Biblioteket", "area": "norr",
            "voter": {"identity": personnummer_for("väljare 0", ADULT), "residence": "norr"}},
            **official),
        api.refused("POST", f"{base}/ballots", 422, json={
            "area": "norr", "selections": [utegym, utegym]}, **residents[2]),
    ]
    api.fire(cycle.id, "close_voting")
    refusals.append(api.refused("POST", f"{base}/ballots", 409, json={
        "area": "norr", "selections": [utegym]}, **residents[2]))
    text = json.dumps(refusals)
    assert not [b for b in ballot_ids if b in text or b.replace("-", "") in text], refusals


def test_a_retried_receipt_reports_the_ballots_own_position(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    path = f"{API}/cycles/{cycle.id}/ballots"
    ballot = {"area": "norr", "selections": [cycle.proposals["utegym"]]}
    voter: dict[str, Any] = {"role": Role.RESIDENT, "subject": "omförsök",
                             "residence": "norr", "birth_date": ADULT}
    first = api.request("POST", path, json=ballot, key="kvitto-1", **voter).json()
    cast = [n for n in api.app.recorder.select_notifications(1, 10_000, topics=[CAST])]
    assert [n.id for n in cast] == [first["position"]]
    # Others write meanwhile; the retry still reports where its ballot is in the log.
    api.ok("POST", path, 201, json=ballot, role=Role.RESIDENT, subject="någon annan",
           residence="norr", birth_date=ADULT)
    retry = api.request("POST", path, json=ballot, key="kvitto-1", **voter)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first and retry.json()["position"] == cast[0].id
