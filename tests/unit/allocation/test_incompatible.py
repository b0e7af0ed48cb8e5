"""Incompatible projects (two that exclude each other): every rule funds at most one of a pair,
says why in the other's reason, and spends the money on the next projects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import RULES, Election, Project, allocate
from domain.allocation.reasons import Reason, ReasonCode


def election(pairs: list[tuple[str, str]], **more: object) -> Election:
    # Everyone likes the pool and the rink; the budget holds both, and the park.
    costs = {"pool": 400, "rink": 300, "park": 200}
    return Election(projects=[Project(p, Decimal(c)) for p, c in costs.items()],
                    ballots=[["pool", "rink"], ["pool", "rink"], ["pool", "rink", "park"],
                             ["park"]],
                    budget=Decimal(1200), vote_type="approval", incompatible=pairs,
                    **more)  # type: ignore[arg-type]


def extra(rule: str) -> dict[str, object]:
    return {"min_project_score_threshold": 0} if rule == "greedy-threshold" else {}


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_funds_at_most_one_of_a_pair_and_says_why(rule: str) -> None:
    free = allocate(election([], **extra(rule)), rule)
    assert {"pool", "rink"} <= set(free.selected)
    outcome = allocate(election([("rink", "pool")], **extra(rule)), rule)
    chosen = {"pool", "rink"} & set(outcome.selected)
    assert len(chosen) == 1
    (other,) = {"pool", "rink"} - chosen
    assert outcome.reasons[other] == Reason(ReasonCode.INCOMPATIBLE_FUNDED,
                                            projects=(chosen.pop(),))
    assert "park" in outcome.selected  # the money goes on to the next


def test_greedy_funds_the_one_it_reaches_first() -> None:
    # Equal scores: the cheaper rink comes first, so the pool is the one left out.
    outcome = allocate(election([("pool", "rink")]), "greedy")
    assert outcome.selected == ["rink", "park"]
    assert outcome.reasons["pool"].tie is None


def test_a_pair_that_is_not_two_projects_of_the_election_is_refused() -> None:
    for pair in (("pool", "sauna"), ("pool", "pool")):
        with pytest.raises(ValueError, match="incompatible pair"):
            allocate(election([pair]), "greedy")
