"""Proposals: residents submit, reviewers review and merge, administrators report progress."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from domain.errors import NotFound
from service import moderation
from service.api import formats, schemas
from service.api.auth import Principal, Role
from service.api.callers import WRITE, Admin, Body, Public, Resident, ResidentOrAdmin, Reviewer
from service.api.deps import (
    App,
    IdempotencyKey,
    Reached,
    idempotent,
    respond,
)
from service.api.finding import BadQuery, WantedProposals, found
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
from service.exports import proposals_table
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["proposals"])


def _proposal_response(app: App, proposal_id: object, status: int = 200,
                       position: int | None = None) -> JSONResponse:
    proposal = app.proposal(str(proposal_id))
    return respond(status, proposal_view(proposal, app.cycle(proposal.cycle_id).currency,
                                         position, moderation.hidden_reason(app, proposal.id)))


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
    """A resident's idea for an area while ideas are open. The proposer is kept only as a
    pseudonym and is never shown; `feedback_url` is the public page that follows the proposal."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        place = data.place.model_dump(exclude_none=True) if data.place else None
        done = app.execute(SubmitProposal(
            cycle, data.area, data.title, data.description, data.estimated_cost, data.category,
            who.subject, place,
        ), keyed)
        return _proposal_response(app, done.value, 201, done.position)

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles/{cycle}/proposals", response_model=schemas.ProposalList,
            responses={**problems(400, 401, 404), **formats.documented(
                schemas.ProposalList, "The proposals as JSON, or as CSV or XLSX with one row "
                                      "per proposal (docs/exports.md).")},
            summary="The proposals of the cycle with their status; search and filter them")
def list_proposals(cycle: str, request: Request, app: App, _: Public,
                   asked: WantedProposals, __: Reached,
                   format_: formats.FormatQuery = None) -> Response:
    """Every proposal with its costs, review, merge and progress. No proposer is shown.
    `?q=`, `?area=`, `?category=`, `?status=` and `?max_cost=` search and filter them as the
    proposals page does (docs/finding.md). `?format=csv` or `?format=xlsx` (or `Accept:
    text/csv` or the XLSX media type) gives the same fields as a file, one row per proposal
    (docs/exports.md)."""
    chosen = formats.chosen(format_, request.headers.get("accept"))
    the_cycle = app.cycle(cycle)
    try:
        proposals = found(app, request, cycle, asked)
    except BadQuery as refused:
        return refused.response()
    hidden = moderation.hidden_in_cycle(app, the_cycle.id)
    shown = [proposal_view(p, the_cycle.currency, hidden=hidden.get(str(p.id)))
             for p in proposals]
    if chosen == "json":
        return formats.varies(respond(200, {"proposals": shown}))
    return formats.table_response(proposals_table(shown, the_cycle.currency), chosen,
                                  the_cycle.name, the_cycle.id, "proposals")


@router.get("/proposals/{proposal}", response_model=schemas.ProposalOut,
            responses=problems(401, 404), summary="One proposal, with the reasons given")
def get_proposal(proposal: str, app: App, _: Public) -> JSONResponse:
    """The proposal with its status, official cost, the reasons given at each step and its
    progress reports."""
    return _proposal_response(app, proposal)


@router.post("/proposals/{proposal}/review", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Review: feasible with the official cost, or not and why")
def review_proposal(proposal: str, data: schemas.ReviewIn, request: Request, app: App,
                    who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """In review: feasible with the official cost, or not feasible with the reason the proposer
    and everyone will read."""
    return _then_proposal(app, key, who, request, body, proposal,
                          ReviewProposal(proposal, data.reason, who.actor,
                                         feasible=data.feasible,
                                         official_cost=data.official_cost))


@router.post("/proposals/{proposal}/merge", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Merge a proposal into another of the same area (review)")
def merge_proposal(proposal: str, data: schemas.MergeIn, request: Request, app: App,
                   who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """In review: folds the proposal into another of the same area, with the reason; the merged
    one leaves the ballot."""
    return _then_proposal(app, key, who, request, body, proposal,
                          MergeProposal(proposal, data.reason, who.actor, into=data.into))


@router.post("/proposals/{proposal}/undo-merge", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Undo a merge: the proposal stands on its own again, "
                                      "with the review it had (review)")
def undo_merge(proposal: str, data: schemas.UndoMergeIn, request: Request, app: App,
               who: Reviewer, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """In review: the merged proposal stands on its own again, with the review it had before the
    merge."""
    return _then_proposal(app, key, who, request, body, proposal,
                          UndoMerge(proposal, data.reason, who.actor))


@router.post("/proposals/{proposal}/withdraw", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Withdraw a proposal (its proposer, or an administrator)")
def withdraw_proposal(proposal: str, data: schemas.ReasonIn, request: Request, app: App,
                      who: ResidentOrAdmin, body: Body,
                      key: IdempotencyKey = None) -> JSONResponse:
    """In ideas or review: a resident withdraws their own proposal (another's is not found,
    404, so whose it is stays private), or an administrator withdraws any, with a reason."""
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
                          ReportProgress(proposal_id=proposal, percent=data.percent,
                                         note=data.note, spent=data.spent, actor=who.actor,
                                         explanation=data.explanation))


@router.post("/proposals/{proposal}/complete", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Record that a selected project is built")
def complete_proposal(proposal: str, data: schemas.CompletionIn, request: Request, app: App,
                      who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """A selected project is built, with the final amount spent (above the
    cost only with an explanation)."""
    return _then_proposal(app, key, who, request, body, proposal,
                          CompleteProposal(proposal_id=proposal, note=data.note,
                                           spent=data.spent, actor=who.actor,
                                           explanation=data.explanation))


@router.post("/proposals/{proposal}/abandon", response_model=schemas.ProposalOut,
             responses=WRITE, summary="Record that a selected project will not be built, and why")
def abandon_proposal(proposal: str, data: schemas.ReasonIn, request: Request, app: App,
                     who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """A selected project will not be built, with the reason residents will
    read."""
    return _then_proposal(app, key, who, request, body, proposal,
                          AbandonProposal(proposal, data.reason, who.actor))
