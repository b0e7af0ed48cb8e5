"""Names the domain, the API's schemas and the pages share, each defined once.

Their values are what the API and the stored events have always said ("greedy", "approval"):
a StrEnum member is equal to its value, so existing events and JSON read and compare as before.
The phases and their Swedish names are in domain/phases.py, a proposal's statuses in
domain/proposal_states.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class AllocationRule(StrEnum):
    """How an area's money is shared out among the proposals (docs/counting.md)."""

    GREEDY = "greedy"
    GREEDY_NO_SKIP = "greedy-no-skip"
    GREEDY_THRESHOLD = "greedy-threshold"
    MES = "mes"
    MES_ADD1 = "mes-add1"


GREEDY_RULES = (AllocationRule.GREEDY, AllocationRule.GREEDY_NO_SKIP,
                AllocationRule.GREEDY_THRESHOLD)


class BallotKind(StrEnum):
    """How a resident fills in a ballot (domain/voting_rules.py)."""

    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    RANKED = "ranked"


class AreaKind(StrEnum):
    TERRITORIAL = "territorial"
    GROUP = "group"
    THEME = "theme"


def values(names: Iterable[StrEnum]) -> tuple[str, ...]:
    """The plain strings of `names` (a StrEnum, or some of its members), in their order: for
    messages, CLI choices and comparisons with what a file says."""
    return tuple(member.value for member in names)
