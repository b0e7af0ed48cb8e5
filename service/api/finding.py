"""`GET /api/v1/cycles/{cycle}/proposals?q=&area=&category=&status=&max_cost=`: the same
parameters as the proposals page (service/proposal_search.py), answered from the search read
model (ADR 0023). Without any of them the list is what it always was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from domain.errors import InvalidInput
from domain.proposal import Proposal
from service.api.problems import problem
from service.application import Medborgarbudget
from service.proposal_search import cycle_terms, parse_filter
from service.read_models import ReadModels

# Declared loosely on purpose: a bad value is refused by parse_filter with a 400 that names
# it, where FastAPI's own checks would answer 422.
_Q = Query(description="Words to search for in the title and description "
                                     "(at most 200 characters); the best match first.")
_AREA = Query(description="Only this area (its id).")
_CATEGORY = Query(description="Only this category (its id).")
_STATUS = Query(description="Only this status, e.g. `feasible`.")
_MAX_COST = Query(description="Only proposals costing at most this, in whole "
                                            "units of the cycle's currency (`250000`, "
                                            "`31666.67`).")
_MAX_COST_MINOR = Query(description="`max_cost` in minor units (öre).")


@dataclass(frozen=True)
class Wanted:
    q: str | None = None
    area: str | None = None
    category: str | None = None
    status: str | None = None
    max_cost: str | None = None
    max_cost_minor: str | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in vars(self).values())


def wanted(q: Annotated[str | None, _Q] = None, area: Annotated[str | None, _AREA] = None,
           category: Annotated[str | None, _CATEGORY] = None,
           status: Annotated[str | None, _STATUS] = None,
           max_cost: Annotated[str | None, _MAX_COST] = None,
           max_cost_minor: Annotated[str | None, _MAX_COST_MINOR] = None) -> Wanted:
    return Wanted(q, area, category, status, max_cost, max_cost_minor)


WantedProposals = Annotated[Wanted, Depends(wanted)]


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
        condition = parse_filter(vars(asked), cycle_terms(
            cycle.areas, [c.to_dict() for c in cycle.categories]))
    except InvalidInput as error:
        raise BadQuery(error) from None
    read_models: ReadModels = request.app.state.read_models
    return [app.proposal(i) for i in read_models.store.search_proposals(str(cycle.id),
                                                                        condition)]
