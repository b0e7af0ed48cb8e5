"""Who no rule may fund, the same under every rule (ADR 0021): a project fewer ballots support
than the pot's minimum (`Election.min_votes`), one excluded after the count
(`Election.excluded`), and of two incompatible projects (`Election.incompatible`) the one
reached after the other was funded. Each comes with its reason as a code (ADR 0017).

Indices are the profile's (domain/allocation/profile.py), as the rules count with them.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.allocation.election import Election
from domain.allocation.profile import profile_of
from domain.allocation.reasons import Reason, ReasonCode


def conflicts(election: Election) -> dict[int, frozenset[int]]:
    """For each project in an incompatible pair, the projects it excludes."""
    ids = profile_of(election).ids
    index = {pid: i for i, pid in enumerate(ids)}
    found: dict[int, set[int]] = {}
    for first, second in election.incompatible:
        if first not in index or second not in index or first == second:
            raise ValueError(f"incompatible pair ({first}, {second}) is not two projects "
                             "of the election")
        found.setdefault(index[first], set()).add(index[second])
        found.setdefault(index[second], set()).add(index[first])
    return {p: frozenset(others) for p, others in found.items()}


def incompatible_reason(election: Election, funded: Sequence[int]) -> Reason:
    """Why a project is not funded: projects it excludes were funded before it."""
    ids = profile_of(election).ids
    return Reason(ReasonCode.INCOMPATIBLE_FUNDED, projects=tuple(ids[o] for o in funded))


def passed_over(election: Election) -> dict[int, Reason]:
    """The projects no rule may fund, each with its reason: those below the minimum of votes,
    and those taken out after the count (whose reason wins where a project is both)."""
    index = {pid: i for i, pid in enumerate(profile_of(election).ids)}
    unknown = sorted(set(election.excluded) - set(index))
    if unknown:
        raise ValueError(f"excluded project(s) not in the election: {', '.join(unknown)}")
    reasons = {p: min_votes_reason(election, p) for p in below_min_votes(election)}
    reasons.update({index[pid]: Reason(ReasonCode.EXCLUDED_AFTER_COUNT, note=why)
                    for pid, why in election.excluded.items()})
    return reasons


def below_min_votes(election: Election) -> frozenset[int]:
    """The projects fewer ballots support than `min_votes`."""
    if election.min_votes == 0:
        return frozenset()
    profile = profile_of(election)
    return frozenset(p for p in range(profile.size)
                     if profile.supporters[p] < election.min_votes)


def min_votes_reason(election: Election, project: int) -> Reason:
    """Why a project below the minimum is not funded (the same under every rule)."""
    return Reason(ReasonCode.BELOW_MIN_VOTES,
                  counts={"min_votes": election.min_votes,
                          "votes": int(profile_of(election).supporters[project])})
