"""The support round: administrators configure it in draft, residents support feasible proposals
while it is open, everyone sees the counts and the outcome (ADR 0020)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service import support_round
from service.api import schemas_support
from service.api.auth import Principal
from service.api.callers import WRITE, Admin, Body, Public, Resident
from service.api.deps import App, IdempotencyKey, idempotent, respond
from service.api.openapi import problems
from service.api.receipts import voter_of
from service.api.schemas import CycleOut
from service.api.views import cycle_view
from service.application import Medborgarbudget
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["support round"])


@router.put("/cycles/{cycle}/support-round", response_model=CycleOut, responses=WRITE,
            summary="Give the cycle a support round between review and voting, with the rule "
                    "that picks each area's ballot (draft only)")
def configure_support_round(cycle: str, data: schemas_support.SupportRoundIn, app: App,
                            who: Admin) -> JSONResponse:
    """Residents support feasible proposals between review and voting; per area either the
    N most supported (all tied at the N-th place too) or all with at least a threshold of
    supports go on the ballot (docs/rules.md, ADR 0020). Replaces an earlier configuration."""
    done = app.execute(support_round.ConfigureSupportRound(cycle, data.model_dump(mode="json"),
                                                           who.actor))
    return respond(200, cycle_view(app.cycle(cycle), done.position))


@router.delete("/cycles/{cycle}/support-round", response_model=CycleOut, responses=WRITE,
               summary="Take the support round away: review goes straight to voting "
                       "(draft only)")
def remove_support_round(cycle: str, app: App, who: Admin) -> JSONResponse:
    """The cycle goes from review straight to voting again; 409 if it has no round."""
    done = app.execute(support_round.ConfigureSupportRound(cycle, None, who.actor))
    return respond(200, cycle_view(app.cycle(cycle), done.position))


def _support_response(app: App, proposal: str, who: Principal) -> JSONResponse:
    the_proposal = app.proposal(proposal)
    cycle = app.cycle(the_proposal.cycle_id)
    mine = support_round.supports_by_you(app, cycle, the_proposal, voter_of(who))
    return respond(200, schemas_support.SupportOut(
        proposal=the_proposal.id, supports=the_proposal.supports,
        supported_by_you=bool(mine)).model_dump(mode="json"))


@router.post("/proposals/{proposal}/support", response_model=schemas_support.SupportOut,
             responses=WRITE,
             summary="Support a feasible proposal (support round; once per resident)",
             description="A resident eligible to vote in the proposal's area supports it once; "
                         "a second support is refused (409). Only the count is public; the "
                         "support is stored under a pseudonym of its own.")
def support_proposal(proposal: str, request: Request, app: App, who: Resident, body: Body,
                     key: IdempotencyKey = None) -> JSONResponse:
    """While the support round is open, by a resident who may vote in the proposal's area."""
    return _change_support(support_round.SupportProposal, proposal, request, app, who, body,
                           key)


@router.delete("/proposals/{proposal}/support", response_model=schemas_support.SupportOut,
               responses=WRITE, summary="Withdraw one's support (while the round is open)")
def withdraw_support(proposal: str, request: Request, app: App, who: Resident, body: Body,
                     key: IdempotencyKey = None) -> JSONResponse:
    """While the support round is open; 409 if the resident does not support it."""
    return _change_support(support_round.WithdrawSupport, proposal, request, app, who, body,
                           key)


def _change_support(change: type[support_round.Supporting], proposal: str, request: Request,
                    app: Medborgarbudget, who: Principal, body: bytes,
                    key: str | None) -> JSONResponse:
    """The resident's support given or withdrawn, once per key; answers the count now."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        app.execute(change(proposal, voter_of(who)), keyed)
        return _support_response(app, proposal, who)

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles/{cycle}/supports", response_model=schemas_support.SupportCountsOut,
            responses=problems(401, 404),
            summary="Every proposal in the support round with its support now (or as counted "
                    "when the round closed, with its rank and whether it went on the ballot)")
def support_counts(cycle: str, app: App, _: Public) -> JSONResponse:
    """Open to everyone: the counts, never who supported."""
    the_cycle = app.cycle(cycle)
    return respond(200, schemas_support.SupportCountsOut(
        phase=the_cycle.phase.value,
        support_round=schemas_support.SupportRoundOut.model_validate(the_cycle.support_round)
        if the_cycle.support_round is not None else None,
        proposals=[schemas_support.SupportCountOut(
            proposal=UUID(row.proposal_id), area=row.area, title=row.title, supports=row.supports,
            on_ballot=row.on_ballot, rank=row.rank)
            for row in support_round.standings(app, the_cycle.id)],
    ).model_dump(mode="json"))


@router.get("/cycles/{cycle}/support-round/outcome",
            response_model=schemas_support.SupportOutcomeOut, responses=problems(401, 404, 409),
            summary="What closing the support round recorded: per area its rule, the proposals "
                    "on the ballot, and every proposal's supports and rank")
def support_outcome(cycle: str, app: App, _: Public) -> JSONResponse:
    """Open to everyone once the round closed (409 before): the recorded facts from which the
    ballot was made, so anyone can recompute it."""
    return respond(200, schemas_support.SupportOutcomeOut.model_validate(
        support_round.outcome(app, cycle)).model_dump(mode="json"))
