"""Incompatible proposals on a real store (SQLite and PostgreSQL): marked before voting by a
reviewer or admin with a reason; the count funds at most one of the pair and says why; the audit
and a replay agree; every wrong marking is refused, storing nothing."""

from __future__ import annotations

from collections.abc import Callable

from domain.audit import verify_lines
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from domain.phases import Phase
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.reason_text import reason_text
from tests.integration.builders import (
    REVIEWER,
    SAME_SITE,
    counted_with_incompatible,
    drive,
    refused_storing_nothing,
)


def test_the_count_funds_one_of_the_pair_and_says_why(
        open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    cycle_id, ids = counted_with_incompatible(app)
    pool, rink, park = (str(ids[t]) for t in ("Pool", "Rink", "Park"))
    cycle = app.cycle(cycle_id)
    assert [(p.first, p.second, p.reason, p.actor) for p in cycle.incompatible] == [
        (*sorted((pool, rink)), SAME_SITE, REVIEWER)]
    norr = cycle.results["areas"]["norr"]  # type: ignore[index]
    assert norr["selected"] == [park, rink]  # equal votes: the cheaper first
    assert norr["reasons"][pool] == {"code": "incompatible-funded", "projects": [rink]}
    assert reason_text(norr["reasons"][pool], "en") == (
        f"not funded: incompatible with {rink}, which was funded")
    assert norr["incompatible"] == [sorted((pool, rink))]
    assert "incompatible" not in cycle.results["areas"]["alla"]  # type: ignore[index]

    report = verify_lines(list(export_lines(app, cycle_id)))
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.winners["norr"] == [park, rink]
    again = open_app()
    assert again.cycle(cycle_id).incompatible == cycle.incompatible
    assert again.tally(again.cycle(cycle_id))["areas"]["norr"]["selected"] == [park, rink]


def test_marking_once_voting_has_opened_is_refused_naming_the_phase(app: Medborgarbudget) -> None:
    cycle_id, ids = counted_with_incompatible(app)
    pool, park = str(ids["Pool"]), str(ids["Park"])
    # Voting is over: too late for residents to know.
    refusal = refused_storing_nothing(app, PhaseError, lambda: app.mark_incompatible(
        cycle_id, pool, park, SAME_SITE, REVIEWER), "Marking proposals incompatible")
    assert "review" in str(refusal) and "results" in str(refusal)


def test_wrong_pairs_are_refused_before_voting(app: Medborgarbudget) -> None:
    built = drive(app, Phase.REVIEW)
    cycle_id = built.cycle_id
    gym, light = (str(built.proposals[t]) for t in ("Utegym vid sjön", "Belysning längs ån"))
    youth = str(built.proposals["Ungdomscafé"])
    for first, second, reason, error, says in (
            (gym, gym, SAME_SITE, InvalidInput, "two different proposals"),
            (gym, youth, SAME_SITE, InvalidInput, "different areas"),
            (gym, "00000000-0000-4000-8000-000000000000", SAME_SITE, NotFound, "No proposal"),
            (gym, light, " ", InvalidInput, "reason"),
    ):
        refused_storing_nothing(app, error, lambda f=first, s=second, r=reason: (
            app.mark_incompatible(cycle_id, f, s, r, REVIEWER)), says)
    app.mark_incompatible(cycle_id, gym, light, SAME_SITE, REVIEWER)
    for first, second in ((gym, light), (light, gym)):  # the double action, either way round
        refused_storing_nothing(app, Conflict, lambda f=first, s=second: app.mark_incompatible(
            cycle_id, f, s, SAME_SITE, REVIEWER), "marked incompatible already")


def test_a_pair_may_be_marked_during_the_support_round_which_is_before_voting(
        app: Medborgarbudget) -> None:
    built = drive(app, Phase.SUPPORT)
    gym, light = (str(built.proposals[t]) for t in ("Utegym vid sjön", "Belysning längs ån"))
    app.mark_incompatible(built.cycle_id, gym, light, SAME_SITE, REVIEWER)
    assert [(p.first, p.second) for p in app.cycle(built.cycle_id).incompatible] == [
        tuple(sorted((gym, light)))]
