"""What the municipality takes away from a cycle: an area's election as a Pabulib file, and the
cycle compared with its predecessors. (Results and proposals as CSV and XLSX are `?format=` on
their own reads.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from domain.errors import Conflict, NotFound
from domain.pabulib import format_pabulib
from service import comparison
from service.api.callers import Auditor, Public
from service.api.comparison_schemas import ComparisonOut, comparison_out
from service.api.deps import App, Reached, respond
from service.api.formats import download, file_name
from service.api.openapi import problems
from service.pabulib_cycles import export_area
from service.read_models import ReadModels

router = APIRouter(prefix="/api/v1", tags=["exports"])
PABULIB = "text/plain"


@router.get(
    "/cycles/{cycle}/areas/{area}/pabulib", responses={
        **problems(401, 403, 404, 409),
        200: {"description": "The area's election as a Pabulib file (pabulib.org): its META, "
                             "projects and ballots (voters numbered 1..N, never named), the "
                             "file `medborgarbudget pabulib export` writes.",
              "content": {PABULIB: {"schema": {"type": "string"}}}}},
    summary="Download an area's election as a Pabulib file (once voting has closed)",
    description="Only once voting has closed: while residents vote, nobody reads what the "
                "ballots say (409 names the phase). Projects are the proposals on the ballot, "
                "with their cost and votes and, once results are published, whether they were "
                "selected. An area imported from a Pabulib file goes out as that file.")
def pabulib_file(cycle: str, area: str, app: App, _: Auditor) -> Response:
    the_cycle = app.cycle(cycle)
    the_cycle.area(area)  # 404 for an area the cycle does not have
    if the_cycle.phase_entered_at_trigger("close_voting") is None:
        raise Conflict(f"The ballots are read only once voting has closed; the cycle is in "
                       f"phase '{the_cycle.phase.value}'.")
    text = format_pabulib(export_area(app, the_cycle.id, area))
    return download(text.encode("utf-8"), f"{PABULIB}; charset=utf-8",
                    file_name(the_cycle.name, the_cycle.id, area, "pb"))


@router.get(
    "/cycles/{cycle}/comparison", response_model=ComparisonOut, responses=problems(401, 404),
    summary="The cycle compared with its predecessors, in total and per budget pot",
    description="What the cycle page shows under \"Compared with earlier years\", per cycle of "
                "the chain (newest first) and per pot: budget, proposals, ballots (turnout), "
                "selected, built and spent. Areas are matched across the years by id, else by "
                "name (docs/exports.md). From the read models: `?position=` waits for a write.")
def get_comparison(cycle: str, request: Request, _: Public,
                   position: Reached) -> JSONResponse:
    read_models: ReadModels = request.app.state.read_models
    doc = read_models.store.cycle(cycle)
    if doc is None:
        raise NotFound(f"No cycle '{cycle[:60]}'.")
    chain = comparison.lineage(read_models.store, doc)
    shown = comparison_out(doc["id"], chain, comparison.pots(chain))
    return respond(200, shown.model_dump(mode="json"))
