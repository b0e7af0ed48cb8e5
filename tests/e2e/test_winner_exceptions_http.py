"""Exceptions to the winners over HTTP: recorded by an admin with a reason and answered with the
recounted results; shown on the results page beside the rule's outcome (Swedish by default,
English with ?lang=en); every wrong request refused as problem+json, storing nothing. On both
stores."""

from __future__ import annotations

from domain.phases import Phase
from service.api.auth import Role
from service.config import Settings
from service.read_models import replay_differences
from tests.e2e.api_client import API, Api
from tests.e2e.test_api_idempotency import stored_once
from tests.integration.builders import (
    ADMIN,
    SAME_SITE,
    counted_for_exceptions,
    counted_with_incompatible,
    drive,
)

LEGAL = "Marken är förorenad; bygglov kan inte ges."
DECIDED = "Kommunstyrelsen beslutade att bygga den ändå."


def test_exceptions_are_recorded_recounted_and_shown_beside_the_rules_outcome(
        api: Api) -> None:
    cycle_id, ids = counted_for_exceptions(api.app)
    gym, stage, benches, boule = (str(ids[t]) for t in ("Utegym", "Scen", "Bänkar",
                                                         "Boulebana"))
    path = f"{API}/cycles/{cycle_id}/winner-exceptions"
    excluded = api.admin("POST", path, 201,
                         json={"kind": "exclude", "proposal": gym, "reason": LEGAL})
    assert excluded["areas"]["norr"]["selected"] == [stage, benches]
    assert excluded["areas"]["norr"]["excluded"] == {gym: LEGAL}
    added = api.admin("POST", path, 201,
                      json={"kind": "add", "proposal": boule, "reason": DECIDED})
    assert added["areas"]["norr"]["added"] == {boule: DECIDED}
    results = api.ok("GET", f"{API}/cycles/{cycle_id}/results")
    assert [(e["kind"], e["proposal_id"], e["reason"]) for e in results["exceptions"]] == [
        ("exclude", gym, LEGAL), ("add", boule, DECIDED)]
    assert results["exceptions"][0]["actor"].startswith("admin:")

    position = api.stored()
    swedish = api.client.get(f"/cycles/{cycle_id}/results", params={"position": position}).text
    assert "Undantag från regelns utfall" in swedish
    assert "Undantaget efter räkningen" in swedish and "Finansierat utanför regeln" in swedish
    assert f"Undantaget efter räkningen: {LEGAL}" in swedish
    assert f"Finansierat utanför regeln: {DECIDED}" in swedish
    english = api.client.get(f"/cycles/{cycle_id}/results",
                             params={"position": position, "lang": "en"}).text
    assert "Exceptions to the rule's outcome" in english.replace("&#39;", "'")
    assert "Excluded after the count" in english and "Funded outside the rule" in english
    assert f"Excluded after the count: {LEGAL}" in english


def test_every_wrong_exception_is_refused_as_a_problem_storing_nothing(api: Api) -> None:
    cycle_id, ids = counted_for_exceptions(api.app)
    gym, stage = str(ids["Utegym"]), str(ids["Scen"])
    path = f"{API}/cycles/{cycle_id}/winner-exceptions"
    body = {"kind": "exclude", "proposal": gym, "reason": LEGAL}
    api.refused("POST", path, 401, json=body)
    api.refused("POST", path, 403, role=Role.REVIEWER, subject="tjansteperson", json=body)
    for wrong, field in (({"reason": ""}, "reason"), ({"reason": "x" * 2001}, "reason"),
                         ({"kind": "remove"}, "kind"), ({"proposal": "Utegym"}, "proposal")):
        problem = api.refused("POST", path, 422, role=Role.ADMIN, subject="processledare",
                              json={**body, **wrong})
        assert problem["field"] == field, (wrong, problem)
    problem = api.refused("POST", path, 409, role=Role.ADMIN, subject="processledare",
                          json={**body, "proposal": stage})
    assert "only a winner can be excluded" in problem["detail"]
    api.admin("POST", path, 201, json=body)
    problem = api.refused("POST", path, 409, role=Role.ADMIN, subject="processledare",
                          json=body)
    assert "excluded after the count already" in problem["detail"]
    api.admin("PUT", f"{API}/cycles/{cycle_id}/adoption",
              json={"body": "Kommunfullmäktige", "date": "2027-06-10", "reference": "KF § 88"})
    problem = api.refused("POST", path, 409, role=Role.ADMIN, subject="processledare",
                          json={"kind": "add", "proposal": stage, "reason": DECIDED})
    assert "adoption of the results is recorded" in problem["detail"]
    api.fire(str(cycle_id), "adopt")
    problem = api.refused("POST", path, 409, role=Role.ADMIN, subject="processledare",
                          json={"kind": "add", "proposal": stage, "reason": DECIDED})
    assert "results" in problem["detail"] and "implementation" in problem["detail"]


def test_the_read_models_equal_a_rebuild_after_exceptions_and_incompatible_pairs(
        api: Api, settings: Settings) -> None:
    amended, ids = counted_for_exceptions(api.app)
    api.app.amend_winners(amended, "exclude", ids["Utegym"], LEGAL, ADMIN)
    api.app.amend_winners(amended, "add", ids["Boulebana"], DECIDED, ADMIN)
    paired, _ = counted_with_incompatible(api.app)
    position = api.stored()
    api.ok("GET", f"{API}/cycles/{paired}/results", params={"position": position})
    live = api.api.state.read_models.store
    for cycle_id in (amended, paired):
        assert replay_differences(api.app, settings, live, str(cycle_id)) == []
    rows = {r["proposal_id"]: r for r in live.results_of(str(amended))}
    assert rows[str(ids["Boulebana"])]["selected"] and not rows[str(ids["Utegym"])]["selected"]


def test_a_retried_exception_or_marking_gets_the_first_answer_and_stores_nothing(
        api: Api) -> None:
    cycle_id, ids = counted_for_exceptions(api.app)
    body = {"kind": "exclude", "proposal": str(ids["Utegym"]), "reason": LEGAL}
    answer = stored_once(api, f"{API}/cycles/{cycle_id}/winner-exceptions", body, 201,
                         role=Role.ADMIN)
    assert answer["areas"]["norr"]["excluded"] == {str(ids["Utegym"]): LEGAL}
    assert len(api.app.cycle(cycle_id).winner_exceptions) == 1

    before_voting = drive(api.app, Phase.REVIEW)
    gym, light = (str(before_voting.proposals[t])
                  for t in ("Utegym vid sjön", "Belysning längs ån"))
    marked = stored_once(api, f"{API}/cycles/{before_voting.cycle_id}/incompatibilities",
                         {"proposals": [gym, light], "reason": SAME_SITE}, 201,
                         role=Role.REVIEWER)
    assert len(marked["incompatible"]) == 1
    assert len(api.app.cycle(before_voting.cycle_id).incompatible) == 1
