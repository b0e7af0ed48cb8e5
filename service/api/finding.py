"""`GET /api/v1/cycles/{cycle}/proposals?q=&area=&category=&status=&max_cost=`: the same
parameters as the proposals page (service/proposal_search.py), answered from the search read
model (ADR 0023). Without any of them the list is what it always was."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from domain.errors import InvalidInput
from domain.proposal import Proposal
from service.api.problems import problem
from service.application import Medborgarbudget
from service.proposal_search import cycle_terms, parse_filter
from service.read_models import ReadModels


class Wanted(BaseModel):
    """The proposals asked for, as given. Declared loosely on purpose: a bad value is refused
    by parse_filter with a 400 that names it, where FastAPI's own checks would answer 422."""

    q: str | None = Field(None, description="Words to search for in the title and description "
                                            "(at most 200 characters); the best match first.")
    area: str | None = Field(None, description="Only this area (its id).")
    category: str | None = Field(None, description="Only this category (its id).")
    status: str | None = Field(None, description="Only this status, e.g. `feasible`.")
    max_cost: str | None = Field(None, description="Only proposals costing at most this, in "
                                                   "whole units of the cycle's currency "
                                                   "(`250000`, `31666.67`).")
    max_cost_minor: str | None = Field(None, description="`max_cost` in minor units (öre).")

    @property
    def any(self) -> bool:
        return any(v is not None for v in self.model_dump().values())


WantedProposals = Annotated[Wanted, Query()]


class BadQuery(Exception):
    def __init__(self, error: InvalidInput) -> None:
        super().__init__(error.message)
        self.error = error

    def response(self) -> JSONResponse:
        return problem(400, "Invalid query parameter", self.error.message,
                       field=self.error.field)


def found(app: Medborgarbudget, request: Request, cycle_id: str,
          asked: Wanted) -> list[Proposal]:
    """The cycle's proposals `asked` for, in the order to show them; raises BadQuery."""
    cycle = app.cycle(cycle_id)
    if not asked.any:
        return app.proposals(cycle_id)
    try:
        condition = parse_filter(asked.model_dump(), cycle_terms(
            cycle.areas, [c.to_dict() for c in cycle.categories]))
    except InvalidInput as error:
        raise BadQuery(error) from None
    read_models: ReadModels = request.app.state.read_models
    return [app.proposal(i) for i in read_models.store.search_proposals(str(cycle.id),
                                                                        condition)]
