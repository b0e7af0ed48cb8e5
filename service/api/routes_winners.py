"""Who may be funded beyond the rule: proposals that exclude each other (set before voting), and
exceptions to the winners (a winner excluded after the count, or a proposal funded outside the
rule), each with a reason (ADR 0021)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service.api import schemas
from service.api.callers import WRITE, Admin, AdminOrReviewer, Body
from service.api.deps import App, IdempotencyKey, idempotent, respond
from service.api.views import cycle_view, results_view
from service.commands import AmendWinners, MarkIncompatible
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["cycles"])


@router.post("/cycles/{cycle}/winner-exceptions", status_code=201,
             response_model=schemas.ResultsOut, responses=WRITE,
             summary="Exclude a winner or fund a proposal outside the rule, with a reason "
                     "(results phase, before the adoption)")
def record_winner_exception(cycle: str, data: schemas.WinnerExceptionIn, request: Request,
                            app: App, who: Admin, body: Body, key: IdempotencyKey = None,
                            lang: Annotated[Literal["sv", "en"], Query(
                                description="The language of the reasons in words.")] = "en",
                            ) -> JSONResponse:
    """`exclude`: the rule is run again without the winner, so its money goes to the next
    proposals; `add`: the proposal is funded outside the rule and shown as such. Either is
    recorded once, with who, why and when, and answered with the recounted results."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        app.execute(AmendWinners(cycle, data.kind, data.proposal, data.reason, who.actor),
                    keyed)
        return respond(201, results_view(app.cycle(cycle), lang=lang))

    return idempotent(app, key, who, request, body, handle)


@router.post("/cycles/{cycle}/incompatibilities", status_code=201,
             response_model=schemas.CycleOut, responses=WRITE,
             summary="Mark two proposals of one area as excluding each other (before voting)")
def mark_incompatible(cycle: str, data: schemas.IncompatibleIn, request: Request, app: App,
                      who: AdminOrReviewer, body: Body,
                      key: IdempotencyKey = None) -> JSONResponse:
    """Every allocation rule then funds at most one of the two; the reason of the other says
    why. Draft, ideas, review or the support round only: residents vote knowing it."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        first, second = data.proposals
        done = app.execute(MarkIncompatible(cycle, first, second, data.reason, who.actor),
                           keyed)
        return respond(201, cycle_view(app.cycle(cycle), done.position))

    return idempotent(app, key, who, request, body, handle)
