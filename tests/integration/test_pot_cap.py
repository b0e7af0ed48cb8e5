"""The cap on pots per voter (ADR 0025) on a real store, both backends: the (K+1)-th ballot or
roll mark is refused naming the pots already used, storing nothing; two ballots of one voter in
two pots at once never both pass; the places survive a restart (replay)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from uuid import UUID

import pytest

from domain.errors import DuplicateBallot, PhaseError
from domain.pot_cap import PotCapReached
from service.application import Medborgarbudget
from service.ballot_intake import MarkInRoll, Voter
from tests.ballots import cast_ballot
from tests.integration.builders import ADMIN, refused_storing_nothing
from tests.integration.pot_cap_cycles import capped_cycle, young_resident
from tests.integration.races import race

OpenApp = Callable[[], Medborgarbudget]
STATION = "Stadsbiblioteket"


def test_the_ballot_beyond_the_cap_is_refused_naming_the_pots_used(
        app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, {"max_pots": 2})
    voter = young_resident(1)
    cast_ballot(app, cycle_id, "norr", voter, [proposals["norr"]])
    cast_ballot(app, cycle_id, "unga", voter, [proposals["unga"]])
    refusal = refused_storing_nothing(
        app, PotCapReached,
        lambda: cast_ballot(app, cycle_id, "hela", voter, [proposals["hela"]]),
        match="at most 2 of this cycle's pots; this voter has already voted in 'Norr', 'Unga'")
    # The pots, never the choices.
    assert not any(p in refusal.message for p in proposals.values())
    # Another resident is not affected by this one's places.
    cast_ballot(app, cycle_id, "hela", young_resident(2), [proposals["hela"]])


def test_an_uncounted_pot_takes_no_place(app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, {"max_pots": 1, "uncounted": ["unga", "hela"]})
    voter = young_resident(1)
    for area in ("unga", "hela", "norr"):
        cast_ballot(app, cycle_id, area, voter, [proposals[area]])
    assert len(app.counted_ballots(cycle_id)) == 3


def test_a_cycle_without_a_cap_lets_a_resident_vote_in_every_pot_open_to_them(
        app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, None)
    voter = young_resident(1)
    for area in ("norr", "unga", "hela"):
        cast_ballot(app, cycle_id, area, voter, [proposals[area]])
    assert app.cycle(cycle_id).pot_cap is None


def test_a_second_ballot_in_the_same_pot_is_still_a_duplicate(app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, {"max_pots": 1})
    voter = young_resident(1)
    cast_ballot(app, cycle_id, "norr", voter, [proposals["norr"]])
    refused_storing_nothing(app, DuplicateBallot,
                            lambda: cast_ballot(app, cycle_id, "norr", voter, [proposals["norr"]]))


def test_a_roll_mark_respects_the_cap_and_counts_against_it(app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, {"max_pots": 1})
    digital, paper = young_resident(1), young_resident(2)
    cast_ballot(app, cycle_id, "norr", digital, [proposals["norr"]])
    refused_storing_nothing(
        app, PotCapReached,
        lambda: app.ballots.mark_in_roll(MarkInRoll(cycle_id, "unga", STATION, digital)),
        match="already voted in 'Norr'")
    app.ballots.mark_in_roll(MarkInRoll(cycle_id, "unga", STATION, paper))
    refused_storing_nothing(
        app, PotCapReached,
        lambda: cast_ballot(app, cycle_id, "norr", paper, [proposals["norr"]]),
        match="already voted in 'Unga'")


def test_the_places_taken_survive_a_restart(open_app: OpenApp) -> None:
    first = open_app()
    cycle_id, proposals = capped_cycle(first, {"max_pots": 1})
    voter = young_resident(1)
    cast_ballot(first, cycle_id, "norr", voter, [proposals["norr"]])
    again = open_app()  # a new process: nothing cached, everything read from the store
    refused_storing_nothing(
        again, PotCapReached,
        lambda: cast_ballot(again, cycle_id, "unga", voter, [proposals["unga"]]))
    assert again.cycle(cycle_id).pot_cap_data == {"max_pots": 1, "uncounted": []}


def _race(actions: list[Callable[[], object]]) -> list[str]:
    """The actions in threads released together: 'stored' or the name of the error raised."""
    return race([partial(_stored, action) for action in actions],
                failed=lambda error: type(error).__name__)


def _stored(action: Callable[[], object]) -> str:
    action()
    return "stored"


def _pots_of(app: Medborgarbudget, cycle_id: UUID, voter: Voter) -> list[str]:
    cycle = app.cycle(cycle_id)
    return [area for area in cycle.areas
            if app.recorder.select_events(app.ballots.ballot_id_of(cycle, area, voter),
                                          limit=1)]


@pytest.mark.parametrize("processes", [1, 2], ids=["one-process", "two-processes"])
def test_two_ballots_of_one_voter_in_two_pots_at_once_never_both_pass(
        open_app: OpenApp, processes: int) -> None:
    apps = [open_app() for _ in range(processes)]
    cycle_id, proposals = capped_cycle(apps[0], {"max_pots": 1})
    norr, unga = apps[0], apps[-1]  # two processes: each ballot through its own
    for number in range(6):
        voter = young_resident(number)
        outcomes = _race([
            lambda v=voter: cast_ballot(norr, cycle_id, "norr", v, [proposals["norr"]]),
            lambda v=voter: cast_ballot(unga, cycle_id, "unga", v, [proposals["unga"]]),
        ])
        assert outcomes == ["PotCapReached", "stored"]
        assert len(_pots_of(apps[0], cycle_id, voter)) == 1


def test_a_digital_ballot_racing_a_roll_mark_in_another_pot_never_both_pass(
        app: Medborgarbudget) -> None:
    cycle_id, proposals = capped_cycle(app, {"max_pots": 1})
    for number in range(4):
        voter = young_resident(number)
        outcomes = _race([
            lambda v=voter: cast_ballot(app, cycle_id, "norr", v, [proposals["norr"]]),
            lambda v=voter: app.ballots.mark_in_roll(MarkInRoll(cycle_id, "unga", STATION, v)),
        ])
        assert outcomes == ["PotCapReached", "stored"]


def test_the_cap_is_set_in_draft_only(app: Medborgarbudget) -> None:
    cycle_id, _ = capped_cycle(app, None)
    refused_storing_nothing(app, PhaseError,
                            lambda: app.set_pot_cap(cycle_id, {"max_pots": 1}, ADMIN),
                            match="The cycle is in phase 'voting'")
