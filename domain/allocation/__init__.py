"""Allocation rules: which projects an area's budget funds, given the ballots.

Pure functions, no I/O. `allocate(election, rule)` counts an `Election` with one of `RULES`
and returns an `Outcome` with the funded projects, every project's score and a reason for
every project (a code with parameters, `reasons`; the service words it). See `scoring` for how
ballots become scores, `greedy` and `equal_shares` for the rules and their tie-breaking.
"""

from domain.allocation.election import (
    VOTE_TYPES,
    CompactBallots,
    Election,
    Project,
    VoteType,
    natural_key,
)
from domain.allocation.outcome import Outcome, money
from domain.allocation.rules import RULES, allocate

__all__ = [
    "RULES",
    "VOTE_TYPES",
    "CompactBallots",
    "Election",
    "Outcome",
    "Project",
    "VoteType",
    "allocate",
    "money",
    "natural_key",
]
