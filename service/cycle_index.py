"""Which aggregates, and which events, belong to which budget cycle: an index kept in the event
store's own database and written by its recorders in the transaction that writes the events
(service/recorders.py, ADR 0015), so it can never disagree with the log.

Two tables:

- `cycle_members (originator_id, cycle_id, kind, position)`: one row per aggregate of a cycle,
  written from the event that creates it (`position` is that event's place in the log): the
  cycle itself (`BudgetCycle.Created`), its proposals (`Proposal.Submitted`), ballots
  (`Ballot.Cast`, from every channel), roll marks (`RollMark.Marked`), comments
  (`Comment.Posted`) and moderation cases (`Moderation.Opened`, ADR 0024);
- `cycle_events (cycle_id, position)`: one row per event of a member, so one cycle's events are
  read in log order, a page at a time, without reading anyone else's.

The cycle a created aggregate belongs to is read from its creation event as stored: from the
library's plain JSON directly, or through the application's mapper when the store encrypts or
compresses (`CycleOf`, set by the application). An event of a cycle's aggregate that the index
cannot place is refused with its transaction (`Unindexed`) rather than stored unindexed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification, StoredEvent

from domain import events
from domain.errors import NotFound

MEMBERS_TABLE = "cycle_members"
EVENTS_TABLE = "cycle_events"

CYCLE, PROPOSAL, BALLOT, ROLL_MARK = "cycle", "proposal", "ballot", "roll_mark"
COMMENT, MODERATION = "comment", "moderation"
# The event that creates each kind of member (at originator version 1).
CREATED_BY = dict(zip(events.CREATIONS, (CYCLE, PROPOSAL, BALLOT, ROLL_MARK, COMMENT, MODERATION),
                      strict=True))
# Every event of these aggregates belongs to a cycle (their topics begin so).
MEMBER_TOPIC_PREFIXES = events.MEMBER_PREFIXES

# The cycle a stored creation event (not a cycle's own) names.
CycleOf = Callable[[StoredEvent], UUID]


class Unindexed(Exception):
    """An event of a cycle's aggregate that the index cannot place: nothing was stored."""


@lru_cache(maxsize=256)
def _uuid_of(text: str) -> UUID:
    # A batch of ballots names one cycle many times over: parsed once.
    return UUID(text)


def cycle_from_json(stored: StoredEvent) -> UUID:
    """The `cycle_id` of a creation event stored as the library's plain JSON."""
    try:
        value = orjson.loads(stored.state)["cycle_id"]
        if isinstance(value, dict) and value.get("_type_") == "uuid_hex":
            value = value["_data_"]
        return _uuid_of(str(value))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise Unindexed(f"{stored.topic} of {stored.originator_id}: no cycle_id readable in "
                        f"its stored state ({error}); a store that encrypts or compresses its "
                        "events must be opened through the application") from None


def cycle_from_mapper(mapper: Any) -> CycleOf:
    """The `cycle_id` of a creation event decoded by the application's mapper (any cipher or
    compressor, upcasting)."""

    def cycle_of(stored: StoredEvent) -> UUID:
        return UUID(str(mapper.to_domain_event(stored).cycle_id))

    return cycle_of


is_member_event = events.is_member_event


def as_uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def as_id(value: str | UUID, what: str) -> UUID:
    """`value` as an aggregate id; text that is no UUID names nothing there is."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No {what} '{value}'.") from None


def created_members(stored_events: Sequence[StoredEvent], cycle_of: CycleOf,
                    ) -> list[tuple[int, UUID, UUID, str]]:
    """(place in the batch, originator id, cycle id, kind) of the members these events
    create; raises Unindexed when a creation event's cycle cannot be read."""
    rows = []
    for number, stored in enumerate(stored_events):
        kind = CREATED_BY.get(stored.topic)
        if kind is None or stored.originator_version != 1:
            continue
        member = as_uuid(stored.originator_id)
        rows.append((number, member, member if kind == CYCLE else cycle_of(stored), kind))
    return rows


def positioned(created: Sequence[tuple[int, UUID, UUID, str]], positions: Sequence[int],
               ) -> list[tuple[UUID, UUID, str, int]]:
    """The index rows of the created members, (originator, cycle, kind, position)."""
    return [(member, cycle, kind, positions[number]) for number, member, cycle, kind in created]


class CycleIndex(Protocol):
    """What the application reads through the index (both guarded recorders have it)."""

    cycle_of: CycleOf

    def select_cycle_notifications(self, cycle_id: UUID, after: int, limit: int,
                                   topics: Sequence[str] = ()) -> list[Notification]:
        """The cycle's events after position `after`, in log order, at most `limit`."""

    def count_cycle_events(self, cycle_id: UUID, topics: Sequence[str]) -> int:
        """How many events of the cycle have one of `topics`."""

    def select_cycle_members(self, cycle_id: UUID, kinds: Sequence[str] = ()) -> list[UUID]:
        """The cycle's members (of the given kinds), in the order they were created."""

    def index_cycles(self) -> int:
        """Fill the index from the whole log (idempotent); how many members it holds."""


def cycle_index(recorder: object) -> CycleIndex:
    return cast(CycleIndex, recorder)
