"""A cycle exported as a Pabulib file names its edition (`instance`) by the year its residents
voted, not the year the cycle was created (the assembly decides in the autumn before). On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import domain.cycle
from domain.phases import Phase
from service.application import Medborgarbudget
from service.pabulib_cycles import export_area
from tests.integration.builders import ADMIN, configured_cycle, drive


def test_the_instance_is_the_year_of_the_vote(app: Medborgarbudget,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    stamps = iter([now.replace(year=now.year - 1)])  # created last autumn, the rest now
    monkeypatch.setattr(domain.cycle, "_now", lambda: next(stamps, datetime.now(UTC)))
    built = drive(app, Phase.RESULTS)
    cycle = app.cycle(built.cycle_id)
    assert cycle.created_at.year == now.year - 1
    assert cycle.phase_entered_at_trigger("open_voting").year == now.year  # type: ignore[union-attr]
    assert export_area(app, built.cycle_id, "norr").meta["instance"] == str(now.year)


def test_before_the_vote_the_year_it_is_planned_for(app: Medborgarbudget) -> None:
    cycle_id = configured_cycle(app)
    planned = datetime.now(UTC).year + 1
    app.set_timeline(cycle_id, {"ideas": f"{planned}-02-01", "voting": f"{planned}-04-20"},
                     ADMIN)
    assert export_area(app, cycle_id, "norr").meta["instance"] == str(planned)
