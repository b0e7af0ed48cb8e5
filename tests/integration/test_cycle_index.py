"""The cycle index (service/cycle_index.py, ADR 0015) always says what a scan of the whole log
says: whichever channel stored the events (proposals, a resident's ballot through the group
commit or the lean lane, a changed ballot, a roll mark, a station's box, an imported election),
on a store that compresses its events, and after an older store is upgraded. Reading a cycle
through it gives exactly the records the whole-log scan gave."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any
from uuid import UUID

import pytest
from psycopg.sql import SQL, Identifier

from domain.ballot import Ballot
from domain.cycle_tally import CountedBallot
from domain.pabulib import parse_pabulib
from domain.phases import Phase
from service.application import Medborgarbudget
from service.ballot_intake import BallotStored, CastBallot
from service.config import Settings
from service.cycle_index import (
    CREATED_BY,
    CYCLE,
    EVENTS_TABLE,
    MEMBERS_TABLE,
    PROPOSAL,
    Unindexed,
)
from service.demo import run_demo
from service.deployment_secret import load_secret
from service.pabulib_cycles import import_election
from service.runtime import open_application
from service.schema_version import SCHEMA_VERSION, stamp, stored_version
from service.table_creation import POSTGRES
from tests.ballots import person
from tests.cycle_history import build_history
from tests.unit.allocation.test_tie_break import TIED


def _notifications(app: Medborgarbudget) -> list[Any]:
    found: list[Any] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 1000)
        found += page
        if len(page) < 1000:
            return found
        start = page[-1].id + 1


def _scanned(app: Medborgarbudget,
             ) -> tuple[dict[UUID, list[UUID]], dict[UUID, list[int]], dict[UUID, str]]:
    """What the whole log says: each cycle's members in order of creation, the positions of
    their events, and each member's kind."""
    cycle_of: dict[UUID, UUID] = {}
    kinds: dict[UUID, str] = {}
    members: dict[UUID, list[UUID]] = defaultdict(list)
    positions: dict[UUID, list[int]] = defaultdict(list)
    for notification in _notifications(app):
        kind = CREATED_BY.get(notification.topic)
        if kind is not None and notification.originator_version == 1:
            event: Any = app.mapper.to_domain_event(notification)
            cycle = event.originator_id if kind == CYCLE else UUID(event.cycle_id)
            cycle_of[notification.originator_id] = cycle
            kinds[notification.originator_id] = kind
            members[cycle].append(notification.originator_id)
        if notification.originator_id in cycle_of:
            positions[cycle_of[notification.originator_id]].append(notification.id)
    return members, positions, kinds


def _rows(app: Medborgarbudget, table: str) -> int:
    recorder: Any = app.recorder
    if app.env.get("PERSISTENCE_MODULE") == POSTGRES:
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {}.{}").format(
                Identifier(recorder.datastore.schema), Identifier(table)))
            return int(curs.fetchone()["n"])
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT COUNT(*) FROM {table}")
        return int(c.fetchone()[0])


def _empty_the_index(app: Medborgarbudget) -> None:
    """The index as a server before it left the store: no rows at all."""
    recorder: Any = app.recorder
    for table in (MEMBERS_TABLE, EVENTS_TABLE):
        if app.env.get("PERSISTENCE_MODULE") == POSTGRES:
            with recorder.datastore.transaction(commit=True) as curs:
                curs.execute(SQL("DELETE FROM {}.{}").format(
                    Identifier(recorder.datastore.schema), Identifier(table)))
        else:
            with recorder.datastore.transaction(commit=True) as c:
                c.execute(f"DELETE FROM {table}")


def _records_by_scan(app: Medborgarbudget, cycle_id: UUID) -> list[dict[str, Any]]:
    """The cycle's records as iter_cycle_events gave them before the index: the whole log,
    filtered by the members a scan finds."""
    members, _, _ = _scanned(app)
    wanted = {cycle_id, *members.get(cycle_id, [])}
    return [app._event_record(n) for n in _notifications(app) if n.originator_id in wanted]


def _counted_by_scan(app: Medborgarbudget, cycle_id: UUID) -> list[CountedBallot]:
    ballots: dict[UUID, CountedBallot] = {}
    for notification in _notifications(app):
        if not notification.topic.startswith("medborgarbudget:Ballot."):
            continue
        event: Any = app.mapper.to_domain_event(notification)
        points = tuple(event.points) if event.points is not None else None
        if isinstance(event, Ballot.Cast):  # type: ignore[attr-defined]
            if event.cycle_id == str(cycle_id):
                ballots[event.originator_id] = CountedBallot(
                    str(event.originator_id), event.area, tuple(event.selections), points)
        elif event.originator_id in ballots:
            before = ballots[event.originator_id]
            ballots[event.originator_id] = CountedBallot(before.id, before.area,
                                                         tuple(event.selections), points)
    return [ballots[k] for k in sorted(ballots, key=str)]


def assert_index_matches_log(app: Medborgarbudget) -> None:
    members, positions, kinds = _scanned(app)
    assert members, "no cycle in the store"
    index = app.cycle_index
    for cycle, expected in members.items():
        assert index.select_cycle_members(cycle) == expected
        assert app.cycle_member_ids(cycle) == set(expected)
        notifications = index.select_cycle_notifications(cycle, 0, 10**9)
        assert [n.id for n in notifications] == positions[cycle]
        assert app.proposal_ids(cycle) == [m for m in expected if kinds[m] == PROPOSAL]
        assert app.counted_ballots(cycle) == _counted_by_scan(app, cycle)
        assert list(app.iter_cycle_events(cycle)) == _records_by_scan(app, cycle)
        middle = positions[cycle][len(positions[cycle]) // 2]
        assert [r["position"] for r in app.iter_cycle_events(cycle, middle)] == [
            p for p in positions[cycle] if p > middle]
    # Nothing else in the index.
    assert _rows(app, MEMBERS_TABLE) == sum(len(m) for m in members.values())
    assert _rows(app, EVENTS_TABLE) == sum(len(p) for p in positions.values())


def _lane_ballot(app: Medborgarbudget, cycle_id: UUID, area: str, number: int) -> None:
    """A ballot through the lean lane's path (decided on the snapshot, written by the group
    commit's own thread)."""
    options = sorted(app.ballots.options(app.cycle(cycle_id), area))
    command = CastBallot(cycle_id, area, person(number, None, area), options[:1])
    done = threading.Event()
    outcome: list[BallotStored | BaseException] = []

    def stored(result: BallotStored | BaseException) -> None:
        outcome.append(result)
        done.set()

    assert app.ballots.cast_without_waiting(command, stored)
    assert done.wait(30)
    assert isinstance(outcome[0], BallotStored), outcome


def _every_channel(app: Medborgarbudget) -> None:
    history = build_history(app, voters_per_area=6)  # API ballots, paper, changes, proposals
    _lane_ballot(app, history.voting, "norr", 900)
    import_election(app, parse_pabulib(TIED), "tied.pb")  # an imported election


def test_every_channel_fills_the_index_as_the_log_says(app: Medborgarbudget) -> None:
    _every_channel(app)
    assert_index_matches_log(app)


def test_a_store_that_compresses_its_events_is_indexed_through_the_mapper(
        settings: Settings) -> None:
    open_application(settings).close()  # the tables, and the stamp
    env = {**settings.eventsourcing_env(),
           "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
    app = Medborgarbudget(load_secret(settings.data_dir), env=env)
    try:
        run_demo(app, stop_in=Phase.COUNTING, voters_per_area=4)
        assert_index_matches_log(app)
    finally:
        app.close()


def test_an_event_the_index_cannot_place_is_not_stored(app: Medborgarbudget) -> None:
    cycle_id = app.create_cycle("Utan index", "Testby kommun", "admin:test")
    _empty_the_index(app)  # as if the store had not been upgraded
    head = app.recorder.max_notification_id()
    with pytest.raises(Unindexed):
        app.record_decision(cycle_id, "Kommunfullmäktige", "2027-01-01", "KF § 1", "admin:test")
    assert app.recorder.max_notification_id() == head


@pytest.mark.parametrize("older", [None, 1, 2])
def test_an_older_store_is_upgraded_with_its_index_filled(settings: Settings,
                                                          older: int | None) -> None:
    app = open_application(settings)
    _every_channel(app)
    cycles = list(app.cycle_ids())
    before = {c: list(app.iter_cycle_events(c)) for c in cycles}
    _empty_the_index(app)
    app.close()
    env = settings.eventsourcing_env()
    if older is None:
        from tests.integration.test_schema_version import _forget_stamp

        _forget_stamp(settings)
    else:
        stamp(env, older)

    app = open_application(settings)  # upgrades: fills the index from the log
    try:
        assert stored_version(env) == SCHEMA_VERSION
        assert_index_matches_log(app)
        assert {c: list(app.iter_cycle_events(c)) for c in cycles} == before
        counts = (_rows(app, MEMBERS_TABLE), _rows(app, EVENTS_TABLE))
        assert app.cycle_index.index_cycles() == counts[0]  # again: nothing changes
        assert (_rows(app, MEMBERS_TABLE), _rows(app, EVENTS_TABLE)) == counts
    finally:
        app.close()
