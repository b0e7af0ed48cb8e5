"""Racing commands on a real store: the store itself keeps one ballot per voter and area, across
threads, processes and channels, and concurrent edits of one cycle never lose an update.

Racers are released together by barriers; nothing waits on time.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.ballot import Ballot
from domain.cycle import BudgetCycle
from domain.errors import Conflict, DuplicateBallot, PhaseError
from domain.phases import Phase
from service.application import BALLOT_CAST, ROLL_MARKED, Medborgarbudget
from service.ballot_intake import BoxBallot, EnterPaperBallots, MarkInRoll, Voter
from service.config import Settings
from tests.ballots import cast_ballot, person
from tests.integration.builders import (
    ADMIN,
    OFFICIAL,
    Built,
    configured_cycle,
    drive,
    refused_storing_nothing,
    resident,
    stored,
    stored_since,
)
from tests.integration.races import TIMEOUT, race

OpenApp = Callable[[], Medborgarbudget]
PAPER_ENTERED = "medborgarbudget:BudgetCycle.PaperBallotsEntered"


def _cast(app: Medborgarbudget, built: Built, area: str, voter: Voter,
          channel: str = "digital") -> str:
    """A digital ballot, or a paper voter marked in a station's roll (which takes the ballot)."""
    try:
        if channel == "paper":
            app.ballots.mark_in_roll(MarkInRoll(built.cycle_id, area, "Biblioteket", voter))
        else:
            cast_ballot(app, built.cycle_id, area, voter, [str(built.feasible[area][0])])
    except DuplicateBallot:
        return "duplicate"
    return "stored"


def _cast_events(app: Medborgarbudget, the_id: UUID) -> list[Any]:
    return [
        record for record in app.recorder.select_events(the_id)
        if record.topic in (BALLOT_CAST, ROLL_MARKED)
    ]


def _voter(number: int) -> Voter:
    """Lives in Norr and is young: eligible in both areas of the test cycle."""
    return person(number, date(2008, 5, 17), "norr")


def _ballot_id(app: Medborgarbudget, built: Built, area: str, voter: Voter) -> UUID:
    return app.ballots.ballot_id_of(app.cycle(built.cycle_id), area, voter)


@pytest.fixture
def voting(open_app: OpenApp) -> Iterator[tuple[Medborgarbudget, Built]]:
    app = open_app()
    yield app, drive(app, Phase.VOTING, prepared=False)


@pytest.mark.parametrize("shared", [False, True], ids=["own-instances", "shared-instance"])
def test_two_threads_cast_for_the_same_voter(
    open_app: OpenApp, voting: tuple[Medborgarbudget, Built], shared: bool
) -> None:
    app, built = voting
    racers = [app, app] if shared else [open_app(), open_app()]
    for number, area in enumerate(["norr", "unga", "norr", "unga"]):
        voter = _voter(number)
        outcomes = race([partial(_cast, racer, built, area, voter) for racer in racers])
        assert outcomes == ["duplicate", "stored"], outcomes
        assert len(_cast_events(app, _ballot_id(app, built, area, voter))) == 1
    counted = app.counted_ballots(built.cycle_id)
    assert len(counted) == 4 and len({b.id for b in counted}) == 4


def _cast_in_child(settings: Settings, cycle_id: str, area: str, voter: Voter, selection: str,
                   barrier: Any, results: Any) -> None:
    """A separate process: its own application on the same store, released by the barrier."""
    from service.runtime import open_application

    try:
        app = open_application(Settings(Path(settings.data_dir), settings.database_url))
        try:
            barrier.wait(timeout=TIMEOUT)
            cast_ballot(app, cycle_id, area, voter, [selection])
            results.put("stored")
        except DuplicateBallot:
            results.put("duplicate")
        finally:
            app.close()
    except Exception as error:  # reported to the parent, which fails on it
        results.put(f"error: {error!r}")


def test_two_processes_cast_for_the_same_voter(
    settings: Settings, voting: tuple[Medborgarbudget, Built]
) -> None:
    app, built = voting
    voter = _voter(7)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    args = (settings, str(built.cycle_id), "norr", voter, str(built.feasible["norr"][0]),
            barrier, results)
    children = [context.Process(target=_cast_in_child, args=args) for _ in range(2)]
    for child in children:
        child.start()
    try:
        outcomes = sorted(results.get(timeout=TIMEOUT) for _ in children)
    finally:
        for child in children:
            child.join(timeout=TIMEOUT)
            if child.is_alive():
                child.kill()
    assert outcomes == ["duplicate", "stored"], outcomes
    assert [child.exitcode for child in children] == [0, 0]
    the_id = _ballot_id(app, built, "norr", voter)
    assert len(_cast_events(app, the_id)) == 1
    assert [b.id for b in app.counted_ballots(built.cycle_id)] == [str(the_id)]


def _cycle_versions(app: Medborgarbudget, cycle_id: UUID) -> list[int]:
    return [record.originator_version for record in app.recorder.select_events(cycle_id)]


def _area(area_id: str) -> Mapping[str, Any]:
    return {"id": area_id, "name": area_id.title(), "budget": 1_000}


@pytest.mark.parametrize("shared", [False, True], ids=["own-instances", "shared-instance"])
def test_two_threads_add_areas_to_one_draft_without_losing_either(
    open_app: OpenApp, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    app = open_app()
    racers = [app, app] if shared else [open_app(), open_app()]
    cycle_id = configured_cycle(app, areas=[])
    versions_before = _cycle_versions(app, cycle_id)

    # Both commands load the same version before either saves: a version conflict is certain.
    both_loaded = threading.Barrier(2)
    first_attempt = threading.local()
    calls: list[str] = []
    add_area = BudgetCycle.add_area

    def add_area_after_both_loaded(cycle: BudgetCycle, data: Mapping[str, Any],
                                   actor: str) -> Any:
        calls.append(data["id"])
        if not getattr(first_attempt, "done", False):
            first_attempt.done = True
            both_loaded.wait(timeout=TIMEOUT)
        return add_area(cycle, data, actor)

    monkeypatch.setattr(BudgetCycle, "add_area", add_area_after_both_loaded)

    def adder(racer: Medborgarbudget, area_id: str) -> Callable[[], str]:
        def run() -> str:
            racer.add_area(cycle_id, _area(area_id), ADMIN)
            return f"added {area_id}"
        return run

    outcomes = race([adder(racers[0], "norr"), adder(racers[1], "soder")])
    assert outcomes == ["added norr", "added soder"]
    assert len(calls) == 3, f"expected one retry after the conflict, got calls {calls}"

    cycle = open_app().cycle(cycle_id)
    assert set(cycle.areas) == {"norr", "soder"}
    versions = _cycle_versions(app, cycle_id)
    assert versions == list(range(1, len(versions_before) + 3))
    assert cycle.version == versions[-1]


def test_many_threads_configure_one_draft_at_once(open_app: OpenApp) -> None:
    app = open_app()
    cycle_id = configured_cycle(app, areas=[])
    racers = [open_app() for _ in range(4)]

    def adder(racer: Medborgarbudget, area_id: str) -> Callable[[], str]:
        def run() -> str:
            racer.add_area(cycle_id, _area(area_id), ADMIN)
            return "ok"
        return run

    names = ["norr", "soder", "oster", "vaster"]
    assert race([adder(r, n) for r, n in zip(racers, names, strict=True)]) == ["ok"] * 4
    assert set(app.cycle(cycle_id).areas) == set(names)
    versions = _cycle_versions(app, cycle_id)
    assert versions == list(range(1, len(versions) + 1))


def test_a_paper_voter_after_a_digital_one_is_a_duplicate(
    voting: tuple[Medborgarbudget, Built]
) -> None:
    app, built = voting
    voter = _voter(1)
    assert _cast(app, built, "norr", voter) == "stored"
    chosen = built.feasible["norr"][0]
    # The same person at a station, their number written another way.
    other_form = Voter(voter.identity.replace("-", "")[2:], voter.birth_date, "norr")
    error = refused_storing_nothing(
        app, DuplicateBallot,
        lambda: app.ballots.mark_in_roll(MarkInRoll(built.cycle_id, "norr", "Stadsbiblioteket",
                                                    other_form)))
    message = str(error)
    assert "norr" in message and "already" in message
    the_id = _ballot_id(app, built, "norr", voter)
    stored_ballot: Ballot = app.repository.get(the_id)
    title = app.proposal(chosen).title
    for secret in (str(chosen), chosen.hex, title, "digital", str(the_id), stored_ballot.voter,
                   voter.identity):
        assert secret not in message, f"the refusal reveals {secret!r}"
    assert stored_ballot.channel == "digital" and stored_ballot.selections == [str(chosen)]

    # The same voter still holds one ballot in each other area they are eligible for.
    assert _cast(app, built, "unga", voter, channel="paper") == "stored"
    # And the other way round: a digital vote after a paper one is refused just the same.
    refused_storing_nothing(
        app, DuplicateBallot,
        lambda: cast_ballot(app, built.cycle_id, "unga", voter, [str(built.feasible["unga"][0])]),
    )

    # The box is entered in counting, without identity; no more ballots than marks.
    app.trigger(built.cycle_id, "close_voting", OFFICIAL, "Vallokalerna stängde")
    refused_storing_nothing(app, PhaseError, lambda: _cast(app, built, "norr", _voter(3),
                                                           channel="paper"))
    box = [BoxBallot([str(built.feasible["unga"][0])])]
    before = stored(app)
    app.ballots.enter_paper_ballots(EnterPaperBallots(built.cycle_id, "unga", "Biblioteket",
                                                      box, OFFICIAL))
    assert sorted(n.topic for n in stored_since(app, before)) == sorted(
        [BALLOT_CAST, PAPER_ENTERED])
    refused_storing_nothing(
        app, Conflict, lambda: app.ballots.enter_paper_ballots(
            EnterPaperBallots(built.cycle_id, "unga", "Biblioteket", box, OFFICIAL)),
        match="more ballots than voters")


def test_a_ballot_is_decided_on_the_cycle_as_it_is_when_written(open_app: OpenApp) -> None:
    """An instance decides ballots on the cycle as it last loaded it; another instance (another
    worker) changes the phase; the first instance's next ballot is decided on the new phase:
    refused once voting has closed, accepted once it has opened."""
    voting_worker, admin_worker = open_app(), open_app()
    built = drive(voting_worker, Phase.VOTING)
    options = [str(p) for p in built.feasible["norr"]][:1]
    cast_ballot(voting_worker, built.cycle_id, "norr", resident(900), options)  # loads the cycle
    voting_worker.ballots.mark_in_roll(MarkInRoll(built.cycle_id, "norr", "Stadsbiblioteket",
                                                  resident(902)))

    admin_worker.trigger(built.cycle_id, "close_voting", ADMIN, "test: the polls close")
    refused_storing_nothing(
        voting_worker, PhaseError,
        lambda: cast_ballot(voting_worker, built.cycle_id, "norr", resident(901), options),
        match="The cycle is in phase 'counting'")
    # The voting stations' boxes are still entered while counting.
    voting_worker.ballots.enter_paper_ballots(EnterPaperBallots(
        built.cycle_id, "norr", "Stadsbiblioteket", [BoxBallot(options)], OFFICIAL))

    early = drive(voting_worker, Phase.REVIEW)
    with pytest.raises(PhaseError):  # loads the cycle while it is in review
        cast_ballot(voting_worker, early.cycle_id, "norr", resident(903), options)
    admin_worker.trigger(early.cycle_id, "open_voting", ADMIN, "test: the polls open")
    early_options = [str(p) for p in early.feasible["norr"]][:1]
    assert cast_ballot(voting_worker, early.cycle_id, "norr", resident(904), early_options)
