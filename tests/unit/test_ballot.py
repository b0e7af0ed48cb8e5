from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from domain.ballot import (
    Ballot,
    BallotCaster,
    BallotTerms,
    RollMark,
    ballot_id,
    ballots_digest,
    counted_lines,
)
from domain.errors import Conflict, InvalidInput
from domain.voting_rules import VotingRule
from tests.unit.domain_builders import rebuilt, state

APPROVAL = VotingRule("approval", min_choices=1, max_choices=2)
KNAPSACK = VotingRule("knapsack")
CUMULATIVE = VotingRule("cumulative", max_points_per_project=3, max_total_points=5)
RANKED = VotingRule("ranked", min_choices=3, max_choices=3)
COSTS = {"a": 10_000_000, "b": 12_000_000, "c": 5_000_000, "d": 1_000_000}  # öre
BUDGET = 20_000_000
TERMS = BallotTerms(APPROVAL, COSTS, BUDGET)


def cast(rule: VotingRule, selections: list[str], points: list[int] | None = None,
         **kwargs: object) -> Ballot:
    return Ballot.cast("cycle", "norr", "voter-pseudonym", selections, points,
                       BallotTerms(rule, COSTS, BUDGET), **kwargs)  # type: ignore[arg-type]


def test_the_id_is_derived_from_cycle_area_and_pseudonym() -> None:
    assert cast(APPROVAL, ["a"]).id == ballot_id("cycle", "norr", "voter-pseudonym")
    assert ballot_id("cycle", "norr", "v") != ballot_id("cycle", "soder", "v")
    assert ballot_id("cycle", "norr", "v") != ballot_id("other", "norr", "v")


@pytest.mark.parametrize(
    ("rule", "selections", "points", "message"),
    [
        (APPROVAL, [], None, "at least 1"),
        (APPROVAL, ["a", "b", "c"], None, "too many choices: 3, at most 2"),
        (APPROVAL, ["a", "a"], None, "more than once"),
        (APPROVAL, ["zz"], None, "not a proposal on the ballot of this area"),
        (APPROVAL, ["a"], [1], "only in cumulative"),
        (KNAPSACK, ["a", "b"], None, "220 000 kr, more than the area's budget of 200 000 kr"),
        (CUMULATIVE, ["a", "b"], [4, 1], "at most 3 points on one proposal"),
        (CUMULATIVE, ["a", "b"], [3, 3], "at most 5 points in total"),
        (CUMULATIVE, ["a", "b"], [3], "one number of points for every selection"),
        (CUMULATIVE, ["a"], [0], "above 0"),
        (RANKED, ["a", "b"], None, "at least 3"),
    ],
)
def test_ballots_that_break_the_rule_are_refused(
    rule: VotingRule, selections: list[str], points: list[int] | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        cast(rule, selections, points)


def test_valid_ballots_of_every_kind() -> None:
    assert cast(APPROVAL, ["a", "b"]).selections == ["a", "b"]
    assert cast(KNAPSACK, ["a", "c", "d"]).selections == ["a", "c", "d"]
    assert cast(CUMULATIVE, ["a", "d"], [3, 2]).points == [3, 2]
    assert cast(RANKED, ["c", "a", "b"]).selections == ["c", "a", "b"]


def box(selections: list[str], station: str = "Biblioteket") -> Ballot:
    return Ballot.from_box("cycle", "norr", station, selections, None, TERMS)


def test_a_paper_ballot_from_a_box_has_no_voter_and_a_random_id() -> None:
    first, second = box(["a"]), box(["a"])
    assert first.voter is None and first.channel == "paper" and first.station == "Biblioteket"
    assert first.id != second.id
    assert box(["a"], station="  Stads \t biblioteket ").station == "Stads biblioteket"
    with pytest.raises(InvalidInput, match="station"):
        box(["a"], station="  ")
    with pytest.raises(InvalidInput, match="too many"):
        box(["a", "b", "c"])
    with pytest.raises(InvalidInput, match="channel"):
        cast(APPROVAL, ["a"], channel="carrier-pigeon")


def test_a_roll_mark_takes_the_id_of_the_voters_ballot() -> None:
    mark = RollMark.mark("cycle", "norr", "voter-pseudonym", "Biblioteket")
    assert mark.id == cast(APPROVAL, ["a"]).id
    assert mark.station == "Biblioteket" and not hasattr(mark, "selections")


def test_ballot_events_carry_the_day_only() -> None:
    """A stamp to the microsecond beside a sign-in log would single the voter out."""
    ballot = cast(APPROVAL, ["a"], receipt="d" * 64)
    ballot.change(["b"], None, TERMS, allowed=True)
    mark = RollMark.mark("cycle", "soder", "voter-pseudonym", "Biblioteket")
    for event in [*ballot.collect_events(), *mark.collect_events(), *box(["a"]).collect_events()]:
        stamp = event.timestamp
        assert (stamp.hour, stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0, 0)
        assert getattr(event, "at", None) is None
        assert "age_band" not in vars(event) or event.age_band is None
        assert event.timestamp.date() == datetime.now(UTC).date()
    assert ballot.receipt == "d" * 64 and ballot.day == datetime.now(UTC).date().isoformat()


def test_a_ballot_stored_before_the_day_only_events_still_loads() -> None:
    """Events of the first schema (a time to the microsecond and an age band, no day or
    receipt), as stored bytes, decode and replay into a ballot as they did."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    mapper: Mapper[UUID] = Mapper(transcoder=transcoder)
    at = "2026-04-21T18:03:07.123456+00:00"
    the_id = ballot_id("cycle", "norr", "v")
    stored = StoredEvent(the_id, 1, "medborgarbudget:Ballot.Cast", json.dumps({
        "timestamp": {"_type_": "datetime_iso", "_data_": at},
        "originator_topic": "medborgarbudget:Ballot", "cycle_id": "cycle", "area": "norr",
        "voter": "v", "selections": ["a"], "points": None, "channel": "paper",
        "station": "Biblioteket", "at": {"_type_": "datetime_iso", "_data_": at},
        "age_band": "30-44"}).encode())
    ballot = mapper.to_domain_event(stored).mutate(None)  # type: ignore[attr-defined]
    assert isinstance(ballot, Ballot) and ballot.id == the_id
    assert ballot.day == "2026-04-21" and ballot.age_band == "30-44"
    assert ballot.receipt is None and ballot.selections == ["a"] and ballot.voter == "v"


def test_changing_a_ballot_only_where_allowed() -> None:
    ballot = cast(APPROVAL, ["a"])
    with pytest.raises(Conflict, match="does not allow"):
        ballot.change(["b"], None, TERMS, allowed=False)
    with pytest.raises(InvalidInput, match="too many"):
        ballot.change(["a", "b", "c"], None, TERMS, allowed=True)
    ballot.change(["b"], None, TERMS, allowed=True)
    assert ballot.selections == ["b"] and ballot.changes == 1
    assert state(rebuilt(ballot)) == state(ballot)
    paper = box(["a"])
    with pytest.raises(Conflict, match="paper"):
        paper.change(["b"], None, TERMS, allowed=True)


def test_the_counted_form_holds_no_voter_pseudonym() -> None:
    counted = cast(APPROVAL, ["a"]).counted_form()
    assert "voter-pseudonym" not in str(counted)


def test_the_digest_changes_with_any_ballot_and_not_with_order() -> None:
    ballots = [{"ballot": str(i), "area": "norr", "selections": ["a"], "points": None}
               for i in range(5)]
    digest = ballots_digest(ballots)
    assert ballots_digest(list(reversed(ballots))) == digest
    assert ballots_digest(ballots[:-1]) != digest
    changed = [*ballots[:-1], {**ballots[-1], "selections": ["b"]}]
    assert ballots_digest(changed) != digest


# ---- BallotCaster: the events of many ballots, without the aggregates (ADR 0016) -----------

@pytest.mark.parametrize(("rule", "selections", "points", "channel"), [
    (APPROVAL, ["a", "b"], None, "digital"),
    (APPROVAL, ("c",), None, "paper"),
    (APPROVAL, ["d"], [], "digital"),
    (CUMULATIVE, ["a", "c"], [3, 2], "digital"),
    (RANKED, ["c", "a", "d"], None, "paper"),
])
def test_a_casters_event_is_the_event_cast_records(
        rule: VotingRule, selections: list[str], points: list[int] | None,
        channel: str) -> None:
    """The same event as `Ballot.cast` records (id, fields, day), and replayed the same ballot."""
    caster = BallotCaster("cycle", "norr", BallotTerms(rule, COSTS, BUDGET))
    made = caster.cast("voter-pseudonym", selections, points, channel)
    ballot = cast(rule, list(selections), points, channel=channel)
    (recorded,) = ballot.collect_events()
    assert type(made) is type(recorded)
    assert vars(made) == vars(recorded)
    assert caster.ballot_id("voter-pseudonym") == ballot.id
    assert state(made.mutate(None)) == state(ballot)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("rule", "selections", "points", "channel", "field"), [
    (APPROVAL, ["a", "b", "c"], None, "digital", "selections"),  # more than the rule allows
    (APPROVAL, [], None, "digital", "selections"),  # fewer
    (APPROVAL, ["a", "a"], None, "digital", "selections"),  # the same twice
    (APPROVAL, ["forged"], None, "digital", "selections"),  # not on the ballot
    (APPROVAL, "ab", None, "digital", "selections"),  # not a list
    (APPROVAL, [7], None, "digital", "selections"),  # not ids
    (APPROVAL, ["a"], [1], "digital", "points"),  # points in approval voting
    (APPROVAL, ["a"], None, "carrier-pigeon", "channel"),
    (CUMULATIVE, ["a", "c"], [3, 3], "digital", "points"),  # over the total
    (KNAPSACK, ["a", "b"], None, "digital", "selections"),  # over the budget
])
def test_a_caster_refuses_what_cast_refuses(rule: VotingRule, selections: Any,
                                            points: list[int] | None, channel: str,
                                            field: str) -> None:
    caster = BallotCaster("cycle", "norr", BallotTerms(rule, COSTS, BUDGET))
    with pytest.raises(InvalidInput) as by_caster:
        caster.cast("voter-pseudonym", selections, points, channel)
    with pytest.raises(InvalidInput) as by_cast:
        cast(rule, selections, points, channel=channel)
    assert by_caster.value.field == by_cast.value.field == field
    assert by_caster.value.reason == by_cast.value.reason


def test_a_caster_keeps_no_list_it_was_given() -> None:
    """The event holds its own list: the caller's, changed later, changes no stored ballot."""
    given = ["a"]
    made = BallotCaster("cycle", "norr", TERMS).cast("v", given, None)
    given.append("b")
    assert made.selections == ["a"]


def test_a_casters_ballot_ids_are_ballot_id() -> None:
    caster = BallotCaster("c-1", "söder", TERMS)
    for voter in ("v", "ä-voter", "x" * 300, ""):
        assert caster.ballot_id(voter) == ballot_id("c-1", "söder", voter)


@pytest.mark.parametrize("item", [
    {"ballot": "b-1", "area": "norr", "selections": ["a", "c"], "points": None},
    {"ballot": "b-2", "area": "söder \"ö\"\t\n\x00\x7f\u2028😀", "selections": ["å"],
     "points": [0, 2**63 - 1]},
    {"ballot": "b-3", "area": "norr", "selections": [], "points": [2**70]},  # beyond orjson
    {"ballot": "b-4", "area": "norr", "selections": ["a"], "points": [1e-05]},  # a float
    {"ballot": "b-5", "area": "norr", "selections": ["a"], "points": [True], "z": {"n": 1}},
])
def test_a_counted_line_is_the_canonical_json_the_digest_has_always_used(
        item: dict[str, Any]) -> None:
    """Published digests must recount the same: each line exactly as the json module wrote it
    (sorted keys, no spaces, text unescaped), whichever encoder writes it now."""
    expected = json.dumps(item, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode() + b"\n"
    assert counted_lines([item]) == [(item["ballot"], expected)]
