"""Aggregates as the API shows them. Proposers' pseudonyms and voters never appear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.cycle import BudgetCycle
from domain.proposal import Proposal
from service.api import schemas
from service.pages.i18n import phase_name


def cycle_view(cycle: BudgetCycle, position: int | None = None) -> dict[str, Any]:
    return schemas.CycleOut(
        id=cycle.id, name=cycle.name, municipality=cycle.municipality, phase=cycle.phase.value,
        phase_sv=phase_name(cycle.phase, "sv"),
        predecessor_id=UUID(cycle.predecessor_id) if cycle.predecessor_id else None,
        version=cycle.version, decision=document(cycle.decision),
        areas=[schemas.AreaOut.model_validate(schemas.area_out(a.to_dict()))
               for a in cycle.areas.values()],
        voting_rule=schemas.VotingRuleOut.model_validate(
            schemas.voting_rule_out(cycle.voting_rule.to_dict()))
        if cycle.voting_rule else None,
        allocation_rule=cycle.allocation_rule, score_threshold=cycle.score_threshold,
        allow_ballot_changes=cycle.allow_ballot_changes, timeline=cycle.timeline,
        categories=[schemas.CategoryOut(**c.to_dict()) for c in cycle.categories],
        history=cycle.history,
        results_published=cycle.results is not None, adoption=document(cycle.adoption),
        evaluation=document(cycle.evaluation),
        evaluation_history=[schemas.EvaluationVersionOut.model_validate(v)
                            for v in cycle.evaluation_history],
        incompatible=cycle.incompatible,
        currency=cycle.currency, support_round=document(cycle.support_round),
        pot_cap=schemas.PotCapOut(**cycle.pot_cap_data) if cycle.pot_cap_data else None,
        position=position,
    ).model_dump(mode="json")


def document(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A document an event stored (domain/documents.py), as the API's schema validates it."""
    return None if stored is None else dict(stored)


def hidden_notice(reason: str) -> str:
    return f"Hidden by the moderator: {reason}"


def proposal_view(proposal: Proposal, currency: str, position: int | None = None,
                  hidden: str | None = None) -> dict[str, Any]:
    """`currency`: the cycle's, which every amount of the proposal is in. `hidden`: the
    moderator's reason when the proposal is hidden (ADR 0024): its own words are left out,
    what became of it is not."""
    return schemas.ProposalOut(
        id=proposal.id, cycle_id=UUID(proposal.cycle_id), area=proposal.area,
        title=proposal.title if hidden is None else hidden_notice(hidden),
        description=proposal.description if hidden is None else "",
        **schemas.money_out("estimated_cost", proposal.estimated_cost),
        **schemas.money_out("official_cost", proposal.official_cost), currency=currency,
        category=proposal.category, place=document(proposal.place if hidden is None else None),
        status=proposal.status, feasible=proposal.feasible,
        review_reason=proposal.review_reason,
        merged_into=UUID(proposal.merged_into) if proposal.merged_into else None,
        closing_reason=proposal.closing_reason,
        progress=[schemas.ProgressOut(percent=p.percent, note=p.note, at=p.at,
                                      explanation=p.explanation,
                                      **schemas.money_out("spent", p.spent))
                  for p in proposal.progress],
        submitted_at=proposal.submitted_at, version=proposal.version,
        feedback_url=f"/proposals/{proposal.id}", position=position,
        hidden_reason=hidden,
        pictures=[] if hidden is not None else [
            schemas.PictureOut(**picture_out(p.digest, p.alt, p.width, p.height, p.widths))
            for p in proposal.pictures.values()],
    ).model_dump(mode="json")


def picture_url(digest: str, width: int) -> str:
    return f"/pictures/{digest}/{width}.webp"


def picture_out(digest: str, alt: str, width: int, height: int,
                widths: Sequence[int]) -> dict[str, Any]:
    return {"digest": digest, "alt": alt, "width": width, "height": height,
            "widths": list(widths), "urls": {str(w): picture_url(digest, w) for w in widths}}


def results_view(cycle: BudgetCycle, audit: Mapping[str, Any] | None = None,
                 lang: str = "en") -> dict[str, Any]:
    """`audit`: the cycle's audit chain as the read models hold it (projections/fold.py);
    `lang`: the language of the reasons in words ("sv" or "en")."""
    results = cycle.results or {}
    audit = audit or {}
    return schemas.ResultsOut(
        cycle_id=cycle.id,
        published_at=cycle.phase_entered_at_trigger("publish_results"),
        ballots_counted=results.get("ballots_counted", 0),
        ballots_digest=results.get("ballots_digest", ""),
        currency=cycle.currency,
        areas={area_id: schemas.AreaResult.model_validate(
            schemas.area_result_out(outcome, lang))
               for area_id, outcome in results.get("areas", {}).items()},
        exceptions=[schemas.WinnerExceptionOut.model_validate(e)
                    for e in cycle.winner_exceptions],
        audit_head=audit.get("head"), audit_events=audit.get("events"),
        published_head=audit.get("published_head"),
        published_events=audit.get("published_events"),
    ).model_dump(mode="json")
