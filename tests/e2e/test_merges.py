"""Merging proposals during review: never into a rejected proposal, and a merge can be undone
with a reason, both recorded; over HTTP on SQLite and PostgreSQL, down to the residents' page."""

from __future__ import annotations

from domain.errors import Conflict
from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import API, Api, build_cycle
from tests.integration.builders import REVIEWER, drive, refused_storing_nothing
from tests.unit.domain_builders import configured_cycle, proposal, rebuilt, state

UNDONE = "medborgarbudget:Proposal.MergeUndone"


def test_merging_into_a_rejected_proposal_is_refused(api: Api) -> None:
    cycle = build_cycle(api, "review")
    rejected = cycle.proposals["simhall"]
    problem = api.refused("POST", f"{API}/proposals/{cycle.proposals['angar']}/merge", 409,
                          role=Role.REVIEWER, json={"into": rejected, "reason": "Samma område."})
    assert "not feasible" in problem["detail"] and "Ny simhall" in problem["detail"]
    assert api.ok("GET", f"{API}/proposals/{cycle.proposals['angar']}")["status"] == "feasible"

    # Through the service too, storing nothing.
    built = drive(api.app, Phase.REVIEW)
    refused_storing_nothing(api.app, Conflict, lambda: api.app.merge_proposal(
        built.proposals["Belysning längs ån"], built.proposals["Ny simhall"], "Samma.",
        REVIEWER), "reviewed as not feasible")


def test_a_merge_is_undone_with_a_reason_and_both_stay_in_the_history(api: Api) -> None:
    cycle = build_cycle(api, "review")
    angar, utegym = cycle.proposals["angar"], cycle.proposals["utegym"]
    merged = api.reviewer("POST", f"{API}/proposals/{angar}/merge",
                          json={"into": utegym, "reason": "Samma park."})
    assert merged["status"] == "merged"
    undo = f"{API}/proposals/{angar}/undo-merge"
    assert api.refused("POST", undo, 422, role=Role.REVIEWER,
                       json={"reason": ""})["field"] == "reason"
    api.refused("POST", undo, 403, role=Role.ADMIN, json={"reason": "Fel av mig."})

    undone = api.reviewer("POST", undo, json={"reason": "Olika platser: prövas var för sig."})
    assert undone["status"] == "feasible" and undone["merged_into"] is None
    assert undone["official_cost"] == 20_000  # the review it had stands again
    assert undone["closing_reason"] is None
    # Only a merged proposal can be taken out of a merge.
    assert "merged" in api.refused("POST", undo, 409, role=Role.REVIEWER,
                                   json={"reason": "Igen."})["detail"]

    events = api.ok("GET", f"{API}/cycles/{cycle.id}/events", role=Role.AUDITOR,
                    params={"limit": 1000})["events"]
    mine = [e for e in events if e["originator_id"] == angar]
    assert [e["topic"].rsplit(".", 1)[1] for e in mine][-2:] == ["Merged", "MergeUndone"]
    assert mine[-1]["data"]["reason"] == "Olika platser: prövas var för sig."
    assert mine[-1]["data"]["actor"] == "reviewer:tjansteperson"
    assert mine[-1]["data"]["into"] == utegym

    proposal = api.app.proposal(angar)
    assert state(rebuilt_from_store(api, angar)) == state(proposal)

    # The residents' page and list say what happened, from the read models.
    page = api.client.get(f"/proposals/{angar}", params={"position": undone["position"]})
    assert "Sammanslagningen ångrades" in page.text and "Olika platser" in page.text
    listed = api.client.get(f"/cycles/{cycle.id}/proposals",
                            params={"position": undone["position"], "lang": "en"})
    row = listed.text.split("Blomsterängar i parken", 1)[1].split("</tr>", 1)[0]
    assert "Feasible" in row and "Merged" not in row

    # It may be merged again; outside review an undo is refused, naming the phase.
    api.reviewer("POST", f"{API}/proposals/{angar}/merge",
                 json={"into": utegym, "reason": "Ändå samma park."})
    api.fire(cycle.id, "open_voting")
    conflict = api.refused("POST", undo, 409, role=Role.REVIEWER, json={"reason": "Sent."})
    assert conflict["phase"] == "voting"


def rebuilt_from_store(api: Api, proposal_id: str) -> object:
    """The proposal replayed from its stored events alone."""
    events = list(api.app.events.get(api.app.proposal(proposal_id).id))
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def test_undo_in_the_domain_restores_an_unreviewed_proposal() -> None:
    cycle = configured_cycle()
    first, second = proposal(cycle), proposal(cycle)
    second.merge_into(first, "Samma.", "reviewer:r")
    second.undo_merge("Inte samma.", "reviewer:r")
    assert second.status == "submitted" and second.merged_into is None
    assert state(rebuilt(second)) == state(second)
