"""Our five rules computed by pabutools 1.2, for comparison (tests and benchmarks only).

pabutools has `greedy_utilitarian_welfare` and `method_of_equal_shares`; the rest is built from
them:
- greedy by score: greedy welfare with a satisfaction of score x cost per project, because
  pabutools ranks by total satisfaction / cost. Approval and choose-1: its `Cost_Sat`;
  cumulative: points x cost; ordinal: positional points (k - position) x cost with k the META
  `max_length`, a satisfaction written against pabutools' `AdditiveSatisfaction` API.
- greedy-no-skip: pabutools has no such rule. Its greedy run with an unlimited budget gives
  pabutools' full ranking (ties included); the rule funds the longest prefix of that ranking
  that fits the budget.
- greedy-threshold: pabutools' greedy on the instance without the projects whose
  pabutools-computed score is below META `min_project_score_threshold`.
- mes / mes-add1: `method_of_equal_shares(..., sat_class=Cost_Sat)`, with
  `voter_budget_increment=1` for mes-add1.

`tie` is "ours" (higher score, lower cost, natural id: the same order as domain.allocation) or
"lexico" (pabutools' default, ids compared as text).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import cache
from typing import Any

from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.election.instance import Instance
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule, lexico_tie_breaking

from domain.allocation.election import natural_key
from domain.allocation.profile import profile_of


def _points_cost(instance: Any, profile: Any, ballot: Any, project: Any, _: Any) -> Any:
    return ballot.get(project, 0) * project.cost


class PointsCostSat(AdditiveSatisfaction):  # type: ignore[misc]
    """Cumulative: a project's satisfaction is its points times its cost."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _points_cost)


def _positional_cost(instance: Any, profile: Any, ballot: Any, project: Any, _: Any) -> Any:
    if project not in ballot:
        return 0
    ranks = int(instance.meta.get("max_length", len(ballot)))
    return (ranks - ballot.position(project)) * project.cost


class PositionalCostSat(AdditiveSatisfaction):  # type: ignore[misc]
    """Ordinal: rank r (0-based) of k is worth k - r points, times the project's cost."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        AdditiveSatisfaction.__init__(self, instance, profile, ballot, _positional_cost)


def score_satisfaction(vote_type: str) -> Any:
    if vote_type == "cumulative":
        return PointsCostSat
    if vote_type == "ordinal":
        return PositionalCostSat
    return Cost_Sat  # type: ignore[no-any-return]


@cache
def _sat_profile(path: str, sat_class: Any) -> Any:
    _, profile = _parsed(path)
    return profile.as_sat_profile(sat_class)


def _scores(instance: Any, sat_profile: Any) -> dict[str, Fraction]:
    scores: dict[str, Fraction] = {}
    for project in instance:
        total = sat_profile.total_satisfaction_project(project)
        cost = Fraction(project.cost)
        scores[project.name] = Fraction(total) / cost if cost else Fraction(0)
    return scores


def _tie_rule(tie: str, scores: dict[str, Fraction]) -> TieBreakingRule:
    if tie == "lexico":
        return lexico_tie_breaking
    key: Callable[[Any, Any, Any], Any] = lambda inst, prof, p: (  # noqa: E731
        -scores[p.name], Fraction(p.cost), natural_key(p.name)
    )
    return TieBreakingRule(key)


@cache
def _parsed(path: str) -> tuple[Any, Any]:
    # Parsing Gdynia 2021 takes pabutools a second; the rules below leave instance and
    # profile untouched, so one parse per worker process serves every rule.
    return parse_pabulib(path)


def pabutools_outcome(path: str, rule: str, tie: str = "ours") -> list[str]:
    """The project ids pabutools selects, in its selection order."""
    instance, profile = _parsed(path)
    vote_type = instance.meta["vote_type"]
    sat_profile = _sat_profile(path, score_satisfaction(vote_type))
    scores = _scores(instance, sat_profile)
    tie_rule = _tie_rule(tie, scores)

    def greedy(projects: Any) -> Any:
        return greedy_utilitarian_welfare(
            projects, profile, sat_profile=sat_profile, is_sat_additive=True,
            tie_breaking=tie_rule,
        )

    if rule == "greedy":
        chosen = greedy(instance)
    elif rule == "greedy-threshold":
        threshold = Fraction(instance.meta["min_project_score_threshold"])
        kept = Instance(
            [p for p in instance if scores[p.name] >= threshold],
            budget_limit=instance.budget_limit,
        )
        kept.meta = instance.meta
        chosen = greedy(kept)
    elif rule == "greedy-no-skip":
        everything = Instance(instance, budget_limit=sum(p.cost for p in instance) + 1)
        everything.meta = instance.meta
        ranking = greedy(everything)
        chosen, spent = [], 0
        for project in ranking:
            if spent + project.cost > instance.budget_limit:
                break
            chosen.append(project)
            spent += project.cost
    elif rule in ("mes", "mes-add1"):
        chosen = method_of_equal_shares(
            instance,
            profile,
            sat_profile=_sat_profile(path, Cost_Sat),
            tie_breaking=tie_rule,
            voter_budget_increment=1 if rule == "mes-add1" else None,
        )
    else:
        raise ValueError(rule)
    return [p.name for p in chosen]


def pabutools_from_election(election: Any) -> tuple[Any, Any]:
    """An approval election (domain.allocation.Election) as a pabutools instance and profile."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Project
    from pabutools.fractions import str_as_frac

    projects = {p.id: Project(p.id, str_as_frac(str(p.cost))) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=str_as_frac(str(election.budget)))
    profile = ApprovalProfile(
        [ApprovalBallot(projects[pid] for pid in ballot) for ballot in election.ballots]
    )
    return instance, profile


def pabutools_mes_of(election: Any, add1: bool) -> list[str]:
    instance, profile = pabutools_from_election(election)
    ours = profile_of(election)
    keys = {pid: ours.tie_key(i) for i, pid in enumerate(ours.ids)}
    chosen = method_of_equal_shares(
        instance,
        profile,
        sat_class=Cost_Sat,
        tie_breaking=TieBreakingRule(lambda inst, prof, p: keys[p.name]),
        voter_budget_increment=1 if add1 else None,
    )
    return [p.name for p in chosen]
