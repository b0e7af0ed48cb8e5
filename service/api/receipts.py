"""Storing a ballot and the receipt that answers it: one place for the API route and the lane."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse

from service.api import schemas
from service.api.auth import Principal
from service.application import Medborgarbudget, Voter

COUNTED = "Your ballot has been stored and will be counted."


def receipt(ballot: UUID, cycle: str, area: str, channel: str, position: int | None,
            status: int = 201) -> JSONResponse:
    # Called once the ballot is stored, so `cycle` named an existing cycle by its id.
    return RenderedJSON(schemas.BallotReceipt(
        ballot=ballot, cycle_id=UUID(cycle), area=area, channel=channel,
        message=COUNTED, position=position,
    ).model_dump_json().encode(), status_code=status)


def cast_digital_ballot(app: Medborgarbudget, cycle: str, data: schemas.BallotIn,
                        who: Principal) -> JSONResponse:
    """A resident's own ballot: stored, and answered with its receipt (201)."""
    ballot = app.cast_ballot(cycle, data.area, voter_of(who), data.selections, data.points)
    return receipt(ballot, cycle, data.area, "digital", app.last_position())


def voter_of(resident: Principal) -> Voter:
    return Voter(resident.subject, resident.birth_date, resident.residence)


class RenderedJSON(JSONResponse):
    """A JSON response whose body pydantic has already serialised (in compiled code, several
    times faster than `json.dumps` of a dumped model)."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else super().render(content)
