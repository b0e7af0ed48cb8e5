"""Imported ballots' events are stored as the library's mapper stores them (ADR 0016): the same
bytes for the library's plain JSON, and through the mapper itself for anything else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Notification,
    UUIDAsHex,
)
from eventsourcing.utils import Environment

from domain import events
from domain.ballot import Ballot, BallotCaster, BallotTerms
from domain.voting_rules import VotingRule
from projections.stored_ballot import cast_ballot
from service.cast_encoding import cast_encoder

COSTS = {"a": 1_000, "b": 2_000, "c": 3_000, "åäö \u2028\"\\\n\x00\x7f😀": 5}
RULES = {"approval": VotingRule("approval", max_choices=4),
         "cumulative": VotingRule("cumulative", min_choices=0, max_points_per_project=2**40,
                                  max_total_points=2**43)}


def plain_mapper(**kwargs: Any) -> Mapper[Any]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder, **kwargs)


def casts() -> list[Any]:
    made = []
    for rule_name, area in (("approval", "norr"), ("cumulative", "söder \"ö\" \t")):
        caster = BallotCaster("0f6e1b1e-3c52-4a3e-9d3a-1f2b3c4d5e6f", area,
                              BallotTerms(RULES[rule_name], COSTS, 10_000_000))
        for number, chosen in enumerate((["a"], ["b", "a"], list(COSTS), [])):
            points = [2**40 - n for n in range(len(chosen))] if rule_name == "cumulative" \
                else None
            if rule_name == "approval" and not chosen:
                continue
            made.append(caster.cast(f"voter-{number}", chosen, points,
                                    "paper" if number % 2 else "digital",
                                    receipt=None if number else "digest"))
    return made


@pytest.mark.parametrize("cast", casts(), ids=lambda c: f"{c.area}-{c.selections}")
def test_the_same_bytes_as_the_mapper(cast: Any) -> None:
    mapper = plain_mapper()
    expected = mapper.to_stored_event(cast)
    mapper.to_stored_event = _not_called  # type: ignore[method-assign]
    encode = cast_encoder(mapper)
    assert encode(cast) == expected
    back: Any = mapper.to_domain_event(encode(cast))
    assert vars(back) == vars(cast)


@pytest.mark.parametrize("cast", casts(), ids=lambda c: f"{c.area}-{c.selections}")
def test_what_it_writes_has_the_schemas_layout(cast: Any) -> None:
    """The one event schema (domain/events.py) describes what it writes: the fast decoder,
    which refuses any other layout, reads it back, and so does the schema's typed payload."""
    stored = cast_encoder(plain_mapper())(cast)
    assert stored.topic == events.BallotCast.TOPIC
    notification = Notification(id=1, originator_id=stored.originator_id,
                                originator_version=stored.originator_version,
                                topic=stored.topic, state=stored.state)
    read = cast_ballot(notification)
    assert read is not None
    assert (read.cycle_id, read.area, read.channel, read.receipt) == (
        cast.cycle_id, cast.area, cast.channel, cast.receipt)
    payload = events.payload_as(events.BallotCast, vars(cast))
    assert payload.cast_on == read.cast_on
    assert events.field_names(events.BallotCast) >= read.data.keys()


def _not_called(cast: Any) -> Any:
    raise AssertionError("a plain ballot is written without the mapper")


@pytest.mark.parametrize("odd", [
    {"cycle_id": UUID(int=5)},  # orjson writes a UUID its own way: the mapper transcodes it
    {"at": datetime(2026, 3, 1, tzinfo=UTC)},
    {"points": [1.5]},  # a float
    {"points": [2**70]},  # beyond orjson's integers
    {"age_band": ("a", "tuple")},
])
def test_what_orjson_would_write_otherwise_goes_through_the_mapper(odd: dict[str, Any]) -> None:
    cast = casts()[0]
    cast.__dict__.update(odd)
    mapper = plain_mapper()
    assert cast_encoder(mapper)(cast) == mapper.to_stored_event(cast)


@pytest.mark.parametrize("kwargs", [{"compressor": ZlibCompressor()},
                                    {"cipher": AESCipher(Environment(env={
                                        AESCipher.CIPHER_KEY: AESCipher.create_key(16)}))}])
def test_a_store_that_compresses_or_encrypts_is_written_by_the_mapper(
        kwargs: dict[str, Any]) -> None:
    mapper = plain_mapper(**kwargs)
    encode = cast_encoder(mapper)
    assert encode == mapper.to_stored_event
    assert type(mapper.to_domain_event(encode(casts()[0]))) is Ballot.Cast  # type: ignore[attr-defined]
