"""The tie-break is part of the rule: each one on a small file with a three-way tie, against
pabutools where pabutools has the same order, named in the reasons and recorded."""

from __future__ import annotations

from typing import Any

import pytest
from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.tiebreaking import TieBreakingRule, lexico_tie_breaking

from domain.allocation import allocate
from domain.allocation.election import TIE_BREAKS
from domain.allocation.reasons import TieKind
from domain.pabulib import parse_pabulib, to_election

# B3, A10 and A9 all have 2 votes; 100 to spend. Each tie-break funds a different one of them
# (then C, which fits after any of them).
TIED = """META
key;value
description;Three equal scores
country;Sweden
unit;Nässjö
instance;2025
num_projects;4
num_votes;3
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
B3;60;2;Listed first
A10;60;2;First as text
A9;50;2;Cheapest of the tied
C;40;1;Fits after any
VOTES
voter_id;vote
1;B3,A10,A9,C
2;B3,A10,A9
3;
"""

EXPECTED = {"file-order": ["B3", "C"], "project-id": ["A10", "C"], "lower-cost": ["A9", "C"]}


def _pabutools(tie: TieBreakingRule) -> list[str]:
    instance, profile = parse_pabulib_from_string(TIED)
    chosen: Any = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat,
                                             tie_breaking=tie)
    return sorted(p.name for p in chosen)


def test_every_tie_break_is_expected() -> None:
    assert set(EXPECTED) == set(TIE_BREAKS)


@pytest.mark.parametrize("tie_break", TIE_BREAKS)
def test_greedy_breaks_the_tie_as_chosen_and_records_it(tie_break: str) -> None:
    outcome = allocate(to_election(parse_pabulib(TIED), tie_break), "greedy")
    assert outcome.selected == EXPECTED[tie_break]
    assert outcome.to_json_dict()["tie_break"] == tie_break
    winner = EXPECTED[tie_break][0]
    won = outcome.reasons[winner].tie
    assert won is not None and won.kind is TieKind.WON_ON_SCORE and won.tie_break == tie_break
    for loser in {"B3", "A10", "A9"} - {winner}:
        lost = outcome.reasons[loser].tie
        assert lost is not None and lost.kind is TieKind.LOST_ON_SCORE
        assert winner in lost.others and lost.tie_break == tie_break
    assert outcome.reasons["C"].tie is None


def test_project_id_is_pabutools_default_order() -> None:
    ours = allocate(to_election(parse_pabulib(TIED), "project-id"), "greedy").selected
    assert sorted(ours) == _pabutools(lexico_tie_breaking)


def test_lower_cost_and_file_order_are_pabutools_with_the_same_key() -> None:
    order = ["B3", "A10", "A9", "C"]
    costs = {"B3": 60, "A10": 60, "A9": 50, "C": 40}
    file_order = TieBreakingRule(lambda inst, prof, p: order.index(p.name))
    lower_cost = TieBreakingRule(lambda inst, prof, p: (costs[p.name], p.name))
    election = to_election(parse_pabulib(TIED), "file-order")
    assert sorted(allocate(election, "greedy").selected) == _pabutools(file_order)
    election = to_election(parse_pabulib(TIED), "lower-cost")
    assert sorted(allocate(election, "greedy").selected) == _pabutools(lower_cost)


def test_default_is_todays_order() -> None:
    assert to_election(parse_pabulib(TIED)).tie_break == "lower-cost"


def test_an_unknown_tie_break_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tie-break"):
        to_election(parse_pabulib(TIED), "coin")


@pytest.mark.parametrize("tie_break", TIE_BREAKS)
def test_mes_records_the_tie_break(tie_break: str) -> None:
    outcome = allocate(to_election(parse_pabulib(TIED), tie_break), "mes")
    assert outcome.tie_break == tie_break
