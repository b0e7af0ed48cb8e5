"""Proposals: residents submit, reviewers review and merge, administrators report progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from domain.errors import NotFound
from service.api import schemas
from service.api.auth import Principal, Role
from service.api.deps import App, IdempotencyKey, idempotent, public, raw_body, require, respond
from service.api.openapi import problems
from service.api.views import proposal_view
from service.commands import (
    AbandonProposal,
    Command,
    CompleteProposal,
    MergeProposal,
    ReportProgress,
    ReviewProposal,
    SubmitProposal,
    UndoMerge,
    WithdrawProposal,
)
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["proposals"])
Resident = Annotated[Principal, Depends(require(Role.RESIDENT))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
ResidentOrAdmin = Annotated[Principal, Depends(require(Role.RESIDENT, Role.ADMIN))]
Public = Annotated[Principal | None, Depends(public)]
Body = Annotated[bytes, Depends(raw_body)]
WRITE = problems(401, 403, 404, 409, 422)


def _proposal_response(app: App, proposal_id: object, status: int = 200,
                       position: int | None = None) -> JSONResponse:
    proposal = app.proposal(str(proposal_id))
    return respond(status, proposal_view(proposal, app.cycle(proposal.cycle_id).currency,
                                         position))


def _then_proposal(app: App, key: str | None, who: Principal, request: Request, body: bytes,
                   proposal: str, command: Command[None]) -> JSONResponse:
    """Run a command on a proposal once per idempotency key; answer with the proposal."""

    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        done = app.execute(command, keyed)
        return _proposal_response(app, proposal, position=done.position)

    return idempotent(app, key, who, request, body, handle)



@router.post("/cycles/{cycle}/proposals", status_code=201, response_model=schemas.ProposalOut,
             responses=WRITE, summary="Submit a proposal (ideas phase)")
def submit_proposal(cycle: str, data: schemas.ProposalIn, request: Request, app: App,
                    who: Resident, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        place = data.place.model_dump(exclude_none=True) if data.place else None
        done = app.execute(SubmitProposal(
            cycle, data.area, data.title, data.description, data.estimated_cost, data.category,
            who.subject, place,
        ), keyed)
        return _proposal_response(app, done.value, 201, done.position)

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles/{cycle}/proposals", response_model=schemas.ProposalList,
            responses=problems(401, 404), summary="Every proposal of the cycle with its status")
def list_proposals(cycle: str, app: App, _: Public) -> JSONResponse:
    currency = app.cycle(cycle).currency
    return respond(200, {"proposals": [proposal_view(p, currency)
                                       for p in app.proposals(cycle)]})


@router.get("/proposals/{proposal}", response_model=schemas.ProposalOut,
            responses=problems(401, 404), summary="One proposal, with the reasons given")
def get_proposal(proposal: str, app: App, _: Public) -> JSONResponse:
    return _proposal_response(app, proposal)


@router.post("/proposals/{proposal}/review", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Review: feasible with the official cost, or not and why")
def review_proposal(proposal: str, data: schemas.ReviewIn, request: Request, app: App,
                    who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          ReviewProposal(proposal, data.feasible, data.official_cost,
                                         data.reason, who.actor))


@router.post("/proposals/{proposal}/merge", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Merge a proposal into another of the same area (review)")
def merge_proposal(proposal: str, data: schemas.MergeIn, request: Request, app: App,
                   who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          MergeProposal(proposal, data.into, data.reason, who.actor))


@router.post("/proposals/{proposal}/undo-merge", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Undo a merge: the proposal stands on its own again, "
                                      "with the review it had (review)")
def undo_merge(proposal: str, data: schemas.UndoMergeIn, request: Request, app: App,
               who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          UndoMerge(proposal, data.reason, who.actor))


@router.post("/proposals/{proposal}/withdraw", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Withdraw a proposal (its proposer, or an administrator)")
def withdraw_proposal(proposal: str, data: schemas.ReasonIn, request: Request, app: App,
                      who: ResidentOrAdmin, body: Body,
                      key: IdempotencyKey = None) -> JSONResponse:
    if who.role is Role.RESIDENT:
        the_proposal = app.proposal(proposal)
        if the_proposal.proposer != app.proposer_pseudonym(who.subject):
            # Not "forbidden": whose proposal it is stays private.
            raise NotFound(f"You have no proposal '{proposal}'.")

    return _then_proposal(app, key, who, request, body, proposal,
                          WithdrawProposal(proposal, data.reason, who.actor))


@router.post("/proposals/{proposal}/progress", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Report implementation progress of a selected project",
             description="`percent` is the share of the work done, 0 to 100 and never less "
                         "than before (a report of 100 % keeps the project in progress until "
                         "it is completed); `spent` the money spent so far (or `spent_minor` "
                         "in öre), never less than before nor above the cost unless "
                         "`explanation` says why (a correction, an overrun).")
def report_progress(proposal: str, data: schemas.ProgressIn, request: Request, app: App,
                    who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          ReportProgress(proposal, data.percent, data.note, data.spent,
                                         who.actor, data.explanation))


@router.post("/proposals/{proposal}/complete", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Record that a selected project is built")
def complete_proposal(proposal: str, data: schemas.CompletionIn, request: Request, app: App,
                      who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          CompleteProposal(proposal, data.note, data.spent, who.actor,
                                           data.explanation))


@router.post("/proposals/{proposal}/abandon", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Record that a selected project will not be built, and why")
def abandon_proposal(proposal: str, data: schemas.ReasonIn, request: Request, app: App,
                     who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return _then_proposal(app, key, who, request, body, proposal,
                          AbandonProposal(proposal, data.reason, who.actor))
