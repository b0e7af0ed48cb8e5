"""Rebuilding from the stored events gives exactly the state that was live when they were recorded.

An auditor's second application instance, a fresh repository read with no aggregate cache, and a
cached instance all agree with the live aggregates; every stored topic is a pinned
`medborgarbudget:` one, so renaming a class never orphans history; the demo's whole history
replays to the same phases, history and winners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate

from domain.ballot import Ballot, BallotTerms
from domain.cycle import BudgetCycle
from domain.phases import Phase
from domain.proposal import Proposal
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import run_demo
from service.deployment_secret import load_secret
from tests.integration.builders import (
    ADMIN,
    AREAS,
    REVIEWER,
    aggregate_state,
    drive,
    resident,
    stored,
)

OpenApp = Callable[[], Medborgarbudget]


@pytest.fixture
def cached_app(settings: Settings) -> Iterator[Medborgarbudget]:
    """An instance on the same store that keeps aggregates in its cache (fast-forwarded)."""
    env = {**settings.eventsourcing_env(), "AGGREGATE_CACHE_MAXSIZE": "1000"}
    app = Medborgarbudget(load_secret(settings.data_dir), env=env)
    assert app.repository.cache is not None
    yield app
    app.close()


def all_events(app: Medborgarbudget) -> Iterator[Any]:
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 500)
        yield from page
        if len(page) < 500:
            return
        start = page[-1].id + 1


def assert_pinned_topics(app: Medborgarbudget) -> set[str]:
    topics = {notification.topic for notification in all_events(app)}
    assert topics, "nothing stored"
    unpinned = sorted(t for t in topics if not t.startswith("medborgarbudget:"))
    assert not unpinned, f"stored topics that are module paths: {unpinned}"
    return topics


def assert_rebuilds(live: Aggregate, *readers: Medborgarbudget) -> None:
    """`live` equals what every reader rebuilds from the store."""
    expected = aggregate_state(live)
    assert "_pending_events" not in expected and expected["_version"] >= 1
    assert live.collect_events() == [], "the live aggregate has unsaved events"
    for reader in readers:
        rebuilt: Aggregate = reader.repository.get(live.id)
        assert type(rebuilt) is type(live)
        assert aggregate_state(rebuilt) == expected


def _store_ids(app: Medborgarbudget, cycle_id: UUID) -> list[UUID]:
    return [
        cycle_id,
        *(p.id for p in app.proposals(cycle_id)),
        *(UUID(b.id) for b in app.counted_ballots(cycle_id)),
    ]


def test_live_aggregates_equal_their_rebuilt_state(open_app: OpenApp,
                                                   cached_app: Medborgarbudget) -> None:
    """Commands run on live aggregates; after each save, a rebuild equals the live state."""
    app, auditor = open_app(), open_app()
    readers = (auditor, cached_app, app)

    def saved(*aggregates: Aggregate) -> None:
        app.save(*aggregates)
        for aggregate in aggregates:
            assert_rebuilds(aggregate, *readers)

    cycle = BudgetCycle.create("Medborgarbudget Återbygge 2027", "Testby kommun", ADMIN)
    saved(cycle)
    cycle.record_decision("Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    for area in AREAS:
        cycle.add_area(area, ADMIN)
    cycle.add_area({"id": "tema", "name": "Miljö", "kind": "theme", "budget": 10}, ADMIN)
    cycle.change_area({"id": "tema", "name": "Miljö och klimat", "kind": "theme", "budget": 20},
                      ADMIN)
    cycle.remove_area("tema", ADMIN)
    cycle.set_voting_rule({"kind": "approval", "max_choices": 2}, ADMIN,
                          allow_ballot_changes=True)
    cycle.set_allocation_rule("greedy-threshold", ADMIN, threshold=1)
    cycle.set_timeline({"ideas": "2027-02-01", "voting": "2027-04-20"}, ADMIN)
    saved(cycle)

    def fire(trigger: str) -> None:
        cycle.trigger(trigger, ADMIN, f"skäl: {trigger}", app.proposal_facts(cycle.id))
        saved(cycle)

    fire("open_ideas")
    ideas = [
        Proposal.submit(str(cycle.id), area, title, "Beskrivning.", cost, "test", "pseudonym",
                        place)
        for area, title, cost, place in (
            ("norr", "Utegym", 60_000, {"name": "Sjön", "lat": "57.65", "lon": 14.69}),
            ("norr", "Utegym igen", 50_000, None),
            ("norr", "Belysning", 30_000, None),
            ("norr", "Simhall", "5 000 000", None),
            ("unga", "Café", 20_000, None),
            ("unga", "Studio", 30_000, None),
        )
    ]
    saved(*ideas)
    gym, duplicate, light, pool, cafe, studio = ideas
    fire("close_ideas")
    gym.review(True, 65_000, "Inklusive fallskydd.", REVIEWER)
    pool.review(False, None, "Långt över budget.", REVIEWER)
    light.review(True, 30_000, "", REVIEWER)
    cafe.review(True, "25000", "", REVIEWER)
    duplicate.merge_into(gym, "Samma idé.", REVIEWER)
    studio.withdraw("Drogs tillbaka.", ADMIN)
    saved(gym, light, pool, cafe, duplicate, studio)
    fire("open_voting")

    norr_costs = {str(p.id): p.cost for p in (gym, light)}
    ballots: list[Ballot] = []
    for number in range(3):
        for area_id, options in (("norr", [gym, light]), ("unga", [cafe])):
            costs = {str(p.id): p.cost for p in options}
            terms = BallotTerms(cycle.voting_rule_for(area_id), costs,
                                cycle.area(area_id).budget)
            if number == 2:  # from a station's box: no voter
                ballots.append(Ballot.from_box(str(cycle.id), area_id, "Biblioteket",
                                               [str(options[0].id)], None, terms))
                continue
            voter = str(app.ballots.ballot_id_of(cycle, area_id, resident(number, area_id)))
            ballots.append(Ballot.cast(str(cycle.id), area_id, voter, [str(options[0].id)],
                                       None, terms, receipt=f"{number:064x}"))
    saved(*ballots)
    changed = ballots[0]
    changed.change([str(light.id)], None, BallotTerms(cycle.voting_rule_for("norr"), norr_costs,
                                                      cycle.area("norr").budget),
                   allowed=cycle.allow_ballot_changes)
    saved(changed)
    assert changed.changes == 1 and changed.selections == [str(light.id)]
    fire("close_voting")

    cycle.publish_results(app.tally(cycle), ADMIN, "räknat", app.proposal_facts(cycle.id))
    saved(cycle)
    assert cycle.phase is Phase.RESULTS and cycle.results is not None
    cycle.record_adoption("Kommunstyrelsen", "2027-06-10", "KS § 88/2027", ADMIN)
    saved(cycle)
    fire("adopt")
    selected = {pid for area in cycle.results["areas"].values() for pid in area["selected"]}
    assert selected == {str(gym.id), str(light.id), str(cafe.id)}
    gym.report_progress(40, "Upphandlat.", 10_000, ADMIN, selected=True)
    gym.complete("Invigt.", "64000", ADMIN, selected=True)
    cafe.abandon("Lokalen brann.", ADMIN, selected=True)
    saved(gym, cafe)
    fire("start_evaluation")
    cycle.record_evaluation("Rapport.", ADMIN, participants=3, url="https://example.org/rapport")
    saved(cycle)
    fire("close")

    assert cycle.phase is Phase.CLOSED and len(cycle.history) == 8
    topics = assert_pinned_topics(app)
    for topic in ("BudgetCycle.AreaChanged", "BudgetCycle.AreaRemoved", "Proposal.Withdrawn",
                  "Proposal.Merged", "Proposal.Abandoned", "Ballot.Changed", "Ballot.Cast",
                  "BudgetCycle.ResultsPublished"):
        assert f"medborgarbudget:{topic}" in topics
    # And read back through the service in a later instance, every aggregate is unchanged.
    later = open_app()
    assert set(_store_ids(later, cycle.id)) == {
        cycle.id, *(p.id for p in ideas), *(b.id for b in ballots)}
    for live in (cycle, *ideas, *ballots):
        assert_rebuilds(live, later)


def test_cached_and_fresh_reads_agree_after_service_commands(
    settings: Settings, cached_app: Medborgarbudget
) -> None:
    """Commands run through a caching instance; a fresh uncached read agrees on every aggregate."""
    built = drive(cached_app, Phase.CLOSED)
    auditor = Medborgarbudget(load_secret(settings.data_dir),
                              env={**settings.eventsourcing_env(), "AGGREGATE_CACHE_MAXSIZE": ""})
    assert auditor.repository.cache is None
    ids = _store_ids(auditor, built.cycle_id)
    assert len(ids) == 1 + len(built.proposals) + len(built.ballots)
    for aggregate_id in ids:
        in_cache: Aggregate = cached_app.repository.get(aggregate_id)
        fresh: Aggregate = auditor.repository.get(aggregate_id)
        assert aggregate_state(in_cache) == aggregate_state(fresh)
        # The same aggregate at every earlier version also rebuilds from the stored events.
        for version in range(1, fresh.version):
            past: Aggregate = auditor.repository.get(aggregate_id, version=version)
            assert past.version == version
    assert auditor.cycle(built.cycle_id).phase is Phase.CLOSED
    auditor.close()


def test_demo_history_replays_in_a_second_instance(open_app: OpenApp) -> None:
    app = open_app()
    before = stored(app)
    demo = run_demo(app, voters_per_area=40)
    assert demo.ballots == 120 and stored(app) > before
    topics = assert_pinned_topics(app)
    assert "medborgarbudget:BudgetCycle.ResultsPublished" in topics

    auditor = open_app()
    live, replayed = app.cycle(demo.cycle_id), auditor.cycle(demo.cycle_id)
    assert replayed.phase is Phase.CLOSED
    assert [h.to_phase for h in replayed.history] == [
        "ideas", "review", "voting", "counting", "results", "implementation", "evaluation",
        "closed"]
    assert replayed.history == live.history
    assert replayed.results == live.results
    assert replayed.results is not None
    winners = {area: result["selected"] for area, result in replayed.results["areas"].items()}
    assert set(winners) == {"norr", "soder", "unga"} and all(winners.values())
    assert aggregate_state(replayed) == aggregate_state(live)
    for aggregate_id in _store_ids(auditor, demo.cycle_id):
        assert aggregate_state(auditor.repository.get(aggregate_id)) == aggregate_state(
            app.repository.get(aggregate_id))
    # The auditor recounts the stored ballots and gets exactly the published results.
    assert auditor.tally(replayed) == replayed.results
