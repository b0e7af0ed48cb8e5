"""The rules on hand-made elections: scoring, ties, reasons, validation, exactness."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from domain.allocation import RULES, CompactBallots, Election, Project, allocate, money
from domain.allocation.equal_shares import MesInstance, run_mes
from domain.allocation.profile import profile_of
from domain.allocation.reasons import Reason, ReasonCode, ScoreUnit
from tests.unit.allocation.reference_mes import reference_mes


def approval(costs: dict[str, int | Decimal], ballots: list[list[str]], budget: int | Decimal,
             threshold: int | None = None) -> Election:
    return Election(
        projects=[Project(pid, Decimal(cost)) for pid, cost in costs.items()],
        ballots=ballots,
        budget=Decimal(budget),
        vote_type="approval",
        min_project_score_threshold=threshold,
    )


def test_the_rules_are_the_documented_five() -> None:
    assert RULES == ("greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1")


def test_an_unknown_rule_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown allocation rule 'borda'.*greedy-no-skip"):
        allocate(approval({"a": 1}, [["a"]], 1), "borda")


# ---------------------------------------------------------------- greedy family

# Three voters approving a, b and c; a and b; a: a has 3 votes, b 2 and c 1.
NESTED = [["a", "b", "c"], ["a", "b"], ["a"]]


def _b_does_not_fit() -> Election:
    """a (200 000 kr) and b (180 000 kr) do not both fit in 320 000 kr; c (50 000 kr) does."""
    return approval({"a": 200_000, "b": 180_000, "c": 50_000}, NESTED, budget=320_000)


def test_greedy_skips_what_no_longer_fits_and_says_why() -> None:
    election = _b_does_not_fit()
    outcome = allocate(election, "greedy")
    assert outcome.selected == ["a", "c"]
    assert outcome.reasons == {
        "a": Reason(ReasonCode.SELECTED),
        "b": Reason(ReasonCode.DID_NOT_FIT, {"left": 12_000_000, "cost": 18_000_000}, "SEK"),
        "c": Reason(ReasonCode.SELECTED),
    }
    assert (outcome.cost, outcome.left) == (Decimal(250_000), Decimal(70_000))


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit() -> None:
    election = _b_does_not_fit()
    outcome = allocate(election, "greedy-no-skip")
    assert outcome.selected == ["a"]
    assert outcome.reasons["b"] == Reason(ReasonCode.DID_NOT_FIT_COUNTING_STOPS,
                                          {"left": 12_000_000, "cost": 18_000_000}, "SEK")
    assert outcome.reasons["c"] == Reason(ReasonCode.NOT_REACHED)


def test_greedy_threshold_leaves_out_projects_below_the_threshold() -> None:
    election = approval({"a": 10, "b": 10, "c": 10}, NESTED, budget=100, threshold=2)
    outcome = allocate(election, "greedy-threshold")
    assert outcome.selected == ["a", "b"]
    assert outcome.reasons["c"] == Reason(ReasonCode.BELOW_THRESHOLD,
                                          counts={"threshold": 2, "score": 1},
                                          unit=ScoreUnit.VOTE)
    assert allocate(election, "greedy").selected == ["a", "b", "c"]


def test_greedy_threshold_needs_a_threshold() -> None:
    with pytest.raises(ValueError, match="min_project_score_threshold"):
        allocate(approval({"a": 1}, [["a"]], 1), "greedy-threshold")


def test_equal_scores_go_to_the_cheaper_project_then_to_the_lower_id_in_natural_order() -> None:
    election = approval(
        {"p10": 5, "p9": 5, "p2": 5, "x": 4},
        [["p10", "p9", "p2", "x"]],
        budget=9,
    )
    # All score 1: x is cheapest; then p2 < p9 < p10 (as text, p10 would come first).
    assert allocate(election, "greedy").selected == ["x", "p2"]


def test_a_project_without_votes_is_funded_by_greedy_if_money_is_left() -> None:
    election = approval({"a": 5, "b": 3}, [["a"]], budget=10)
    outcome = allocate(election, "greedy")
    assert outcome.selected == ["a", "b"]
    assert outcome.scores == {"a": 1, "b": 0}


# ---------------------------------------------------------------- scoring


def test_a_repeated_project_counts_once_at_its_first_occurrence() -> None:
    approval_election = approval({"a": 1, "b": 1}, [["a", "a", "b"], ["b", "b"]], budget=0)
    assert allocate(approval_election, "greedy").scores == {"a": 1, "b": 2}

    ranked = Election(
        [Project("a", Decimal(1)), Project("b", Decimal(1)), Project("c", Decimal(1))],
        [["a", "b", "a"], ["c", "b", "c"]],
        Decimal(0),
        "ordinal",
        max_ranked=3,
    )
    assert allocate(ranked, "greedy").scores == {"a": 3, "b": 4, "c": 3}

    points = Election(
        [Project("a", Decimal(1)), Project("b", Decimal(1))],
        [["a", "b", "a"]],
        Decimal(0),
        "cumulative",
        points=[[2, 1, 5]],
    )
    assert allocate(points, "greedy").scores == {"a": 2, "b": 1}


def test_ordinal_ballots_score_k_minus_rank_points() -> None:
    election = Election(
        [Project(pid, Decimal(1)) for pid in "abcd"],
        [["a", "b", "c"], ["b", "a"], ["d"]],
        Decimal(0),
        "ordinal",
    )
    # k defaults to the longest ballot: 3 ranks, so 3-2-1 points.
    assert allocate(election, "greedy").scores == {"a": 5, "b": 5, "c": 1, "d": 3}
    limited = Election(election.projects, election.ballots, Decimal(0), "ordinal", max_ranked=5)
    assert allocate(limited, "greedy").scores == {"a": 9, "b": 9, "c": 3, "d": 5}


def test_cumulative_scores_add_points_and_mes_counts_listed_projects_with_points() -> None:
    election = Election(
        [Project("a", Decimal(10)), Project("b", Decimal(10))],
        [["a", "b"], ["a"], ["b"]],
        Decimal(20),
        "cumulative",
        points=[[3, 0], [1], [2]],
    )
    assert allocate(election, "greedy").scores == {"a": 4, "b": 2}
    # b's supporters for MES: only the third voter (the first gave it no points).
    assert profile_of(election).supporters == (2, 1)


# ---------------------------------------------------------------- MES

def _shares_of_30() -> Election:
    """Four voters, 120 in all: shares of 30; a (60) has three supporters, b (60) and c (30)
    one each."""
    return approval({"a": 60, "b": 60, "c": 30}, [["a"], ["a"], ["a", "b"], ["c"]], budget=120)


def test_mes_charges_equal_shares_and_explains_who_paid() -> None:
    election = _shares_of_30()
    outcome = allocate(election, "mes")
    # Shares of 30: a costs 20 each to its three supporters; c costs its single supporter 30;
    # b's only supporter has 10 left.
    assert outcome.selected == ["a", "c"]
    assert outcome.reasons["a"] == Reason(ReasonCode.SELECTED_IN_ROUND, {"price": 2000}, "SEK",
                                          counts={"round": 1, "supporters": 3})
    assert outcome.reasons["b"] == Reason(ReasonCode.NOT_AFFORDABLE,
                                          {"left": 1000, "cost": 6000, "share": 3000}, "SEK")


def test_mes_when_the_price_equals_the_supporters_budgets_exactly() -> None:
    # Shares of 5; a costs exactly what its two supporters hold, so both are emptied.
    election = approval({"a": 10, "b": 1}, [["a", "b"], ["a"]], budget=10)
    assert allocate(election, "mes").selected == ["a"]
    assert allocate(election, "mes").reasons["b"].amounts["left"] == 0


def test_mes_breaks_exact_ties_by_score_then_cost_then_natural_id() -> None:
    # Each project has two supporters and all prices per unit of cost are equal at the start.
    election = approval(
        {"p10": 4, "p9": 4, "p2": 6},
        [["p10", "p9", "p2"], ["p10", "p9", "p2"]],
        budget=8,
    )
    # Equal scores: cheaper first (p9, p10 cost 4), then p9 before p10 in natural order.
    assert allocate(election, "mes").selected == ["p9", "p10"]


def test_mes_is_exact_where_floats_are_not() -> None:
    """Amounts near 10**15 kr with shares of a third: float64 cannot tell these prices apart,
    the rule must still see that b is a hair cheaper per unit than a."""
    big = 10**15
    election = approval(
        {"a": big, "b": big - 1, "c": 3},
        [["a", "b"], ["a", "b"], ["a", "b", "c"]],
        budget=3 * big + 1,
    )
    supports = [frozenset({0, 1}), frozenset({0, 1}), frozenset({0, 1, 2})]
    costs = [Fraction(big), Fraction(big - 1), Fraction(3)]
    expected, _ = reference_mes(costs, supports, Fraction(3 * big + 1, 3),
                                profile_of(election).tie_key)
    assert allocate(election, "mes").selected == [election.projects[p].id for p in expected]
    instance = MesInstance(profile_of(election))
    share = Fraction(profile_of(election).scaled_budget, 3)
    assert run_mes(instance, share).selected == run_mes(instance, share, force_exact=True).selected


def test_mes_never_buys_a_free_project() -> None:
    # Under cost utilities a free project is worth nothing (pabutools leaves it out too).
    election = approval({"a": 5, "free": 0, "orphan": 0}, [["a", "free"]], budget=5)
    for rule in ("mes", "mes-add1"):
        outcome = allocate(election, rule)
        assert outcome.selected == ["a"]
        assert outcome.reasons["free"] == Reason(ReasonCode.COSTS_NOTHING)
        assert outcome.reasons["orphan"] == Reason(ReasonCode.NO_SUPPORT)


def test_mes_add1_raises_the_shares_until_the_outcome_is_exhaustive() -> None:
    election = _shares_of_30()
    outcome = allocate(election, "mes-add1")
    assert outcome.selected == ["a", "c"]  # with 30 left nothing else fits: exhaustive at once
    wider = approval({"a": 60, "b": 40}, [["a"], ["a"], ["a", "b"], ["b"]], budget=100)
    # Shares of 25 buy a (20 each); b's supporters then hold 5 + 25 = 30 < 40. Raising the
    # shares to 30 lets them afford it.
    assert allocate(wider, "mes").selected == ["a"]
    assert allocate(wider, "mes-add1").selected == ["a", "b"]


def test_nothing_is_funded_without_ballots() -> None:
    election = approval({"a": 1}, [], budget=10)
    for rule in ("mes", "mes-add1"):
        outcome = allocate(election, rule)
        assert outcome.selected == []
        assert outcome.reasons["a"] == Reason(ReasonCode.NO_BALLOTS)
    assert allocate(election, "greedy").selected == ["a"]


# ---------------------------------------------------------------- compact ballots


def test_compact_ballots_count_like_the_same_ballots_as_lists() -> None:
    rng = np.random.default_rng(7)
    ids = [f"p{i}" for i in range(70)]  # more than 64 projects: two bitset words
    lengths = rng.integers(0, 6, 300)
    indptr = np.r_[0, np.cumsum(lengths)]
    indices = rng.integers(0, len(ids), int(indptr[-1]))  # unsorted, with repeats
    counts = rng.integers(0, 3, 300)
    compact = CompactBallots(ids, indptr, indices, counts)
    as_lists = [[ids[i] for i in indices[indptr[r]:indptr[r + 1]]]
                for r in range(300) for _ in range(counts[r])]
    assert list(compact) == [tuple(b) for b in as_lists]
    assert len(compact) == len(as_lists)
    assert compact[len(as_lists) - 1] == tuple(as_lists[-1])
    projects = [Project(pid, Decimal(int(rng.integers(1, 50)))) for pid in ids]
    budget = Decimal(400)
    a = Election(projects, compact, budget, "approval")
    b = Election(projects, as_lists, budget, "approval")
    assert profile_of(a).scores == profile_of(b).scores
    assert profile_of(a).supporters == profile_of(b).supporters
    for rule in ("greedy", "mes", "mes-add1"):
        assert allocate(a, rule).to_json_dict() == allocate(b, rule).to_json_dict()


# ---------------------------------------------------------------- validation and output


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: approval({"a": 1}, [["z"]], 1), "ballot 1: unknown project 'z'"),
        (lambda: Election([Project("a", Decimal(1))] * 2, [], Decimal(1), "approval"),
         "project id 'a' appears twice"),
        (lambda: Project("a", 1.5), "int or a Decimal"),  # type: ignore[arg-type]
        (lambda: approval({"a": 1}, [], -1), "must not be negative"),
        (lambda: Election([], [], Decimal(1), "plurality"), "unknown vote type"),  # type: ignore[arg-type]
        (lambda: Election([], [], Decimal(1), "cumulative"), "need points"),
        (lambda: Election([Project("a", Decimal(1))], [["a"]], Decimal(1), "cumulative",
                          points=[[1, 2]]), "1 projects but 2 points"),
        (lambda: Election([Project("a", Decimal(1))], [["a"]], Decimal(1), "approval",
                          points=[[1]]), "only allowed for cumulative"),
        (lambda: Election([Project("a", Decimal(1)), Project("b", Decimal(1))], [["a", "b"]],
                          Decimal(1), "choose-1"), "at most one project"),
        (lambda: Election([Project("a", Decimal(1)), Project("b", Decimal(1))], [["a", "b"]],
                          Decimal(1), "ordinal", max_ranked=1), "only 1 ranks count"),
    ],
)
def test_invalid_elections_are_refused_with_a_clear_message(make, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        election = make()
        allocate(election, "greedy")


def test_json_money_is_an_int_when_whole_and_a_string_otherwise() -> None:
    election = approval({"a": Decimal("10.50"), "b": Decimal("4")}, [["a", "b"]], budget=20)
    data = allocate(election, "greedy").to_json_dict()
    assert data["selected"] == ["b", "a"]
    assert data["cost"] == "14.5"
    assert data["left"] == "5.5"
    assert data["scores"] == {"a": 1, "b": 1}
    assert data["rule"] == "greedy"
    assert set(data) == {"selected", "cost", "left", "scores", "reasons", "rule", "tie_break"}
    assert data["reasons"] == {"a": {"code": "selected"}, "b": {"code": "selected"}}


def test_kronor_are_written_with_a_space_between_thousands_and_a_decimal_comma() -> None:
    assert money(120000) == "120 000 kr"
    assert money(Decimal("1234567.5")) == "1 234 567,50 kr"
    assert money(Decimal("0.125")) == "0,125 kr"
    assert money(Decimal("400000.0")) == "400 000 kr"
    assert money(Decimal("31666.67"), "PLN") == "31 666,67 PLN"
