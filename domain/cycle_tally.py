"""Counting a cycle: from its proposals and ballots to the results the cycle publishes.

Pure: the same function serves the live service and an auditor's replay of an export, so a
published result can always be recomputed from the events alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from domain.allocation import Election, Project, allocate
from domain.allocation.election import DEFAULT_TIE_BREAK, POINT_TYPES
from domain.allocation.reasons import Reason, ReasonCode
from domain.ballot import counted_lines, digest_of_lines
from domain.documents import AreaResult, CountedBallotDocument, Results
from domain.errors import InvalidInput
from domain.money import DEFAULT_CURRENCY, MINOR_PER_UNIT, from_minor
from domain.vocabulary import AllocationRule

# 3: each proposal's reason a code with parameters (domain/allocation/reasons.py, ADR 0017);
# 2: the areas' budget, cost and left in minor units (öre), and the currency recorded (ADR 0014),
#    reasons as English sentences (still shown as recorded: service/legacy_reasons.py);
# 1: in whole kronor (results published before; read as 2, upcast by domain/cycle.py).
RESULTS_FORMAT = 3


@dataclass(frozen=True)
class CountedProposal:
    id: str
    area: str
    title: str
    cost: int  # minor units (öre)
    tie_id: str = ""  # an imported proposal's own project id, for the `project-id` tie-break


@dataclass(frozen=True)
class CountedBallot:
    id: str
    area: str
    selections: tuple[str, ...]
    points: tuple[int, ...] | None

    def counted_form(self) -> CountedBallotDocument:
        return {
            "ballot": self.id, "area": self.area, "selections": list(self.selections),
            "points": list(self.points) if self.points is not None else None,
        }


@dataclass(frozen=True)
class AreaRules:
    budget: int  # minor units (öre)
    vote_type: str
    allocation_rule: str
    threshold: int | None = None
    max_ranked: int | None = None  # ranked ballots: the number of ranks, which sets the points
    tie_break: str = DEFAULT_TIE_BREAK  # how equals are ordered (results record it)
    min_votes: int = 0  # ballots a proposal needs to be funded (results record it)


EXCLUDE, ADD = "exclude", "add"
WINNER_EXCEPTIONS = (EXCLUDE, ADD)


@dataclass(frozen=True)
class WinnerException:
    """A winner the municipality took out after the count (the rule runs again without it), or
    a proposal it funds outside the rule; with why. Recorded between results and adoption."""

    kind: str  # EXCLUDE or ADD
    area: str
    proposal_id: str
    reason: str


def tally(
    areas: Mapping[str, AreaRules],
    proposals: Iterable[CountedProposal],
    ballots: Iterable[CountedBallot],
    currency: str = DEFAULT_CURRENCY,
    exceptions: Sequence[WinnerException] = (),
    incompatible: Sequence[tuple[str, str]] = (),
) -> Results:
    """The results of every area: rule, winners, each proposal's score and reason, and a digest
    of exactly the ballots counted. Money in minor units of `currency`, counted in whole units
    (so that mes-add1 adds a whole krona to each share, and the reasons speak of kronor).
    `exceptions`: the rule counts each area without its excluded proposals; the added ones are
    listed apart (`added`), beside the rule's `selected`, their cost not in the rule's.
    `incompatible`: pairs of proposals of which each area funds at most one (a pair counts
    where both are on the area's ballot)."""
    by_area_proposals: dict[str, list[CountedProposal]] = {a: [] for a in areas}
    for proposal in proposals:
        by_area_proposals.setdefault(proposal.area, []).append(proposal)
    by_area_ballots: dict[str, list[CountedBallot]] = {a: [] for a in areas}
    for ballot in ballots:
        by_area_ballots.setdefault(ballot.area, []).append(ballot)
    unknown = (set(by_area_proposals) | set(by_area_ballots)) - set(areas)
    if unknown:
        raise InvalidInput("area", f"proposals or ballots name unknown area(s): {sorted(unknown)}")

    results: Results = {"format": RESULTS_FORMAT, "currency": currency, "areas": {}}
    area_lines: list[list[tuple[str, bytes]]] = []
    counted_total = 0
    for area_id, rules in areas.items():
        area_ballots = by_area_ballots[area_id]
        lines = sorted(counted_lines(b.counted_form() for b in area_ballots))
        area_lines.append(lines)
        counted_total += len(lines)
        if rules.allocation_rule == AllocationRule.GREEDY_THRESHOLD and rules.threshold is None:
            raise InvalidInput("allocation_rule", "greedy-threshold needs a score threshold")
        on_ballot = {p.id for p in by_area_proposals[area_id]}
        pairs = [pair for pair in incompatible if set(pair) <= on_ballot]
        election = Election(
            projects=[Project(p.id, from_minor(p.cost), p.title, p.tie_id)
                      for p in by_area_proposals[area_id]],
            ballots=[b.selections for b in area_ballots],
            budget=from_minor(rules.budget),
            vote_type=rules.vote_type,  # type: ignore[arg-type]
            points=[b.points or () for b in area_ballots] if rules.vote_type in POINT_TYPES
            else None,
            min_project_score_threshold=rules.threshold,
            max_ranked=rules.max_ranked if rules.vote_type == "ordinal" else None,
            tie_break=rules.tie_break,
            currency=currency,
            min_votes=rules.min_votes,
            excluded={e.proposal_id: e.reason for e in exceptions
                      if e.area == area_id and e.kind == EXCLUDE},
            incompatible=pairs,
        )
        counted = allocate(election, rules.allocation_rule)
        # The rule's outcome in JSON form has the document's first keys; its amounts, in
        # whole units, are replaced by minor units below.
        outcome = cast(AreaResult, counted.to_json_dict())
        _record_exceptions(outcome, [e for e in exceptions if e.area == area_id])
        if pairs:
            outcome["incompatible"] = [list(pair) for pair in pairs]
        outcome.update({
            "cost": _minor(counted.cost), "left": _minor(counted.left),
            "budget": rules.budget, "vote_type": rules.vote_type, "threshold": rules.threshold,
            "max_ranked": rules.max_ranked, "min_votes": rules.min_votes,
            "ballots": len(area_ballots), "ballots_digest": digest_of_lines(lines),
        })
        results["areas"][area_id] = outcome
    results["ballots_counted"] = counted_total
    # Every area's lines are sorted already: merging gives the same order as sorting them all.
    results["ballots_digest"] = digest_of_lines(heapq.merge(*area_lines))
    return results


def _record_exceptions(outcome: AreaResult, exceptions: Sequence[WinnerException]) -> None:
    if not exceptions:
        return  # results without exceptions stay as they always were
    outcome["excluded"] = {e.proposal_id: e.reason for e in exceptions if e.kind == EXCLUDE}
    outcome["added"] = {e.proposal_id: e.reason for e in exceptions if e.kind == ADD}
    for proposal_id, reason in outcome["added"].items():
        outcome["reasons"][proposal_id] = Reason(ReasonCode.FUNDED_OUTSIDE_RULE,
                                                 note=reason).to_dict()


def _minor(amount: Decimal) -> int:
    """A sum of the area's costs (whole units, at most two decimals) back in minor units."""
    minor = amount * MINOR_PER_UNIT
    assert minor == minor.to_integral_value(), amount
    return int(minor)
