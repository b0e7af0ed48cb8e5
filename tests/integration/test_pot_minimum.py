"""A pot's minimum of votes on a real store (SQLite and PostgreSQL): configured, replayed,
counted into the published results, recounted by the audit, refused when malformed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.audit import verify_lines
from domain.errors import InvalidInput, PhaseError
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.reason_text import reason_text
from tests.integration.builders import (
    ADMIN,
    MINIMUM_AREAS,
    configured_cycle,
    counted_with_minimums,
    refused_storing_nothing,
)


def test_no_votes_no_money_unless_the_pot_says_otherwise(
        open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    cycle_id, ids = counted_with_minimums(app)
    results = app.cycle(cycle_id).results
    assert results is not None
    norr, alla = results["areas"]["norr"], results["areas"]["alla"]
    assert norr["selected"] == [str(ids["Bänkar"])] and norr["min_votes"] == 1
    assert reason_text(norr["reasons"][str(ids["Boulebana"])], "en") == (
        "below the pot's minimum of 1 vote: it has 0 votes")
    assert set(alla["selected"]) == {str(ids["Scen"]), str(ids["Fontän"])}
    assert alla["min_votes"] == 0

    # Anyone replaying the history gets the same minimums and the same winners.
    report = verify_lines(list(export_lines(app, cycle_id)))
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.winners == {"norr": norr["selected"], "alla": alla["selected"]}
    again = open_app()
    assert {a.id: a.min_votes for a in again.cycle(cycle_id).areas.values()} == {
        "norr": 1, "alla": 0}
    assert again.tally(again.cycle(cycle_id))["areas"]["norr"]["selected"] == norr["selected"]


@pytest.mark.parametrize("bad", [-1, 1.5, "två", True, 10_000_001])
def test_a_malformed_minimum_is_refused_storing_nothing(app: Medborgarbudget,
                                                        bad: object) -> None:
    cycle_id = configured_cycle(app, areas=())
    refused_storing_nothing(app, InvalidInput, lambda: app.add_area(
        cycle_id, {"id": "norr", "name": "Norr", "budget": 1_000, "min_votes": bad}, ADMIN),
        "area.min_votes")


def test_the_minimum_is_changed_in_draft_only(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app, areas=MINIMUM_AREAS[:1])
    app.change_area(cycle_id, {**MINIMUM_AREAS[0], "min_votes": 5}, ADMIN)
    assert app.cycle(cycle_id).areas["norr"].min_votes == 5
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut")
    refusal = refused_storing_nothing(app, PhaseError, lambda: app.change_area(
        cycle_id, {**MINIMUM_AREAS[0], "min_votes": 0}, ADMIN), "Changing the configuration")
    assert "draft" in str(refusal)
    assert app.cycle(cycle_id).areas["norr"].min_votes == 5
