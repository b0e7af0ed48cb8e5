"""Hypothesis strategies: small random elections of every vote type."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from domain.allocation import Election, Project
from domain.allocation.election import VOTE_TYPES, VoteType

# Ids chosen so that natural and text order disagree ('p10' < 'p9' as text).
IDS = ["p1", "p2", "p9", "p10", "p11", "a", "B"]


@st.composite
def elections(
    draw: st.DrawFn,
    vote_types: tuple[VoteType, ...] = VOTE_TYPES,
    max_projects: int = 6,
    max_voters: int = 9,
    max_cost: int = 30,
    decimals: bool = True,
) -> Election:
    vote_type = draw(st.sampled_from(vote_types))
    size = draw(st.integers(1, max_projects))
    ids = IDS[:size]
    cents = decimals and draw(st.booleans())
    costs = [
        Decimal(draw(st.integers(0, max_cost * 2))) / 2 if cents else Decimal(
            draw(st.integers(0, max_cost))
        )
        for _ in ids
    ]
    # Repeats allowed within a ballot: the first occurrence counts.
    entry = st.tuples(st.sampled_from(ids), st.integers(0, 3))
    length = 1 if vote_type == "choose-1" else size + 1
    drawn = draw(st.lists(st.lists(entry, max_size=length), max_size=max_voters))
    ballots = [[pid for pid, _ in ballot] for ballot in drawn]
    points = [[pts for _, pts in ballot] for ballot in drawn]
    budget = Decimal(draw(st.integers(0, 4 * max_cost)))
    threshold = draw(st.none() | st.integers(0, 6))
    return Election(
        projects=[
            Project(pid, cost, f"Project {pid}") for pid, cost in zip(ids, costs, strict=True)
        ],
        ballots=ballots,
        budget=budget,
        vote_type=vote_type,
        points=points if vote_type in ("cumulative", "scoring") else None,
        min_project_score_threshold=threshold,
    )
