"""A resident's ballot is answered by a lean lane (service/api/ballot_lane.py) unless it carries an
Idempotency-Key, which sends it through the FastAPI route: both must answer every request alike,
and the lane must really decide without a thread once the cycle is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest

from service.api.auth import Role
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from tests.e2e.api_client import ADULT, API, Api, Cycle, build_cycle
from tests.identities import personnummer_for

VOLATILE = ("receipt", "position")  # differ between two ballots by design


def cast(api: Api, cycle: str, body: Any, *, via_route: bool, role: Role | None = Role.RESIDENT,
         subject: str = "19800501-0001", residence: str = "norr") -> httpx.Response:
    # A fresh key every time: a key only makes the route replay an identical retry.
    return api.request("POST", f"{API}/cycles/{cycle}/ballots", json=body, role=role,
                       subject=subject, birth_date=ADULT, residence=residence,
                       key=f"key-{uuid4()}" if via_route else None)


def answer(response: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    body = {k: v for k, v in response.json().items() if k not in VOLATILE}
    return response.status_code, response.headers["content-type"], body


def both_ways(api: Api, cycle: str, body: Any, **caller: Any) -> tuple[Any, Any]:
    """The same request through the lane and through the route, by different residents unless
    `subject` is given; neither may store anything when refused."""
    subject = caller.pop("subject", None)
    answers = []
    for via_route, voter in ((False, "19800501-0002"), (True, "19800501-0003")):
        answers.append(answer(cast(api, cycle, body, via_route=via_route,
                                   subject=subject or voter, **caller)))
    return answers[0], answers[1]


@pytest.fixture
def voting(api: Api) -> Cycle:
    return build_cycle(api, "voting")


def test_the_lane_and_the_route_answer_every_case_alike(api: Api, voting: Cycle) -> None:
    choice = {"area": "norr", "selections": voting.feasible("norr")[:1]}
    lane, route = both_ways(api, voting.id, choice)
    assert lane == route and lane[0] == 201
    assert lane[2]["message"] and lane[2]["area"] == "norr"

    cases: list[tuple[str, Any, dict[str, Any], int]] = [
        ("the same resident again", choice, {"subject": "19800501-0002"}, 409),
        ("a proposal not on the ballot", {"area": "norr", "selections": [str(uuid4())]}, {},
         422),
        ("an area the resident may not vote in", choice, {"residence": "syd"}, 422),
        ("an area that does not exist", {"area": "nowhere", "selections": []}, {}, 404),
        ("no selections field", {"area": "norr"}, {}, 422),
        ("not a JSON object", ["norr"], {}, 422),
        ("another role", choice, {"role": Role.OFFICIAL}, 403),
        ("no token", choice, {"role": None}, 401),
    ]
    for what, body, caller, status in cases:
        before = api.stored()
        lane, route = both_ways(api, voting.id, body, **caller)
        assert lane == route, what
        assert lane[0] == status and lane[1].startswith("application/problem+json"), (what, lane)
        assert api.stored() == before, f"{what}: refused, yet events were stored"

    for cycle in (str(uuid4()), "not-a-cycle"):
        lane, route = both_ways(api, cycle, choice)
        assert lane == route and lane[0] == 404

    api.fire(voting.id, "close_voting")
    lane, route = both_ways(api, voting.id, choice, subject="19800501-0009")
    assert lane == route and lane[0] == 409
    assert lane[2]["phase"] == "counting" and lane[2]["allowed"]


def test_once_the_cycle_is_loaded_ballots_are_decided_on_the_event_loop(
        api: Api, voting: Cycle, monkeypatch: pytest.MonkeyPatch) -> None:
    choice = {"area": "norr", "selections": voting.feasible("norr")[:2]}
    assert cast(api, voting.id, choice, via_route=False, subject="first").status_code == 201

    def blocking(*_: Any, **__: Any) -> Any:
        raise AssertionError("the blocking cast_ballot was used")

    monkeypatch.setattr(api.app.ballots, "cast", blocking)
    stored = cast(api, voting.id, choice, via_route=False, subject="second")
    assert stored.status_code == 201, stored.text
    receipt = stored.json()
    assert receipt["position"] == api.stored()
    second = Voter(personnummer_for("second", ADULT))
    the_id = api.app.ballots.ballot_id_of(api.app.cycle(voting.id), "norr", second)
    assert api.app.repository.get(the_id).selections == choice["selections"]
    again = cast(api, voting.id, choice, via_route=False, subject="second")
    assert again.status_code == 409 and "already" in again.json()["detail"]


def test_a_ballot_decided_on_a_cycle_closed_meanwhile_is_refused(
        api: Api, voting: Cycle, open_app: Callable[[], Medborgarbudget]) -> None:
    choice = {"area": "norr", "selections": voting.feasible("norr")[:1]}
    assert cast(api, voting.id, choice, via_route=False, subject="early").status_code == 201
    # Voting is closed by another process: this server's loaded cycle still says voting.
    other = open_app()
    other.trigger(voting.id, "close_voting", "admin:elsewhere", "closed elsewhere")
    before = api.stored()
    late = cast(api, voting.id, choice, via_route=False, subject="late")
    assert late.status_code == 409, late.text
    assert late.json()["phase"] == "counting"
    assert api.stored() == before


def test_a_token_whose_subject_is_no_personnummer_is_refused_both_ways(
        api: Api, voting: Cycle) -> None:
    """An identity provider's subject that is no personnummer cannot vote (it could not be
    told from the same person at a station): 422 naming the identity, nothing stored."""
    choice = {"area": "norr", "selections": voting.feasible("norr")[:1]}
    full_width = "".join(chr(0xFF10 + int(d)) for d in "198005010009")
    for subject in ("Anna Andersson", "19800501-0000", full_width + "x"):
        token = api.tokens.mint(Role.RESIDENT, subject, 600, ADULT, "norr")
        for key in (None, f"key-{uuid4()}"):
            headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key}
                                                               if key else {})}
            before = api.stored()
            response = api.client.post(f"{API}/cycles/{voting.id}/ballots", json=choice,
                                       headers=headers)
            assert response.status_code == 422, (subject, response.text)
            assert response.json()["field"] == "identity"
            assert subject not in response.text
            assert api.stored() == before
