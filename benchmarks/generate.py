"""Many stored events, quickly: ballots saved as real `Ballot` aggregates in large batches.

The application's `cast_ballot` checks eligibility and reloads the cycle's proposals for every
ballot (right for a resident, far too slow for a million). Here the cycle and its proposals are
read once, and each ballot is still made by `Ballot.cast` (so it passes the voting rule) and
saved through the application, many per transaction. Used by the projection benchmark and by
tests that need a long event log.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from uuid import UUID

from domain.ballot import Ballot, age_band
from service.application import Medborgarbudget

AGE_BIRTH_YEARS = (2010, 2000, 1990, 1975, 1960, 1945)


def _ballots(app: Medborgarbudget, cycle_id: UUID, count: int, seed: int,
             prefix: str) -> Iterator[Ballot]:
    cycle = app.cycle(cycle_id)
    proposals = [p for p in app.proposals(cycle_id) if p.on_ballot]
    # Only areas with a plain approval ballot: every voter there may pick 1 to 3 proposals.
    options = {
        area_id: [str(p.id) for p in proposals if p.area == area_id]
        for area_id in cycle.areas
        if cycle.voting_rule_for(area_id).kind == "approval"
    }
    options = {area: ids for area, ids in options.items() if ids}
    if not options:
        raise ValueError("the cycle has no area with an approval ballot and feasible proposals")
    costs = {area: {str(p.id): p.cost for p in proposals if p.area == area} for area in options}
    areas = sorted(options)
    today = datetime.now(UTC).date()
    rng = random.Random(seed)
    for number in range(count):
        area = areas[number % len(areas)]
        choices = options[area]
        chosen = rng.sample(choices, rng.randint(1, min(3, len(choices))))
        paper = number % 10 == 0
        born = date(rng.choice(AGE_BIRTH_YEARS), 6, 1)
        yield Ballot.cast(
            str(cycle.id), area, app.voter_pseudonym(f"{prefix}-{number}"), chosen, None,
            cycle.voting_rule_for(area), costs[area], cycle.area(area).budget,
            channel="paper" if paper else "digital",
            station="Stadsbiblioteket" if paper else None, age_band=age_band(born, today),
        )


def store_ballots(app: Medborgarbudget, cycle_id: UUID, count: int, *, chunk: int = 5000,
                  seed: int = 1, prefix: str = "bulk") -> int:
    """Save `count` ballots (one `Ballot.Cast` event each) in the cycle, which must be in the
    voting phase; returns the number saved. Voters are `{prefix}-{n}`: use a new prefix to add
    more ballots to a cycle that has some."""
    batch: list[Ballot] = []
    saved = 0
    for ballot in _ballots(app, cycle_id, count, seed, prefix):
        batch.append(ballot)
        if len(batch) == chunk:
            app.save(*batch)
            saved += len(batch)
            batch.clear()
    if batch:
        app.save(*batch)
        saved += len(batch)
    return saved
