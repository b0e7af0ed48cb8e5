"""The fields of a stored `Ballot.Cast` that the read models use, read straight from its JSON.

Ballots are nearly every event of a voting day. Decoding each into the library's domain event
(UUIDs, datetimes, a dataclass with every field) cost more than folding and writing it; the read
models need six strings, and the audit chain the event's data as the export shows it. Only for
the library's plain JSON transcoding (no cipher, no compression): anything else goes through the
library's mapper as before.
"""

from __future__ import annotations

from functools import cache
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Mapper, Notification
from eventsourcing.utils import resolve_topic

from domain.events import BallotCast, field_names, required_names
from domain.json_values import JSON, JSONObject, json_integers, json_texts

BALLOT_CAST = BallotCast.TOPIC
# The layout the decoder reads, from the schema (domain/events.py): the library stores an
# event's fields beside its timestamp (and class_version above version 1). Stored state with
# another layout is left to the library's mapper, never guessed at.
_FIELDS = field_names(BallotCast)
_REQUIRED = required_names(BallotCast)


class NotPlain(ValueError):
    """The stored state holds something only the library's mapper can decode."""


class CastBallot:
    """Duck-types the attributes of `Ballot.Cast` that projections/fold.py reads."""

    __slots__ = ("age_band", "area", "channel", "cycle_id", "data", "day", "originator_id",
                 "originator_version", "receipt", "station", "timestamp")

    def __init__(self, originator_id: UUID | str, originator_version: int,
                 data: JSONObject, timestamp: str) -> None:
        # As text once: the fold and the audit chain each want the text form.
        self.originator_id = str(originator_id)
        self.originator_version = originator_version
        self.timestamp = timestamp
        # What domain.audit.event_data gives for the decoded event, the values as the export
        # writes them (datetimes and UUIDs as text): the audit chain links exactly this.
        self.data = data
        cycle_id, area, channel = data["cycle_id"], data["area"], data["channel"]
        station, receipt = data.get("station"), data.get("receipt")
        age_band = data.get("age_band")  # absent before age bands existed
        day = data.get("day")
        if day is None:  # stored before ballots carried the day only (ADR 0004)
            day = str(data["at"])[:10]
        if not (isinstance(cycle_id, str) and isinstance(area, str)
                and isinstance(channel, str) and isinstance(day, str)
                and isinstance(station, str | None) and isinstance(age_band, str | None)
                and isinstance(receipt, str | None)):
            raise NotPlain("a field the read models use is not text")
        self.cycle_id, self.area, self.channel, self.day = cycle_id, area, channel, day
        self.station, self.age_band, self.receipt = station, age_band, receipt

    @property
    def selections(self) -> tuple[str, ...]:
        return tuple(json_texts(self.data["selections"], "the selections"))

    @property
    def points(self) -> tuple[int, ...] | None:
        points = self.data.get("points")
        return tuple(json_integers(points, "the points")) if points is not None else None

    @property
    def cast_on(self) -> str:
        """The day it was cast, as the schema's payload names it (events.BallotCast)."""
        return self.day


def _plain(value: JSON) -> JSON:
    """A decoded JSON value with the library's transcoded datetimes and UUIDs as the text the
    export writes for them (isoformat; the hyphenated UUID)."""
    if isinstance(value, dict):
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            kind, data = value["_type_"], value["_data_"]
            if kind == "datetime_iso" and isinstance(data, str):
                return data  # isoformat() of the datetime, which fromisoformat() gives back
            if kind == "uuid_hex" and isinstance(data, str):
                return str(UUID(data))
            raise NotPlain(f"a transcoded {kind}")
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@cache
def _class_version() -> int:
    version = int(getattr(resolve_topic(BALLOT_CAST), "class_version", 1))
    if version != BallotCast.VERSION:
        raise RuntimeError(f"{BALLOT_CAST} is version {version} but the schema's is "
                           f"{BallotCast.VERSION}: domain/events.py must describe it first")
    return version


def reads_plain_json(mapper: Mapper[UUID]) -> bool:
    return (isinstance(mapper.transcoder, JSONTranscoder) and mapper.cipher is None
            and mapper.compressor is None)


def cast_ballot(notification: Notification) -> CastBallot | None:
    """The ballot read from its JSON; None when only the mapper can read it as the export
    does (an older version of the event to be upcast, a value of another type, fields other
    than the schema's)."""
    state: JSON = orjson.loads(notification.state)  # parsed JSON, narrowed as it is read
    if type(state) is not dict or state.pop("class_version", 1) != _class_version():
        return None
    stamp = state.pop("timestamp", None)
    if stamp is None or not _REQUIRED <= state.keys() <= _FIELDS:
        return None
    # A "_type_" key, its quotes unescaped, is a transcoded value (inside a string, the quotes
    # would be escaped). Every ballot so far has one, its timestamp: the rest is plain JSON
    # already, and is the event's data as it is.
    data: JSON
    if (notification.state.count(b'"_type_"') == 1 and type(stamp) is dict
            and stamp.get("_type_") == "datetime_iso"):
        timestamp, data = stamp.get("_data_"), state
    else:
        try:
            timestamp, data = _plain(stamp), _plain(state)
        except NotPlain:
            return None
    if not isinstance(timestamp, str) or not isinstance(data, dict):
        return None
    try:
        return CastBallot(notification.originator_id, notification.originator_version, data,
                          timestamp)
    except NotPlain:
        return None
