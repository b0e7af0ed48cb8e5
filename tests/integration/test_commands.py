"""Commands are values and outcomes carry their log position; a request's idempotency record is
written only with the events of the command it was given to, on both backends."""

from __future__ import annotations

import dataclasses
import threading
import time
from uuid import UUID

import pytest

from domain.errors import PhaseError
from domain.phases import Phase
from service.application import Medborgarbudget
from service.ballot_intake import MarkInRoll
from service.commands import (
    AddArea,
    Command,
    CreateCycle,
    FireTrigger,
    SubmitProposal,
)
from service.recorders import IdempotencyRecord, RepeatedRequest
from tests.integration.builders import (
    ADMIN,
    AREAS,
    configured_cycle,
    drive,
    refused_storing_nothing,
    resident,
    stored,
)


def record(app: Medborgarbudget, name: str) -> IdempotencyRecord:
    return IdempotencyRecord(app.keyed_digest("test scope", name),
                             app.keyed_digest("test request", name), time.time() + 60,
                             lambda positions: None)


def kept(app: Medborgarbudget, keyed: IdempotencyRecord) -> bool:
    return app.recorder.stored_answer(keyed.scope) is not None  # type: ignore[attr-defined]


def test_a_command_is_a_frozen_value() -> None:
    command = CreateCycle("Budget 2027", "Testby kommun", ADMIN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.name = "Something else"  # type: ignore[misc]
    assert command == CreateCycle("Budget 2027", "Testby kommun", ADMIN)


def test_the_outcome_carries_the_position_of_the_last_event_written(
        app: Medborgarbudget) -> None:
    created = app.execute(CreateCycle("Budget 2027", "Testby kommun", ADMIN))
    assert isinstance(created.value, UUID)
    assert created.position == stored(app)
    added = app.execute(AddArea(created.value, AREAS[0], ADMIN))
    assert added.value is None
    assert added.position == stored(app) > created.position


def test_a_refused_command_stores_nothing_and_says_which_phase(app: Medborgarbudget) -> None:
    built = drive(app, Phase.VOTING, voters=0)
    error = refused_storing_nothing(
        app, PhaseError, lambda: app.execute(AddArea(built.cycle_id, AREAS[0], ADMIN)))
    assert error.phase is Phase.VOTING


def test_an_unknown_command_is_refused_storing_nothing(app: Medborgarbudget) -> None:
    class Forged(Command[None]):
        pass

    refused_storing_nothing(app, TypeError, lambda: app.execute(Forged()))


def test_the_record_is_written_with_the_commands_events(app: Medborgarbudget) -> None:
    keyed = record(app, "create")
    created = app.execute(CreateCycle("Budget 2027", "Testby kommun", ADMIN), keyed)
    assert kept(app, keyed)
    assert created.position == stored(app)


def test_the_same_record_given_twice_is_refused_storing_nothing(app: Medborgarbudget) -> None:
    """A replayed request that slipped past the replay check (two at once) is stopped by the
    store: its record exists, so its second command stores nothing."""
    keyed = record(app, "twice")
    app.execute(CreateCycle("Budget 2027", "Testby kommun", ADMIN), keyed)
    refused_storing_nothing(
        app, RepeatedRequest,
        lambda: app.execute(CreateCycle("Budget 2027", "Testby kommun", ADMIN), keyed))
    assert len(app.cycle_ids()) == 1


def test_a_refused_command_keeps_no_record_and_leaves_none_for_the_next_save(
        app: Medborgarbudget) -> None:
    """The old shape held the record for "whichever save comes next" in the request's context;
    now a refused command's record goes nowhere, and a later save does not write it."""
    cycle_id = configured_cycle(app)
    keyed = record(app, "refused")
    with pytest.raises(PhaseError):
        app.execute(FireTrigger(cycle_id, "close_voting", ADMIN), keyed)
    app.execute(FireTrigger(cycle_id, "open_ideas", ADMIN, "later, not keyed"))
    assert not kept(app, keyed)


def test_a_command_retried_after_a_conflict_writes_its_record_once(
        app: Medborgarbudget) -> None:
    """Many commands on the same cycle at once: each conflicting attempt rolls back with its
    record, the one that succeeds writes it, and every outcome names its own position."""
    cycle_id = configured_cycle(app, areas=())
    records = [record(app, f"area {n}") for n in range(6)]
    positions: list[int | None] = [None] * len(records)
    errors: list[BaseException] = []

    def add(n: int) -> None:
        try:
            area = {**AREAS[0], "id": f"omrade{n}", "name": f"Område {n}"}
            positions[n] = app.execute(AddArea(cycle_id, area, ADMIN), records[n]).position
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(len(records))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(kept(app, r) for r in records)
    assert len(set(positions)) == len(records)  # each its own write, none another's
    assert len(app.cycle(cycle_id).areas) == len(records)


def test_a_submitted_proposal_answers_with_its_id_and_position(app: Medborgarbudget) -> None:
    built = drive(app, Phase.IDEAS, prepared=False)
    done = app.execute(SubmitProposal(built.cycle_id, "norr", "Parkbänkar", "Fler bänkar.",
                                      5_000, "park", "199001012380"))
    assert app.proposal(done.value).title == "Parkbänkar"
    assert done.position == stored(app)


def test_a_roll_mark_writes_the_record_given_to_it(app: Medborgarbudget) -> None:
    built = drive(app, Phase.VOTING, voters=0)
    keyed = record(app, "mark")
    marked = app.ballots.mark_in_roll(
        MarkInRoll(built.cycle_id, "norr", "Centrum", resident(7)), keyed)
    assert kept(app, keyed)
    assert marked.position == stored(app)
