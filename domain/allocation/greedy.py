"""The greedy family: fund projects in order of score until the money runs out.

Order: higher score first; equal scores are ordered by the election's tie-break
(`Election.tie_break`): `lower-cost` (the default) the cheaper project, then the lower project id
in natural order ('P2' before 'P10'); `project-id` the id as plain text ('10' before '9'), as
pabutools does; `file-order` the project listed first. When equal scores end differently (one
funded, the other not), both reasons name the tie and the tie-break.

- `greedy` skips a project that no longer fits and goes on with cheaper ones. A project nobody
  voted for is still funded if money is left when its turn comes (as in pabutools).
- `greedy-no-skip` stops at the first project that does not fit.
- `greedy-threshold` is `greedy` over the projects whose score reaches the election's
  `min_project_score_threshold` (score >= threshold).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.allocation.election import Election
from domain.allocation.outcome import Outcome
from domain.allocation.profile import Profile, profile_of
from domain.allocation.reasons import Reason, ReasonCode, ScoreUnit, Tie, TieKind, in_units
from domain.vocabulary import AllocationRule


def score_unit(election: Election) -> ScoreUnit:
    return ScoreUnit.VOTE if election.vote_type in ("approval", "choose-1") else ScoreUnit.POINT


def greedy_order(profile: Profile) -> list[int]:
    return sorted(range(profile.size), key=profile.tie_key)


def allocate_greedy(election: Election, rule: str) -> Outcome:
    profile = profile_of(election)
    threshold: Decimal | int | None = None
    if rule == AllocationRule.GREEDY_THRESHOLD:
        threshold = election.min_project_score_threshold
        if threshold is None:
            raise ValueError(
                "greedy-threshold needs a minimum score: the election has no "
                "min_project_score_threshold"
            )
    stop_at_first_misfit = rule == AllocationRule.GREEDY_NO_SKIP
    unit = score_unit(election)
    places = profile.places

    def amounts(**scaled: int) -> dict[str, int]:
        return {name: in_units(profile.money(value), places) for name, value in scaled.items()}

    left = profile.scaled_budget
    selected: list[str] = []
    reasons: dict[str, Reason] = {}
    stopped = False
    for index in greedy_order(profile):
        pid = profile.ids[index]
        cost = profile.scaled_costs[index]
        score = profile.scores[index]
        if threshold is not None and score < threshold:
            reasons[pid] = Reason(ReasonCode.BELOW_THRESHOLD,
                                  counts={"threshold": threshold, "score": score}, unit=unit)
        elif stopped:
            reasons[pid] = Reason(ReasonCode.NOT_REACHED)
        elif cost <= left:
            left -= cost
            selected.append(pid)
            reasons[pid] = Reason(ReasonCode.SELECTED)
        else:
            code = ReasonCode.DID_NOT_FIT
            if stop_at_first_misfit:
                code = ReasonCode.DID_NOT_FIT_COUNTING_STOPS
                stopped = True
            reasons[pid] = Reason(code, amounts(left=left, cost=cost),
                                  currency=election.currency, places=places)
    _name_ties(profile, selected, reasons, threshold)
    spent = profile.scaled_budget - left
    return Outcome(
        rule=rule,
        selected=selected,
        cost=profile.money(spent),
        left=profile.money(left),
        scores={pid: profile.scores[i] for i, pid in enumerate(profile.ids)},
        reasons={pid: reasons[pid] for pid in profile.ids},
        tie_break=profile.tie_break,
    )


def _name_ties(profile: Profile, selected: list[str], reasons: dict[str, Reason],
               threshold: Decimal | int | None) -> None:
    """Say so where the tie-break decided: among projects of equal score (that all reach the
    threshold), one funded and one that is not; the order put the funded one first."""
    funded = set(selected)
    by_score: dict[int, list[int]] = {}
    for index in greedy_order(profile):
        if threshold is None or profile.scores[index] >= threshold:
            by_score.setdefault(profile.scores[index], []).append(index)
    for group in by_score.values():
        winners = [profile.ids[i] for i in group if profile.ids[i] in funded]
        losers = [profile.ids[i] for i in group if profile.ids[i] not in funded]
        if not winners or not losers:
            continue
        for position, index in enumerate(group):
            pid = profile.ids[index]
            earlier = [profile.ids[i] for i in group[:position]]
            later = [profile.ids[i] for i in group[position + 1:]]
            if pid in funded and any(other in losers for other in later):
                beaten = tuple(o for o in later if o in losers)
                reasons[pid] = replace(reasons[pid], tie=Tie(TieKind.WON_ON_SCORE, beaten,
                                                             profile.tie_break))
            elif pid not in funded and any(other in winners for other in earlier):
                ahead = tuple(o for o in earlier if o in winners)
                reasons[pid] = replace(reasons[pid], tie=Tie(TieKind.LOST_ON_SCORE, ahead,
                                                             profile.tie_break))
