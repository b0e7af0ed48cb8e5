"""Many stored ballots, quickly, for the projection benchmark and for tests with a long log.

The application's `cast_ballot` checks eligibility and reloads the cycle's proposals for every
ballot: right for a resident, far too slow for a million. Two faster ways, both starting from
ballots made by `Ballot.cast` (so each passes the cycle's voting rule):

- `store_ballots`: real `Ballot` aggregates, one per voter, saved through the application many
  per transaction (about 2 500 a second on SQLite);
- `store_ballot_events`: a few hundred such ballots are encoded once by the application's mapper;
  every stored event is a copy of one of them with its own aggregate id and voter key, written
  straight into the events table (SQLite: one `executemany` per chunk; PostgreSQL: `COPY`, as
  the recorder's own insert manages about 2 000 events a second). The events are exactly what
  the application stores, but the voter keys are synthetic (not HMACs of an identity) and ids
  are random rather than derived from the voter: fine for measuring the read side, not for an
  audit. Nothing else may write to the store meanwhile. The cycle index (ADR 0015) gets their
  rows in the same transaction, as the recorder would write them.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.ballot import Ballot, BallotTerms
from service.application import Medborgarbudget
from service.cycle_index import BALLOT, EVENTS_TABLE, MEMBERS_TABLE

TEMPLATES = 256


def _ballots(app: Medborgarbudget, cycle_id: UUID, count: int, seed: int,
             prefix: str) -> Iterator[Ballot]:
    cycle = app.cycle(cycle_id)
    proposals = [p for p in app.proposals(cycle_id) if p.on_ballot]
    # Only areas with a plain approval ballot: every voter there picks 1 to 3 proposals.
    options = {
        area_id: [str(p.id) for p in proposals if p.area == area_id]
        for area_id in cycle.areas
        if cycle.voting_rule_for(area_id).kind == "approval"
    }
    options = {area: ids for area, ids in options.items() if ids}
    if not options:
        raise ValueError("the cycle has no area with an approval ballot and feasible proposals")
    costs = {area: {str(p.id): p.cost for p in proposals if p.area == area} for area in options}
    areas = sorted(options)
    rng = random.Random(seed)
    for number in range(count):
        area = areas[number % len(areas)]
        choices = options[area]
        chosen = rng.sample(choices, rng.randint(1, min(3, len(choices))))
        paper = number % 10 == 0
        # Synthetic keys of the real size (HMAC-SHA256 hex), not pseudonyms of anyone.
        voter = hashlib.sha256(f"{prefix}-{number}".encode()).hexdigest()
        receipt = None if paper else hashlib.sha256(f"receipt-{prefix}-{number}".encode()
                                                     ).hexdigest()
        yield Ballot.cast(
            str(cycle.id), area, voter, chosen, None,
            BallotTerms(cycle.voting_rule_for(area), costs[area], cycle.area(area).budget),
            receipt=receipt, channel="paper" if paper else "digital")


def store_ballots(app: Medborgarbudget, cycle_id: UUID, count: int, *, chunk: int = 5000,
                  seed: int = 1, prefix: str = "bulk") -> int:
    """Save `count` real ballots (one `Ballot.Cast` event each) in the cycle, which must be in
    the voting phase; returns the number saved. Voters are `{prefix}-{n}`: use another prefix to
    add more ballots to a cycle that has some."""
    batch: list[Ballot] = []
    saved = 0
    for ballot in _ballots(app, cycle_id, count, seed, prefix):
        batch.append(ballot)
        if len(batch) == chunk:
            app.save(*batch)
            saved += len(batch)
            batch.clear()
    if batch:
        app.save(*batch)
        saved += len(batch)
    return saved


def store_ballot_events(app: Medborgarbudget, cycle_id: UUID, count: int, *,
                        chunk: int = 20_000, seed: int = 1) -> int:
    """Store `count` `Ballot.Cast` events in the cycle (see the module's notes); returns the
    number stored."""
    templates = []
    for ballot in _ballots(app, cycle_id, min(count, TEMPLATES), seed, "template"):
        (event,) = ballot.collect_events()
        stored = app.mapper.to_stored_event(event)
        assert ballot.voter is not None  # a digital ballot carries its voter's pseudonym
        voter = ballot.voter.encode()
        assert stored.state.count(voter) == 1 and len(voter) == 64
        receipt = (ballot.receipt or "").encode()
        assert not receipt or stored.state.count(receipt) == 1
        templates.append((stored.topic, stored.state, voter, receipt))
    stored_count = 0
    batch: list[StoredEvent] = []
    for number in range(count):
        topic, state, voter, receipt = templates[number % len(templates)]
        key = f"{seed:016x}{number:048x}".encode()
        state = state.replace(voter, key)
        if receipt:  # receipts are unique, as random codes are
            state = state.replace(receipt, f"{seed:08x}{number:056x}".encode())
        batch.append(StoredEvent(UUID(bytes=os.urandom(16), version=4), 1, topic, state))
        if len(batch) == chunk:
            _insert(app, cycle_id, batch)
            stored_count += len(batch)
            batch = []
    if batch:
        _insert(app, cycle_id, batch)
        stored_count += len(batch)
    return stored_count


def _insert(app: Medborgarbudget, cycle_id: UUID, events: list[StoredEvent]) -> None:
    """The ballots' events, and their rows in the cycle index, in one transaction."""
    recorder: Any = app.recorder
    table = recorder.events_table_name
    if isinstance(recorder, PostgresApplicationRecorder):
        schema = f'"{recorder.datastore.schema}"'
        name = f'{schema}."{table}"'
        with recorder.datastore.transaction(commit=True) as cursor:
            # As the recorder does: notification ids in commit order.
            cursor.execute(f"LOCK TABLE {name} IN EXCLUSIVE MODE")
            cursor.execute(f"SELECT COALESCE(MAX(notification_id), 0) AS n FROM {name}")
            row = cursor.fetchone()
            assert row is not None  # an aggregate always gives a row
            before = row["n"]
            with cursor.copy(f"COPY {name} (originator_id, originator_version, topic, state) "
                             "FROM STDIN") as copy:
                for e in events:
                    copy.write_row((e.originator_id, e.originator_version, e.topic, e.state))
            cursor.execute(f"INSERT INTO {schema}.{MEMBERS_TABLE} (originator_id, cycle_id, "
                           f"kind, position) SELECT originator_id, %s, '{BALLOT}', "
                           f"notification_id FROM {name} WHERE notification_id>%s",
                           (cycle_id, before))
            cursor.execute(f"INSERT INTO {schema}.{EVENTS_TABLE} (cycle_id, position) "
                           f"SELECT %s, notification_id FROM {name} WHERE notification_id>%s",
                           (cycle_id, before))
        return
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {table}")
        before = cursor.fetchone()[0]
        cursor.executemany(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            [(e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
              e.originator_version, e.topic, e.state) for e in events])
        cursor.execute(f"INSERT INTO {MEMBERS_TABLE} (originator_id, cycle_id, kind, position) "
                       f"SELECT originator_id, ?, '{BALLOT}', rowid FROM {table} WHERE rowid>?",
                       (cycle_id.hex, before))
        cursor.execute(f"INSERT INTO {EVENTS_TABLE} (cycle_id, position) "
                       f"SELECT ?, rowid FROM {table} WHERE rowid>?", (cycle_id.hex, before))
