"""A pot's minimum of votes ("no votes, no money"): every rule passes over a project fewer
ballots support, says so in its reason, and with the minimum at 0 counts as before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import RULES, Election, Project, allocate
from domain.allocation.reasons import Reason, ReasonCode


def below(minimum: int, votes: int) -> Reason:
    return Reason(ReasonCode.BELOW_MIN_VOTES, counts={"min_votes": minimum, "votes": votes})


def election(costs: dict[str, int], ballots: list[list[str]], budget: int, min_votes: int,
             **more: object) -> Election:
    return Election(projects=[Project(pid, Decimal(cost)) for pid, cost in costs.items()],
                    ballots=ballots, budget=Decimal(budget), vote_type="approval",
                    min_votes=min_votes, **more)  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", RULES)
def test_no_votes_no_money_under_every_rule(rule: str) -> None:
    # "boule" has no vote and money is left for it: greedy funded it before pots had a minimum.
    shown = election({"bench": 100, "lights": 200, "boule": 50}, [["bench"], ["lights"]],
                     budget=1_000, min_votes=1,
                     min_project_score_threshold=0 if rule == "greedy-threshold" else None)
    outcome = allocate(shown, rule)
    assert "boule" not in outcome.selected
    assert set(outcome.selected) == {"bench", "lights"}
    assert outcome.reasons["boule"] == below(1, 0)


@pytest.mark.parametrize("rule", ("greedy", "greedy-no-skip", "mes", "mes-add1"))
def test_a_minimum_of_zero_counts_as_before(rule: str) -> None:
    costs = {"bench": 100, "lights": 200, "boule": 50}
    ballots = [["bench"], ["lights"], ["bench", "lights"]]
    before = allocate(Election(projects=[Project(p, Decimal(c)) for p, c in costs.items()],
                               ballots=ballots, budget=Decimal(1_000), vote_type="approval"),
                      rule)
    assert allocate(election(costs, ballots, 1_000, 0), rule) == before
    if rule == "greedy":
        assert "boule" in before.selected  # pabutools' greedy, which imported files keep


@pytest.mark.parametrize("rule", RULES)
def test_a_higher_minimum_leaves_out_a_project_every_rule_funds_without_it(rule: str) -> None:
    # Without a minimum every rule funds both ("b" with its one voter's equal share).
    costs, ballots = {"a": 800, "b": 400}, [["a"], ["a"], ["b"]]
    extra = {"min_project_score_threshold": 0} if rule == "greedy-threshold" else {}
    assert set(allocate(election(costs, ballots, 1_200, 0, **extra), rule).selected) == {"a", "b"}
    shown = election(costs, ballots, budget=1_200, min_votes=2,
                     min_project_score_threshold=0 if rule == "greedy-threshold" else None)
    outcome = allocate(shown, rule)
    assert outcome.selected == ["a"]
    assert outcome.reasons["b"] == below(2, 1)


def test_the_minimum_counts_ballots_not_points() -> None:
    # One voter gives "big" all 10 points, three give "small" one point each: "big" has the
    # higher score but a single ballot, below a minimum of 2.
    shown = Election(projects=[Project("big", Decimal(500)), Project("small", Decimal(500))],
                     ballots=[["big"], ["small"], ["small"], ["small"]],
                     points=[[10], [1], [1], [1]], budget=Decimal(500), vote_type="cumulative",
                     min_votes=2)
    outcome = allocate(shown, "greedy")
    assert outcome.selected == ["small"]
    assert outcome.scores["big"] == 10
    assert outcome.reasons["big"] == below(2, 1)


def test_a_project_below_the_minimum_is_not_named_in_a_tie() -> None:
    # "x" and "y" both have 0 votes: equal scores, but neither lost a tie; both fall short.
    outcome = allocate(election({"a": 10, "x": 10, "y": 10}, [["a"]], 15, 1), "greedy")
    assert outcome.selected == ["a"]
    assert outcome.reasons["x"] == outcome.reasons["y"] == below(1, 0)  # no tie named


@pytest.mark.parametrize("bad", [-1, True, 1.0, "1", None])
def test_a_minimum_that_is_not_a_whole_number_of_votes_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="min_votes must be a whole number"):
        election({"a": 1}, [["a"]], 1, bad)  # type: ignore[arg-type]
