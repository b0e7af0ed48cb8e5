"""The greedy family: fund projects in order of score until the money runs out.

Order: higher score first; equal scores go to the cheaper project, then to the lower project id
in natural order ('P2' before 'P10'). pabutools breaks such ties by the id as plain text instead
('10' before '9'); on the ten published files this never changes which projects win.

- `greedy` skips a project that no longer fits and goes on with cheaper ones. A project nobody
  voted for is still funded if money is left when its turn comes (as in pabutools).
- `greedy-no-skip` stops at the first project that does not fit.
- `greedy-threshold` is `greedy` over the projects whose score reaches the election's
  `min_project_score_threshold` (score >= threshold).
"""

from __future__ import annotations

from decimal import Decimal

from domain.allocation.election import Election
from domain.allocation.outcome import Outcome, money
from domain.allocation.profile import Profile


def score_unit(election: Election) -> str:
    return "vote" if election.vote_type in ("approval", "choose-1") else "point"


def _amount(number: int | Decimal, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def greedy_order(profile: Profile) -> list[int]:
    return sorted(range(profile.size), key=profile.tie_key)


def allocate_greedy(election: Election, rule: str) -> Outcome:
    profile = election.profile
    threshold: Decimal | int | None = None
    if rule == "greedy-threshold":
        threshold = election.min_project_score_threshold
        if threshold is None:
            raise ValueError(
                "greedy-threshold needs a minimum score: the election has no "
                "min_project_score_threshold"
            )
    stop_at_first_misfit = rule == "greedy-no-skip"
    unit = score_unit(election)

    left = profile.scaled_budget
    selected: list[str] = []
    reasons: dict[str, str] = {}
    stopped = False
    for index in greedy_order(profile):
        pid = profile.ids[index]
        cost = profile.scaled_costs[index]
        score = profile.scores[index]
        if threshold is not None and score < threshold:
            reasons[pid] = (
                f"below the threshold of {_amount(threshold, unit)}: "
                f"it has {_amount(score, unit)}"
            )
        elif stopped:
            reasons[pid] = (
                "not reached: the budget ran out before this project (greedy-no-skip)"
            )
        elif cost <= left:
            left -= cost
            selected.append(pid)
            reasons[pid] = "selected"
        else:
            reasons[pid] = (
                f"did not fit: {money(profile.money(left), election.currency)} left, "
                f"costs {money(profile.money(cost), election.currency)}"
            )
            if stop_at_first_misfit:
                reasons[pid] += "; counting stops here (greedy-no-skip)"
                stopped = True
    spent = profile.scaled_budget - left
    return Outcome(
        rule=rule,
        selected=selected,
        cost=profile.money(spent),
        left=profile.money(left),
        scores={pid: profile.scores[i] for i, pid in enumerate(profile.ids)},
        reasons={pid: reasons[pid] for pid in profile.ids},
    )
