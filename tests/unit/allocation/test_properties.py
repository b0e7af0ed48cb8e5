"""Properties that must hold on any election, checked on random ones."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import RULES, Election, Project, allocate
from domain.allocation.equal_shares import MesInstance, run_mes, run_mes_add1
from domain.allocation.profile import profile_of
from tests.unit.allocation.reference_mes import price, reference_mes, reference_mes_add1
from tests.unit.allocation.strategies import elections

FAST = settings(max_examples=80, deadline=None)


def _rule_applies(election: Election, rule: str) -> bool:
    return rule != "greedy-threshold" or election.min_project_score_threshold is not None


def _supports(election: Election) -> list[frozenset[int]]:
    index = {p.id: i for i, p in enumerate(election.projects)}
    supports = []
    for n, ballot in enumerate(election.ballots):
        if election.vote_type in ("cumulative", "scoring"):  # points are the utilities
            assert election.points is not None
            first: dict[str, int] = {}
            for pid, given_points in zip(ballot, election.points[n], strict=True):
                first.setdefault(pid, given_points)
            supports.append(frozenset(index[pid] for pid, pts in first.items() if pts > 0))
        else:
            supports.append(frozenset(index[pid] for pid in ballot))
    return supports


def _order(election: Election):  # type: ignore[no-untyped-def]
    return profile_of(election).tie_key


@FAST
@given(elections(), st.sampled_from(RULES))
def test_never_spends_more_than_the_budget(election: Election, rule: str) -> None:
    if not _rule_applies(election, rule):
        return
    outcome = allocate(election, rule)
    costs = {p.id: p.cost for p in election.projects}
    assert sum(costs[pid] for pid in outcome.selected) == outcome.cost <= election.budget
    assert outcome.left == election.budget - outcome.cost
    assert len(set(outcome.selected)) == len(outcome.selected)
    assert set(outcome.reasons) == set(costs) == set(outcome.scores)


@FAST
@given(elections())
def test_greedy_is_exhaustive(election: Election) -> None:
    outcome = allocate(election, "greedy")
    assert all(
        p.cost > outcome.left for p in election.projects if p.id not in outcome.selected
    )


@FAST
@given(elections())
def test_greedy_threshold_is_exhaustive_above_the_threshold(election: Election) -> None:
    threshold = election.min_project_score_threshold
    if threshold is None:
        return
    outcome = allocate(election, "greedy-threshold")
    for p in election.projects:
        if outcome.scores[p.id] < threshold:
            assert p.id not in outcome.selected
        elif p.id not in outcome.selected:
            assert p.cost > outcome.left


@FAST
@given(elections())
def test_greedy_no_skip_funds_a_prefix_of_the_greedy_order(election: Election) -> None:
    skip = allocate(election, "greedy").selected
    no_skip = allocate(election, "greedy-no-skip").selected
    assert skip[: len(no_skip)] == no_skip


@FAST
@given(elections())
def test_mes_no_group_of_supporters_can_still_afford_a_project(election: Election) -> None:
    """The defining property of MES, replayed in exact arithmetic: each round bought an
    affordable project at the lowest price per unit of cost, and when it stopped the supporters
    of every other project together had less money left than that project costs. (A project
    that costs nothing is worth nothing under cost utilities and is never bought.)"""
    outcome = allocate(election, "mes")
    voters = len(election.ballots)
    if voters == 0:
        assert outcome.selected == []
        return
    supports = _supports(election)
    index = {p.id: i for i, p in enumerate(election.projects)}
    costs = [Fraction(p.cost) for p in election.projects]
    budgets = [Fraction(election.budget) / voters] * voters
    for pid in outcome.selected:
        p = index[pid]
        q = price([budgets[i] for i in range(voters) if p in supports[i]], costs[p])
        assert q is not None, f"{pid} was not affordable when bought"
        for other in range(len(costs)):
            if election.projects[other].id in outcome.selected or costs[other] == 0:
                continue
            r = price([budgets[i] for i in range(voters) if other in supports[i]], costs[other])
            assert r is None or r / costs[other] >= q / costs[p]
        for i in range(voters):
            if p in supports[i]:
                budgets[i] -= min(budgets[i], q)
    for p, pid in enumerate(index):
        if pid not in outcome.selected and costs[p] > 0:
            left = sum((budgets[i] for i in range(voters) if p in supports[i]), Fraction(0))
            assert not any(p in s for s in supports) or left < costs[p]
        elif costs[p] == 0:
            assert pid not in outcome.selected


@FAST
@given(elections(vote_types=("approval", "cumulative", "ordinal")))
def test_mes_matches_the_plain_fraction_implementation(election: Election) -> None:
    profile = profile_of(election)
    if profile.voters == 0:
        return
    supports = _supports(election)
    costs = [Fraction(p.cost) for p in election.projects]
    share = Fraction(election.budget) / len(supports)
    expected, _ = reference_mes(costs, supports, share, _order(election))
    instance = MesInstance(profile)
    scaled_share = Fraction(profile.scaled_budget, profile.voters)
    fast = run_mes(instance, scaled_share)
    exact = run_mes(instance, scaled_share, force_exact=True)
    assert fast.selected == exact.selected == expected


@settings(max_examples=60, deadline=None)
@given(elections(vote_types=("approval", "choose-1"), max_voters=7))
def test_mes_add1_matches_the_plain_fraction_implementation(election: Election) -> None:
    profile = profile_of(election)
    supports = _supports(election)
    costs = [Fraction(p.cost) for p in election.projects]
    expected = reference_mes_add1(costs, supports, Fraction(election.budget), _order(election))
    instance = MesInstance(profile)
    fast = run_mes_add1(instance).result
    exact = run_mes_add1(instance, force_exact=True).result
    assert fast.selected == exact.selected == expected
    assert allocate(election, "mes-add1").selected == [election.projects[p].id for p in expected]


@FAST
@given(elections(), st.sampled_from(RULES), st.randoms(use_true_random=False))
def test_the_order_of_ballots_does_not_matter(election: Election, rule: str, rnd) -> None:  # type: ignore[no-untyped-def]
    if not _rule_applies(election, rule):
        return
    order = list(range(len(election.ballots)))
    rnd.shuffle(order)
    shuffled = Election(
        projects=list(reversed(election.projects)),
        ballots=[election.ballots[i] for i in order],
        budget=election.budget,
        vote_type=election.vote_type,
        points=[election.points[i] for i in order] if election.points is not None else None,
        min_project_score_threshold=election.min_project_score_threshold,
    )
    assert allocate(shuffled, rule).to_json_dict() == allocate(election, rule).to_json_dict()


@settings(max_examples=40, deadline=None)
@given(elections(vote_types=("approval",), max_voters=7), st.booleans())
def test_mes_matches_pabutools_on_small_elections(election: Election, add1: bool) -> None:
    from tests.unit.allocation.pabutools_reference import pabutools_mes_of

    rule = "mes-add1" if add1 else "mes"
    assert allocate(election, rule).selected == pabutools_mes_of(election, add1)


@st.composite
def near_ties(draw: st.DrawFn) -> Election:
    """Amounts of about 10**15 kr that differ in the last units: prices per unit of cost then
    differ in the 16th digit or not at all, beyond what float64 can resolve."""
    base = 10**15
    size = draw(st.integers(2, 5))
    ids = [f"p{i}" for i in range(size)]
    costs = [base * draw(st.integers(1, 3)) + draw(st.integers(-3, 3)) for _ in ids]
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1), min_size=1, max_size=7))
    budget = base * draw(st.integers(1, 6)) + draw(st.integers(-3, 3))
    return Election(
        [Project(pid, Decimal(c)) for pid, c in zip(ids, costs, strict=True)],
        ballots,
        Decimal(budget),
        "approval",
    )


@settings(max_examples=80, deadline=None)
@given(near_ties())
def test_mes_is_exact_at_near_ties_of_large_amounts(election: Election) -> None:
    supports = _supports(election)
    costs = [Fraction(p.cost) for p in election.projects]
    share = Fraction(election.budget) / len(supports)
    expected, _ = reference_mes(costs, supports, share, _order(election))
    instance = MesInstance(profile_of(election))
    share_scaled = Fraction(profile_of(election).scaled_budget, len(supports))
    assert run_mes(instance, share_scaled).selected == expected


@pytest.mark.parametrize("seed", range(6))
def test_fast_and_exact_mes_agree_on_medium_elections(seed: int) -> None:
    """Hundreds of voters, dozens of projects, costs with decimals: every float decision of the
    fast path must match the all-exact path, run after run of mes-add1."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(10, 30))
    ids = [f"P{i}" for i in range(size)]
    popularity = rng.dirichlet(np.ones(size) * 0.7)
    ballots = [
        list(rng.choice(ids, size=int(rng.integers(1, 6)), p=popularity))
        for _ in range(int(rng.integers(50, 300)))
    ]
    costs = [Decimal(int(rng.integers(1, 400)) * 250) / 100 for _ in ids]
    election = Election(
        [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)],
        ballots,
        Decimal(int(sum(costs) * Decimal("0.6"))),
        "approval",
    )
    instance = MesInstance(profile_of(election))
    share = Fraction(profile_of(election).scaled_budget, profile_of(election).voters)
    assert run_mes(instance, share).selected == run_mes(instance, share, force_exact=True).selected
    fast = run_mes_add1(instance)
    exact = run_mes_add1(instance, force_exact=True)
    assert (fast.result.selected, fast.added) == (exact.result.selected, exact.added)
