from __future__ import annotations

import pytest

from domain.ballot import Ballot, ballot_id, ballots_digest
from domain.errors import Conflict, InvalidInput
from domain.voting_rules import VotingRule
from tests.unit.domain_builders import rebuilt, state

APPROVAL = VotingRule("approval", min_choices=1, max_choices=2)
KNAPSACK = VotingRule("knapsack")
CUMULATIVE = VotingRule("cumulative", max_points_per_project=3, max_total_points=5)
RANKED = VotingRule("ranked", min_choices=3, max_choices=3)
COSTS = {"a": 100_000, "b": 120_000, "c": 50_000, "d": 10_000}


def cast(rule: VotingRule, selections: list[str], points: list[int] | None = None,
         **kwargs: object) -> Ballot:
    return Ballot.cast("cycle", "norr", "voter-pseudonym", selections, points, rule, COSTS,
                       200_000, **kwargs)  # type: ignore[arg-type]


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


def test_paper_ballots_name_a_station_and_digital_ones_do_not() -> None:
    with pytest.raises(InvalidInput, match="station"):
        cast(APPROVAL, ["a"], channel="paper")
    with pytest.raises(InvalidInput, match="station"):
        cast(APPROVAL, ["a"], channel="digital", station="Biblioteket")
    with pytest.raises(InvalidInput, match="channel"):
        cast(APPROVAL, ["a"], channel="carrier-pigeon")
    assert cast(APPROVAL, ["a"], channel="paper", station="Biblioteket").station == "Biblioteket"


def test_changing_a_ballot_only_where_allowed() -> None:
    ballot = cast(APPROVAL, ["a"])
    with pytest.raises(Conflict, match="does not allow"):
        ballot.change(["b"], None, APPROVAL, COSTS, 200_000, allowed=False)
    with pytest.raises(InvalidInput, match="too many"):
        ballot.change(["a", "b", "c"], None, APPROVAL, COSTS, 200_000, allowed=True)
    ballot.change(["b"], None, APPROVAL, COSTS, 200_000, allowed=True)
    assert ballot.selections == ["b"] and ballot.changes == 1
    assert state(rebuilt(ballot)) == state(ballot)
    paper = cast(APPROVAL, ["a"], channel="paper", station="Biblioteket")
    with pytest.raises(Conflict, match="paper"):
        paper.change(["b"], None, APPROVAL, COSTS, 200_000, allowed=True)


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
