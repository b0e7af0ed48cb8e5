"""Ballots: residents vote digitally; at a voting station an official marks the voter in the
roll, and the box's ballots are entered later without identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from domain.receipts import normalised_code, receipt_digest
from service.api import schemas
from service.api.auth import Principal
from service.api.callers import WRITE, Body, Official, Resident
from service.api.deps import (
    App,
    IdempotencyKey,
    Reached,
    idempotent,
    public,
    respond,
)
from service.api.openapi import problems
from service.api.receipts import cast_digital_ballot, receipt, voter_of
from service.ballot_intake import BoxBallot, ChangeBallot, EnterPaperBallots, MarkInRoll, Voter
from service.read_models import ReadModels
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["ballots"])


@router.post("/cycles/{cycle}/ballots", status_code=201, response_model=schemas.BallotReceipt,
             responses=WRITE, summary="Cast your ballot in one area (voting phase)")
def cast_ballot(cycle: str, data: schemas.BallotIn, request: Request, app: App, who: Resident,
                body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """The resident's one ballot in `area` while the cycle votes: the token's identity must be
    eligible there (age, residence) and is reduced to a pseudonym that never leaves the ballot
    store. The answer is the receipt code to check later with `GET .../receipts/{code}`; a
    second ballot in the area, in any channel, is refused (409)."""
    return idempotent(app, key, who, request, body,
                      lambda keyed: cast_digital_ballot(app, cycle, data, who, keyed),
                      answers_itself=True)


@router.put("/cycles/{cycle}/ballots/{area}", response_model=schemas.BallotReceipt,
            responses=WRITE, summary="Change your ballot before voting closes, if allowed")
def change_ballot(cycle: str, area: str, data: schemas.BallotChangeIn, app: App,
                  who: Resident) -> JSONResponse:
    """Replaces the resident's ballot in `area` with new choices while voting is open, if the
    cycle allows ballot changes (409 otherwise). The first receipt code still proves the ballot
    is included."""
    outcome = app.ballots.change(ChangeBallot(cycle, area, voter_of(who), data.selections,
                                              data.points))
    return receipt(outcome, status=200)


@router.post("/cycles/{cycle}/roll-marks", status_code=201, response_model=schemas.RollMarkOut,
             responses=WRITE, summary="Mark a paper voter in a station's roll (voting phase)",
             description="The voter's identity is checked and reduced to a pseudonym; the mark "
                         "takes their one ballot in the area, so it is refused (409) if they "
                         "have voted there in any channel, and their later digital ballot is "
                         "refused too. Their choices are never sent with it.")
def mark_in_roll(cycle: str, data: schemas.RollMarkIn, request: Request, app: App,
                 who: Official, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    voter = Voter(data.voter.identity, data.voter.birth_date, data.voter.residence,
                  data.voter.works_in)

    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        marked = app.ballots.mark_in_roll(MarkInRoll(cycle, data.area, data.station, voter),
                                          keyed)
        return respond(201, schemas.RollMarkOut(
            cycle_id=marked.cycle_id, area=marked.area, station=marked.station,
            message="The voter is marked in the roll and may put their ballot in the box.",
            position=marked.position).model_dump(mode="json"))

    return idempotent(app, key, who, request, body, handle)


@router.post("/cycles/{cycle}/paper-ballots", status_code=201,
             response_model=schemas.PaperBallotsOut, responses=WRITE,
             summary="Enter a station's box of paper ballots (voting and counting)",
             description="Without identity. Refused (409) if the station would have more "
                         "ballots in the area than voters it marked in the roll.")
def enter_paper_ballots(cycle: str, data: schemas.PaperBallotsIn, request: Request, app: App,
                        who: Official, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    box = [BoxBallot(b.selections, b.points) for b in data.ballots]

    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        entered = app.ballots.enter_paper_ballots(
            EnterPaperBallots(cycle, data.area, data.station, box, who.actor), keyed)
        return respond(201, schemas.PaperBallotsOut(
            cycle_id=entered.cycle_id, area=entered.area, station=entered.station,
            entered=entered.entered, position=entered.position).model_dump(mode="json"))

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles/{cycle}/receipts/{code}", response_model=schemas.ReceiptCheck,
            responses=problems(404, 422), tags=["ballots"],
            summary="Check that the ballot with this receipt code is stored and counted",
            description="Open to everyone: the code shows nothing of the vote or the voter.")
def check_receipt(cycle: str, code: str, request: Request, app: App,
                  _: Annotated[Principal | None, Depends(public)],
                  position: Reached) -> JSONResponse:
    the_cycle = app.cycle(cycle)
    code = normalised_code(code)
    read_models: ReadModels = request.app.state.read_models
    stored = read_models.store.receipt_stored(str(the_cycle.id), receipt_digest(code))
    counted = stored and the_cycle.results is not None
    return respond(200, schemas.ReceiptCheck(cycle_id=the_cycle.id, receipt=code,
                                             stored=stored, counted=counted)
                   .model_dump(mode="json"))
