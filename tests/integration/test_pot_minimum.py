"""A pot's minimum of votes on a real store (SQLite and PostgreSQL): configured, replayed,
counted into the published results, recounted by the audit, refused when malformed."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from domain.audit import verify_lines
from domain.errors import InvalidInput, PhaseError
from domain.phases import Phase
from service.application import Medborgarbudget
from service.audit_export import export_lines
from tests.ballots import cast_ballot, person
from tests.integration.builders import ADMIN, REVIEWER, configured_cycle, refused_storing_nothing

AREAS = (
    # Made now without saying: a minimum of 1 vote.
    {"id": "norr", "name": "Norr", "budget": 100_000},
    # Opted out: funded without votes when money is left, as cycles were counted before.
    {"id": "alla", "name": "Alla", "kind": "theme", "budget": 100_000, "min_votes": 0},
)


def _counted_cycle(app: Medborgarbudget) -> tuple[UUID, dict[str, UUID]]:
    cycle_id = configured_cycle(app, areas=AREAS)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut")
    ideas = {"Bänkar": ("norr", 10_000), "Boulebana": ("norr", 30_000),
             "Scen": ("alla", 10_000), "Fontän": ("alla", 20_000)}
    ids = {title: app.submit_proposal(cycle_id, area, title, f"{title}.", cost, "park",
                                      f"proposer-{title}")
           for title, (area, cost) in ideas.items()}
    app.trigger(cycle_id, "close_ideas", ADMIN, "Idéfasen slut")
    for title, (_, cost) in ideas.items():
        app.review_proposal(ids[title], True, cost, "", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "Granskat")
    for number in range(2):
        cast_ballot(app, cycle_id, "norr", person(number, residence="norr"),
                    [str(ids["Bänkar"])])
    cast_ballot(app, cycle_id, "alla", person(5), [str(ids["Scen"])])
    app.trigger(cycle_id, "close_voting", ADMIN, "Röstningen slut")
    assert app.trigger(cycle_id, "publish_results", ADMIN, "Räknat") is Phase.RESULTS
    return cycle_id, ids


def test_no_votes_no_money_unless_the_pot_says_otherwise(
        open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    cycle_id, ids = _counted_cycle(app)
    results = app.cycle(cycle_id).results
    assert results is not None
    norr, alla = results["areas"]["norr"], results["areas"]["alla"]
    assert norr["selected"] == [str(ids["Bänkar"])] and norr["min_votes"] == 1
    assert norr["reasons"][str(ids["Boulebana"])] == (
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
    cycle_id = configured_cycle(app, areas=AREAS[:1])
    app.change_area(cycle_id, {**AREAS[0], "min_votes": 5}, ADMIN)
    assert app.cycle(cycle_id).areas["norr"].min_votes == 5
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut")
    refusal = refused_storing_nothing(app, PhaseError, lambda: app.change_area(
        cycle_id, {**AREAS[0], "min_votes": 0}, ADMIN), "Changing the configuration")
    assert "draft" in str(refusal)
    assert app.cycle(cycle_id).areas["norr"].min_votes == 5
