"""Ballots: residents vote digitally; officials register paper ballots from voting stations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from service.api import schemas
from service.api.auth import Principal, Role
from service.api.deps import App, IdempotencyKey, idempotent, raw_body, require
from service.api.openapi import problems
from service.api.receipts import cast_digital_ballot, receipt, voter_of
from service.application import Voter

router = APIRouter(prefix="/api/v1", tags=["ballots"])
Resident = Annotated[Principal, Depends(require(Role.RESIDENT))]
Official = Annotated[Principal, Depends(require(Role.OFFICIAL))]
Body = Annotated[bytes, Depends(raw_body)]
WRITE = problems(401, 403, 404, 409, 422)


@router.post("/cycles/{cycle}/ballots", status_code=201, response_model=schemas.BallotReceipt,
             responses=WRITE, summary="Cast your ballot in one area (voting phase)")
def cast_ballot(cycle: str, data: schemas.BallotIn, request: Request, app: App, who: Resident,
                body: Body, key: IdempotencyKey = None) -> JSONResponse:
    return idempotent(app, key, who, request, body,
                      lambda: cast_digital_ballot(app, cycle, data, who))


@router.put("/cycles/{cycle}/ballots/{area}", response_model=schemas.BallotReceipt,
            responses=WRITE, summary="Change your ballot before voting closes, if allowed")
def change_ballot(cycle: str, area: str, data: schemas.BallotChangeIn, app: App,
                  who: Resident) -> JSONResponse:
    ballot = app.change_ballot(cycle, area, voter_of(who), data.selections, data.points)
    return receipt(ballot, cycle, area, "digital", app.last_position(), status=200)


@router.post("/cycles/{cycle}/paper-ballots", status_code=201,
             response_model=schemas.BallotReceipt, responses=WRITE,
             summary="Register a paper ballot from a voting station (voting and counting)")
def register_paper_ballot(cycle: str, data: schemas.PaperBallotIn, request: Request, app: App,
                          who: Official, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    voter = Voter(data.voter.identity, data.voter.birth_date, data.voter.residence)

    def handle() -> JSONResponse:
        ballot = app.cast_ballot(cycle, data.area, voter, data.selections, data.points,
                                 channel="paper", station=data.station)
        return receipt(ballot, cycle, data.area, "paper", app.last_position())

    return idempotent(app, key, who, request, body, handle)
