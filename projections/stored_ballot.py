"""The fields of a stored `Ballot.Cast` that the read models use, read straight from its JSON.

Ballots are nearly every event of a voting day. Decoding each into the library's domain event
(UUIDs, datetimes, a dataclass with every field) cost more than folding and writing it; the read
models need six strings. Only for the library's plain JSON transcoding (no cipher, no
compression): anything else goes through the library's mapper as before.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification

BALLOT_CAST = "medborgarbudget:Ballot.Cast"


class CastBallot:
    """Duck-types the attributes of `Ballot.Cast` that projections/fold.py reads."""

    __slots__ = ("age_band", "area", "channel", "cycle_id", "day", "originator_id", "receipt",
                 "station")

    def __init__(self, originator_id: UUID | str, state: dict[str, Any]) -> None:
        self.originator_id = originator_id
        self.cycle_id: str = state["cycle_id"]
        self.area: str = state["area"]
        self.channel: str = state["channel"]
        self.station: str | None = state.get("station")
        self.age_band: str | None = state.get("age_band")  # absent before age bands existed
        self.receipt: str | None = state.get("receipt")
        day = state.get("day")
        if day is None:  # stored before ballots carried the day only (ADR 0004)
            at = state["at"]
            # The library stores datetimes as {"_type_": "datetime_iso", "_data_": isoformat()}.
            day = (at["_data_"] if isinstance(at, dict) else str(at))[:10]
        self.day: str = day


def reads_plain_json(mapper: Mapper[Any]) -> bool:
    return (isinstance(mapper.transcoder, JSONTranscoder) and mapper.cipher is None
            and mapper.compressor is None)


def cast_ballot(notification: Notification) -> CastBallot:
    return CastBallot(notification.originator_id, orjson.loads(notification.state))
