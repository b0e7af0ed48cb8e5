"""Storing a resident's ballot and the receipt that answers it: one place for the API route and
the lane (and the answer a keyed request keeps)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from service.api import schemas
from service.api.auth import Principal
from service.application import Medborgarbudget
from service.ballot_intake import BallotStored, CastBallot, Voter
from service.recorders import IdempotencyRecord

COUNTED = "Your ballot has been stored and will be counted."
CHANGED = "Your ballot has been changed; your first receipt code still holds."


def receipt_body(outcome: BallotStored) -> bytes:
    return schemas.BallotReceipt(
        receipt=outcome.receipt, cycle_id=outcome.cycle_id, area=outcome.area,
        message=COUNTED if outcome.receipt is not None else CHANGED,
        position=outcome.position,
    ).model_dump_json().encode()


def receipt(outcome: BallotStored, status: int = 201) -> JSONResponse:
    return RenderedJSON(receipt_body(outcome), status_code=status)


def cast_command(cycle: str, data: schemas.BallotIn, who: Principal) -> CastBallot:
    return CastBallot(cycle, data.area, voter_of(who), data.selections, data.points)


def cast_digital_ballot(app: Medborgarbudget, cycle: str, data: schemas.BallotIn,
                        who: Principal, keyed: IdempotencyRecord | None = None) -> JSONResponse:
    """A resident's own ballot: stored, and answered with its receipt (201); with `keyed`, the
    answer is kept with the request's idempotency record in the ballot's transaction."""
    outcome = app.ballots.cast(cast_command(cycle, data, who), keyed,
                               lambda stored: (201, receipt_body(stored)))
    return receipt(outcome)


def voter_of(resident: Principal) -> Voter:
    return Voter(resident.subject, resident.birth_date, resident.residence, resident.works_in)


class RenderedJSON(JSONResponse):
    """A JSON response whose body pydantic has already serialised (in compiled code, several
    times faster than `json.dumps` of a dumped model)."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)
