"""The support round over HTTP, on SQLite and PostgreSQL: configured in draft, supports while it
is open (once per resident, withdrawable, eligible residents only), closed with the outcome
recorded, and the ballot, the results and the audit recount offering only what it put on."""

from __future__ import annotations

from typing import Any

from domain.audit import verify_lines
from domain.phases import Phase
from service.api.auth import Role
from service.audit_export import export_lines
from tests.e2e.api_client import (
    ADULT,
    API,
    YOUNG,
    Api,
    Cycle,
    create_configured_cycle,
    review,
    review_every_idea,
    submit,
    submit_every_idea,
)

SUPPORT_ROUND = {"default": {"kind": "top", "value": 1},
                 "areas": {"unga": {"kind": "threshold", "value": 2}}}


def _in_review_with_round(api: Api) -> Cycle:
    cycle = create_configured_cycle(api)
    shown = api.admin("PUT", f"{API}/cycles/{cycle.id}/support-round", json=SUPPORT_ROUND)
    assert shown["support_round"] == SUPPORT_ROUND
    submit_every_idea(api, cycle)
    review_every_idea(api, cycle)
    return cycle


def _support(api: Api, proposal: str, who: str, status: int = 200, *,
             residence: str | None = "norr", birth_date: Any = ADULT,
             method: str = "POST") -> Any:
    return api.resident(method, f"{API}/proposals/{proposal}/support", status, subject=who,
                        residence=residence, birth_date=birth_date)


def _as(who: str, residence: str | None = "norr", birth_date: Any = ADULT) -> dict[str, Any]:
    return {"role": Role.RESIDENT, "subject": who, "residence": residence,
            "birth_date": birth_date}


def test_configuration_is_checked_and_only_in_draft(api: Api) -> None:
    cycle = create_configured_cycle(api)
    path = f"{API}/cycles/{cycle.id}/support-round"
    for bad in ({"default": {"kind": "most", "value": 1}},
                {"default": {"kind": "top", "value": 0}},
                {"default": {"kind": "top", "value": "2"}},
                {"default": {"kind": "top", "value": 2}, "extra": True},
                {"default": {"kind": "top", "value": 2}, "areas": {"nowhere": {
                    "kind": "top", "value": 1}}}):
        api.refused("PUT", path, 422, role=Role.ADMIN, json=bad)
    api.refused("PUT", path, 403, role=Role.RESIDENT, json=SUPPORT_ROUND)
    api.refused("PUT", path, 401, json=SUPPORT_ROUND)
    api.refused("DELETE", path, 409, role=Role.ADMIN)  # nothing to switch off
    api.admin("PUT", path, json=SUPPORT_ROUND)
    assert api.admin("DELETE", path)["support_round"] is None
    api.admin("PUT", path, json=SUPPORT_ROUND)
    api.fire(cycle.id, "open_ideas")
    refused = api.refused("PUT", path, 409, role=Role.ADMIN, json=SUPPORT_ROUND)
    assert "phase 'ideas'" in refused["detail"]
    api.refused("DELETE", path, 409, role=Role.ADMIN)


def test_the_whole_round_over_http(api: Api) -> None:
    cycle = _in_review_with_round(api)
    base = f"{API}/cycles/{cycle.id}"
    utegym, belysning, angar, simhall = (cycle.proposals[k] for k in
                                         ("utegym", "belysning", "angar", "simhall"))
    cafe, graffiti = cycle.proposals["cafe"], cycle.proposals["graffiti"]

    # Voting waits for the round; the refusal and GET /transitions say the same.
    refused = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "open_voting", "reason": "klart"})
    listed = api.ok("GET", f"{base}/transitions")
    assert listed["allowed"] == ["open_support", "cancel"]
    assert "allowed now: open_support, cancel" in refused["detail"]
    # Supporting before the round opens is refused, naming the phase.
    early = api.refused("POST", f"{API}/proposals/{utegym}/support", 409, **_as("anna"))
    assert "phase 'review'" in early["detail"] and "support" in early["detail"]

    api.fire(cycle.id, "open_support", "Granskningen är klar.")
    assert _support(api, utegym, "anna") == {"proposal": utegym, "supports": 1,
                                             "supported_by_you": True}
    again = api.refused("POST", f"{API}/proposals/{utegym}/support", 409, **_as("anna"))
    assert "already support" in again["detail"]
    _support(api, utegym, "bertil")
    _support(api, belysning, "cecilia")
    assert _support(api, belysning, "cecilia", method="DELETE")["supports"] == 0
    api.refused("DELETE", f"{API}/proposals/{belysning}/support", 409, **_as("cecilia"))
    # Eligibility is the vote's: a resident of another district, a grown-up in the youth area.
    assert api.refused("POST", f"{API}/proposals/{angar}/support", 422,
                       **_as("david", residence="soder"))["field"] == "area"
    api.refused("POST", f"{API}/proposals/{cafe}/support", 422, **_as("anna"))
    api.refused("POST", f"{API}/proposals/{simhall}/support", 409, **_as("anna"))
    api.refused("POST", f"{API}/proposals/{utegym}/support", 403, role=Role.ADMIN)
    api.refused("POST", f"{API}/proposals/{utegym}/support", 401)
    api.refused("POST", f"{API}/proposals/not-a-proposal/support", 404, **_as("anna"))
    for young in ("ylva", "yusuf"):
        _support(api, cafe, young, residence=None, birth_date=YOUNG)
    _support(api, graffiti, "ylva", residence=None, birth_date=YOUNG)

    counts = {row["proposal"]: row for row in api.ok("GET", f"{base}/supports")["proposals"]}
    assert counts[utegym]["supports"] == 2 and counts[belysning]["supports"] == 0
    assert counts[utegym]["on_ballot"] is None  # not decided while the round is open
    assert simhall not in counts  # not feasible: never in the round
    api.refused("GET", f"{base}/support-round/outcome", 409)

    api.fire(cycle.id, "close_support", "Tre veckor har gått.")
    outcome = api.ok("GET", f"{base}/support-round/outcome")
    assert outcome["areas"]["norr"]["on_ballot"] == [utegym]
    assert outcome["areas"]["unga"]["on_ballot"] == [cafe]
    left_off = {r["proposal"]: r for r in outcome["areas"]["norr"]["proposals"]}
    assert left_off[belysning] == {"proposal": belysning, "supports": 0, "rank": 2,
                                   "on_ballot": False}
    assert api.ok("GET", base)["phase"] == "voting"
    late = api.refused("POST", f"{API}/proposals/{angar}/support", 409, **_as("erik"))
    assert "phase 'voting'" in late["detail"]
    api.refused("DELETE", f"{API}/proposals/{utegym}/support", 409, **_as("anna"))

    # The ballot offers only what the round put on: through the lean lane and the full route.
    ballots = f"{base}/ballots"
    for key in (None, "with-a-key"):
        refused = api.refused("POST", ballots, 422, **_as("fredrik"), key=key,
                              json={"area": "norr", "selections": [belysning]})
        assert refused["field"] == "selections"
    api.resident("POST", ballots, 201, subject="fredrik", json={
        "area": "norr", "selections": [utegym]})
    api.resident("POST", ballots, 201, subject="ylva", residence=None, birth_date=YOUNG,
                 json={"area": "unga", "selections": [cafe]})
    api.fire(cycle.id, "close_voting")
    api.fire(cycle.id, "publish_results")
    results = api.ok("GET", f"{base}/results")["areas"]
    assert set(results["norr"]["scores"]) == {utegym}
    assert set(results["unga"]["scores"]) == {cafe}

    # The audit export of the cycle verifies, its recount included.
    report = verify_lines(export_lines(api.app, cycle.id))
    assert report.ok and report.results_checked, report
    assert api.app.cycle(cycle.id).phase is Phase.RESULTS


def test_a_cycle_without_a_round_goes_from_review_to_voting(api: Api) -> None:
    cycle = create_configured_cycle(api)
    api.fire(cycle.id, "open_ideas")
    for key in ("utegym", "cafe"):
        submit(api, cycle, key)
    api.fire(cycle.id, "close_ideas")
    review(api, cycle.proposals["utegym"], 65_000)
    review(api, cycle.proposals["cafe"], 25_000)
    statuses = {t["trigger"]: t for t in api.ok(
        "GET", f"{API}/cycles/{cycle.id}/transitions")["triggers"]}
    assert not statuses["open_support"]["allowed"]
    assert statuses["open_support"]["refusals"] == [
        "the cycle has no support round (it is configured in draft)"]
    api.fire(cycle.id, "open_voting")
    assert api.ok("GET", f"{API}/cycles/{cycle.id}/supports")["support_round"] is None


def test_the_pages_show_counts_and_the_reasons_on_both_backends(api: Api) -> None:
    cycle = _in_review_with_round(api)
    base = f"{API}/cycles/{cycle.id}"
    utegym, belysning = cycle.proposals["utegym"], cycle.proposals["belysning"]
    api.fire(cycle.id, "open_support", "Granskat.")
    _support(api, utegym, "anna")
    _support(api, utegym, "bertil")
    for young in ("ylva", "yusuf"):
        _support(api, cycle.proposals["cafe"], young, residence=None, birth_date=YOUNG)
    during = api.client.get(f"/proposals/{utegym}",
                            params={"lang": "en", "position": api.stored()}).text
    assert "Supports so far: 2." in during
    page = api.client.get(f"/cycles/{cycle.id}/support", params={"lang": "en"}).text
    assert "Sign in to support proposals" in page and "<form" not in page.split("<main")[1]
    api.fire(cycle.id, "close_support", "Klart.")
    assert api.ok("GET", base)["phase"] == "voting"
    position = {"position": api.stored()}
    left_off = api.client.get(f"/proposals/{belysning}", params={"lang": "en", **position}).text
    assert "Not on the ballot: place 2 with 0 supports; the 1 most supported" in left_off
    assert "Residents could vote for this proposal." not in left_off
    swedish = api.client.get(f"/proposals/{belysning}", params=position).text
    assert "Inte med på röstsedeln: plats 2 med 0 stöd" in swedish
    on = api.client.get(f"/proposals/{utegym}", params={"lang": "en", **position}).text
    assert "On the ballot: place 1 with 2 supports." in on
    assert "Residents could vote for this proposal." in on
    overview = api.client.get(f"/cycles/{cycle.id}", params={"lang": "en", **position}).text
    assert "Supporting proposals" in overview and f"/cycles/{cycle.id}/support" in overview
    outcome = api.client.get(f"/cycles/{cycle.id}/support", params={"lang": "en"}).text
    assert "Not on the ballot: place 2 with 0 supports" in outcome
    plain = create_configured_cycle(api, "Utan stödinsamling")
    page = api.client.get(f"/cycles/{plain.id}",
                          params={"lang": "en", "position": api.stored()}).text
    assert "Supporting proposals" not in page and "/support" not in page


def test_a_retried_support_with_its_key_gets_the_first_answer(api: Api) -> None:
    cycle = _in_review_with_round(api)
    utegym = cycle.proposals["utegym"]
    api.fire(cycle.id, "open_support", "Granskat.")
    path = f"{API}/proposals/{utegym}/support"
    first = api.resident("POST", path, subject="anna", key="stod-1")
    before = api.stored()
    assert api.resident("POST", path, subject="anna", key="stod-1") == first
    assert api.stored() == before  # the retry stored nothing
    # Without the key, or with another, a second support is refused as such.
    assert "already support" in api.refused("POST", path, 409, **_as("anna"),
                                            key="stod-2")["detail"]
    assert api.app.proposal(utegym).supports == 1
