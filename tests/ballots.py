"""Casting ballots in tests through the ballot intake, as the service does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

from service.application import Medborgarbudget
from service.ballot_intake import (
    BoxBallot,
    CastBallot,
    ChangeBallot,
    EnterPaperBallots,
    MarkInRoll,
    Voter,
)
from tests.identities import valid_personnummer

OFFICIAL = "official:valforrattare"


def person(number: int, born: date | None = None, residence: str | None = None) -> Voter:
    """A voter with a valid personnummer, distinct for each number (and birth date)."""
    if born is None:
        return Voter(valid_personnummer(number), None, residence)
    born = born + timedelta(days=number // 1000)  # a thousand birth numbers a day
    return Voter(valid_personnummer(number % 1000, born), born, residence)


def cast_ballot(app: Medborgarbudget, cycle_id: str | UUID, area: str, voter: Voter,
                selections: Sequence[str], points: Sequence[int] | None = None) -> UUID:
    """A resident's own ballot; returns its id (derived from their pseudonym)."""
    app.ballots.cast(CastBallot(cycle_id, area, voter, selections, points))
    return app.ballots.ballot_id_of(app.cycle(cycle_id), area, voter)


def change_ballot(app: Medborgarbudget, cycle_id: str | UUID, area: str, voter: Voter,
                  selections: Sequence[str], points: Sequence[int] | None = None) -> None:
    app.ballots.change(ChangeBallot(cycle_id, area, voter, selections, points))


def vote_on_paper(app: Medborgarbudget, cycle_id: str | UUID, area: str, voter: Voter,
                  selections: Sequence[str], station: str = "Stadsbiblioteket") -> None:
    """A voter marked in the station's roll, and their ballot entered from the box."""
    app.ballots.mark_in_roll(MarkInRoll(cycle_id, area, station, voter))
    app.ballots.enter_paper_ballots(EnterPaperBallots(cycle_id, area, station,
                                                      [BoxBallot(selections)], OFFICIAL))
