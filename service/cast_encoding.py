"""`Ballot.Cast` events as the application's mapper stores them, for many at a time.

An imported election stores a `Ballot.Cast` per ballot; through the library's mapper each costs
a copy of the event's fields and a pass of Python's JSON encoder with a fallback call for the
timestamp, nearly as much as checking the ballot. When the store keeps the library's plain JSON
(no cipher, no compression; projections/stored_ballot.py reads it back the same way), the same
bytes are written with orjson: the timestamp transcoded by the mapper's own transcoding, the
other fields being text, whole numbers, lists of them and nulls (checked), which both encoders
write alike (tests/unit/test_cast_encoding.py compares them). Anything else, or a value orjson will
not write, goes through the mapper as before (ADR 0016).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.ballot import Ballot
from domain.events import BallotCast
from projections.stored_ballot import reads_plain_json

CAST = Ballot.Cast  # type: ignore[attr-defined]


def cast_encoder(mapper: Mapper[Any]) -> Callable[[Any], StoredEvent]:
    """A function that stores a `Ballot.Cast` event as `mapper.to_stored_event` would."""
    transcoder = mapper.transcoder
    # Only the version and the topic the schema (domain/events.py) describes, which the fast
    # decoder (projections/stored_ballot.py) reads back; anything else is the mapper's.
    if (not reads_plain_json(mapper) or getattr(CAST, "class_version", 1) != BallotCast.VERSION
            or BallotCast.VERSION != 1 or get_topic(CAST) != BallotCast.TOPIC
            or not isinstance(transcoder, JSONTranscoder) or datetime not in transcoder.types):
        return mapper.to_stored_event
    stamp = transcoder.types[datetime]
    topic = BallotCast.TOPIC
    to_stored = mapper.to_stored_event

    def encode(cast: Any) -> StoredEvent:
        state = dict(vars(cast))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        timestamp = state.pop("timestamp")
        if type(timestamp) is not datetime or not _plain(state.values()):
            return to_stored(cast)  # e.g. a UUID, which orjson would write its own way
        state = {"timestamp": {"_type_": stamp.name, "_data_": stamp.encode(timestamp)},
                 **state}
        try:
            data = orjson.dumps(state)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits
            return to_stored(cast)
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=topic,
                           state=data)

    return encode


_SCALARS = frozenset((str, int, bool, type(None)))


def _plain(values: Iterable[Any]) -> bool:
    """Written alike by orjson and the library's JSON encoder: text, whole numbers (not
    floats: the two write some differently), true/false, null, and lists of them."""
    kinds = set(map(type, values))
    if list in kinds:
        kinds.discard(list)
        for value in values:
            if type(value) is list:
                kinds.update(map(type, value))
    return kinds <= _SCALARS
