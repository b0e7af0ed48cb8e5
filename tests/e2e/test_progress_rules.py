"""Implementation progress that adds up: the share of the work done (`percent`, 0 to 100) never
goes back, and a report of 100 % leaves the project in progress until it is completed; the money
spent never goes down nor passes the cost unless an explanation says why, and that explanation
is recorded and shown. Amounts are kronor over HTTP and öre inside (ADR 0014); a progress event
stored before explanations, and one stored before öre, still load. Over HTTP on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from domain.money import format_money
from domain.phases import Phase
from service.api.auth import Role
from service.application import Medborgarbudget
from tests.e2e.api_client import API, Api
from tests.integration.builders import drive
from tests.unit.domain_builders import configured_cycle, proposal, state

GYM = "Utegym vid sjön"  # official cost 65 000 kr, selected (tests/integration/builders.py)


def _events(api: Api, proposal_id: str) -> list[dict[str, Any]]:
    cycle = api.app.proposal(proposal_id).cycle_id
    events = api.ok("GET", f"{API}/cycles/{cycle}/events", role=Role.AUDITOR,
                    params={"limit": 1000})["events"]
    return [e for e in events if e["originator_id"] == proposal_id]


def test_spent_never_goes_down_nor_past_the_cost_without_an_explanation(api: Api) -> None:
    built = drive(api.app, Phase.IMPLEMENTATION)
    gym = str(built.proposals[GYM])
    progress, complete = f"{API}/proposals/{gym}/progress", f"{API}/proposals/{gym}/complete"
    api.admin("POST", progress, json={"percent": 40, "note": "Upphandlat.",
                                              "spent": 20_000})

    lower = {"percent": 50, "note": "Markarbete klart.", "spent": 10_000}
    problem = api.refused("POST", progress, 422, role=Role.ADMIN, json=lower)
    assert problem["field"] == "spent"
    assert format_money(1_000_000) in problem["detail"]  # 10 000 kr, in öre
    assert format_money(2_000_000) in problem["detail"]
    corrected = api.admin("POST", progress, json={
        **lower, "explanation": "Fakturan på 10 000 kr krediterades."})
    assert corrected["progress"][-1]["spent"] == 10_000
    assert corrected["progress"][-1]["spent_minor"] == 1_000_000
    assert corrected["progress"][-1]["explanation"] == "Fakturan på 10 000 kr krediterades."

    over = {"percent": 80, "note": "Redskapen monterade.", "spent": 70_000}
    problem = api.refused("POST", progress, 422, role=Role.ADMIN, json=over)
    assert problem["field"] == "spent" and format_money(6_500_000) in problem["detail"]
    api.admin("POST", progress, json={**over, "explanation": "Fallskyddet blev dyrare."})

    # A report may say 100 % (DESIGN §8): the work is done, the project is still being built
    # until it is completed. The share never goes back from there.
    full = api.admin("POST", progress, json={
        "percent": 100, "note": "Klart, besiktning återstår.", "spent_minor": 7_000_000,
        "explanation": "Fallskyddet blev dyrare."})
    assert full["status"] == "in_progress" and full["progress"][-1]["percent"] == 100
    assert full["progress"][-1]["spent"] == 70_000
    assert api.refused("POST", progress, 422, role=Role.ADMIN, json={
        "percent": 90, "note": "Omräknat.", "spent": 70_000,
        "explanation": "Fallskyddet blev dyrare."})["field"] == "percent"
    assert api.ok("GET", f"{API}/proposals/{gym}")["status"] == "in_progress"

    # Completing it follows the same rules for what it cost in the end.
    assert api.refused("POST", complete, 422, role=Role.ADMIN, json={
        "note": "Invigt.", "spent": 60_000})["field"] == "spent"
    done = api.admin("POST", complete, json={"note": "Invigt.", "spent": 72_000,
                                             "explanation": "Slutbesiktningen krävde mer."})
    assert done["status"] == "completed" and done["progress"][-1]["percent"] == 100
    assert [p["percent"] for p in done["progress"]] == [40, 50, 80, 100, 100]

    recorded = [e["data"] for e in _events(api, gym)
                if e["topic"].endswith((".ProgressReported", ".Completed"))]
    assert [r.get("explanation") for r in recorded] == [None,
        "Fakturan på 10 000 kr krediterades.", "Fallskyddet blev dyrare.",
        "Fallskyddet blev dyrare.", "Slutbesiktningen krävde mer."]
    # Stored in öre, as class version 2 (ADR 0014).
    assert [r["spent"] for r in recorded] == [2_000_000, 1_000_000, 7_000_000, 7_000_000,
                                              7_200_000]
    assert {r.get("class_version") for r in recorded} == {2}

    page = api.client.get(f"/proposals/{gym}", params={"position": done["position"]})
    assert "Förklaring till beloppet: Fallskyddet blev dyrare." in page.text
    overview = api.client.get(f"/cycles/{built.cycle_id}/progress",
                              params={"position": done["position"], "lang": "en"})
    assert "Explanation of the amount: Slutbesiktningen krävde mer." in overview.text


def test_a_history_stored_before_explanations_still_loads() -> None:
    idea = proposal(configured_cycle(), cost=50_000)
    idea.review(True, 50_000, "", "reviewer:r")
    idea.report_progress(20, "Start", 5_000, "admin:a", selected=True)
    idea.report_progress(100, "Klart", 47_000, "admin:a", selected=True)
    idea.complete("Invigt", 48_000, "admin:a", selected=True)
    replayed = None
    for stored in idea.collect_events():
        # As the event store's mapper makes an event of an old record: no `explanation` field.
        old = object.__new__(type(stored))
        old.__dict__.update({k: v for k, v in stored.__dict__.items() if k != "explanation"})
        replayed = old.mutate(replayed)
    assert replayed is not None
    assert [(p.percent, p.spent, p.explanation) for p in replayed.progress] == [
        (20, 500_000, None), (100, 4_700_000, None), (100, 4_800_000, None)]
    assert state(replayed) == state(idea)


def test_a_progress_event_stored_in_kronor_before_explanations_loads(
        app: Medborgarbudget) -> None:
    """Class version 1, as stored before öre and explanations: whole kronor, no `explanation`,
    no `class_version`. The library's mapper upcasts it to öre and the event's default gives
    no explanation."""
    idea = proposal(configured_cycle(), cost=50_000)
    idea.review(True, 50_000, "", "reviewer:r")
    idea.report_progress(20, "Start", 5_000, "admin:a", selected=True,
                         explanation="Förskott till entreprenören.")
    idea.complete("Klart", 48_000, "admin:a", selected=True)
    replayed = None
    for event in idea.collect_events():
        stored = app.mapper.to_stored_event(event)
        if stored.topic.endswith((".ProgressReported", ".Completed")):
            data = json.loads(stored.state)
            assert data["class_version"] == 2 and "explanation" in data
            data.pop("class_version")
            data.pop("explanation")
            data["spent"] //= 100  # whole kronor, as version 1 held them
            stored = replace(stored, state=json.dumps(data).encode("utf-8"))
        replayed = app.mapper.to_domain_event(stored).mutate(replayed)
    assert replayed is not None
    assert [(p.percent, p.spent, p.explanation) for p in replayed.progress] == [
        (20, 500_000, None), (100, 4_800_000, None)]
    assert replayed.status == "completed"
