"""Exceptions to the winners on a real store (SQLite and PostgreSQL): a winner excluded after
the count (the rule runs again without it, its money going to the next), a proposal funded
outside the rule, each with who, why and when; recounted by the audit and by anyone replaying
the events; refused outside the results phase, after the adoption, without a reason, twice, or
for the wrong proposal, storing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from uuid import uuid4

from domain.audit import WINNERS_AMENDED, verify_lines
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.reason_text import reason_text
from tests.integration.builders import (
    ADMIN,
    configured_cycle,
    counted_for_exceptions,
    refused_storing_nothing,
)
from tests.integration.forgery import rechain

LEGAL = "Marken är förorenad; bygglov kan inte ges."
DECIDED = "Kommunstyrelsen beslutade att bygga den ändå (KS § 12/2027)."


def test_an_excluded_winners_money_goes_to_the_next_and_an_added_one_is_shown_apart(
        open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    cycle_id, ids = counted_for_exceptions(app)
    gym, stage, benches, boule = (str(ids[t]) for t in ("Utegym", "Scen", "Bänkar",
                                                         "Boulebana"))
    results = app.cycle(cycle_id).results
    assert results is not None and results["areas"]["norr"]["selected"] == [gym, benches]

    app.amend_winners(cycle_id, "exclude", gym, LEGAL, ADMIN)
    norr = app.cycle(cycle_id).results["areas"]["norr"]  # type: ignore[index]
    assert norr["selected"] == [stage, benches]  # recounted without Utegym
    assert reason_text(norr["reasons"][gym], "en") == f"excluded after the count: {LEGAL}"
    assert norr["excluded"] == {gym: LEGAL} and norr["added"] == {}

    app.amend_winners(cycle_id, "add", boule, DECIDED, ADMIN)
    cycle = app.cycle(cycle_id)
    norr = cycle.results["areas"]["norr"]  # type: ignore[index]
    assert norr["selected"] == [stage, benches]  # the rule's outcome is unchanged
    assert norr["added"] == {boule: DECIDED}
    assert reason_text(norr["reasons"][boule], "en") == f"funded outside the rule: {DECIDED}"
    assert [(e["kind"], e["proposal_id"], e["reason"], e["actor"])
            for e in cycle.winner_exceptions] == [("exclude", gym, LEGAL, ADMIN),
                                                  ("add", boule, DECIDED, ADMIN)]
    assert all(e["at"].tzinfo is not None for e in cycle.winner_exceptions)

    # Anyone replaying the events gets the same final list; the audit recounts each step.
    again = open_app().cycle(cycle_id)
    assert again.results == cycle.results and again.winner_exceptions == cycle.winner_exceptions
    lines = list(export_lines(app, cycle_id))
    report = verify_lines(lines)
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.winners == {"norr": [stage, benches, boule]}

    # A forger who puts Utegym back among the winners of the recount is caught at that line.
    records = [json.loads(line) for line in lines]
    number, amended = next((n, r) for n, r in enumerate(records, start=1)
                           if r.get("topic") == WINNERS_AMENDED)
    amended["data"]["results"]["areas"]["norr"]["selected"] = [gym, benches]
    forged = verify_lines(rechain(records))
    assert not forged.ok
    assert forged.findings[0].line == number
    assert "published selection differs" in str(forged.findings[0])


def test_every_wrong_exception_is_refused_storing_nothing(app: Medborgarbudget) -> None:
    cycle_id, ids = counted_for_exceptions(app)
    gym, stage = str(ids["Utegym"]), str(ids["Scen"])
    for kind, proposal, reason, error, says in (
            ("exclude", gym, "  ", InvalidInput, "reason"),
            ("remove", gym, LEGAL, InvalidInput, "kind"),
            ("exclude", str(uuid4()), LEGAL, NotFound, "was counted in this cycle's results"),
            ("exclude", stage, LEGAL, Conflict, "only a winner can be excluded"),
            ("add", gym, LEGAL, Conflict, "is a winner by the rule"),
    ):
        refused_storing_nothing(app, error, lambda k=kind, p=proposal, r=reason: (
            app.amend_winners(cycle_id, k, p, r, ADMIN)), says)
    app.amend_winners(cycle_id, "exclude", gym, LEGAL, ADMIN)
    for kind in ("exclude", "add"):  # the double action, and taking it back by adding
        refused_storing_nothing(app, Conflict, lambda k=kind: app.amend_winners(
            cycle_id, k, gym, LEGAL, ADMIN), "excluded after the count already")

    app.record_adoption(cycle_id, "Kommunfullmäktige", "2027-06-10", "KF § 88/2027", ADMIN)
    refused_storing_nothing(app, Conflict, lambda: app.amend_winners(
        cycle_id, "add", stage, DECIDED, ADMIN), "The adoption of the results is recorded")
    app.trigger(cycle_id, "adopt", ADMIN, "Antaget")
    refusal = refused_storing_nothing(app, PhaseError, lambda: app.amend_winners(
        cycle_id, "add", stage, DECIDED, ADMIN), "Recording an exception to the winners")
    assert "results" in str(refusal) and "implementation" in str(refusal)


def test_no_exception_before_the_results(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app)
    proposal = str(uuid4())
    refusal = refused_storing_nothing(app, PhaseError, lambda: app.amend_winners(
        cycle_id, "exclude", proposal, LEGAL, ADMIN), "possible only in phase results")
    assert "draft" in str(refusal)
