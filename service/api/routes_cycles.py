"""Budget cycles: creating and configuring them, moving them through the phases, the results."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from domain.errors import Conflict
from service import moderation
from service.api import formats, schemas
from service.api.callers import WRITE, Admin, Auditor, Body, Public
from service.api.deps import (
    App,
    IdempotencyKey,
    Reached,
    idempotent,
    respond,
)
from service.api.openapi import problems
from service.api.views import cycle_view, hidden_notice, results_view
from service.audit_export import events_page, export_lines
from service.commands import (
    AddArea,
    ChangeArea,
    Command,
    CreateCycle,
    FireTrigger,
    RecordAdoption,
    RecordDecision,
    RecordEvaluation,
    RemoveArea,
    SetAllocationRule,
    SetCategories,
    SetPotCap,
    SetTimeline,
    SetVotingRule,
)
from service.exports import results_table
from service.read_models import ReadModels
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["cycles"])


def _cycle_response(app: App, cycle_id: str | UUID, status: int = 200,
                    position: int | None = None) -> JSONResponse:
    return respond(status, cycle_view(app.cycle(cycle_id), position))


def _after(app: App, command: Command[Any], cycle_id: str | UUID) -> JSONResponse:
    """Run a command on the cycle; answer with the cycle and where the command wrote."""
    return _cycle_response(app, cycle_id, position=app.execute(command).position)


@router.post("/cycles", status_code=201, response_model=schemas.CycleOut,
             responses=problems(401, 403, 422), summary="Create a budget cycle (in draft)")
def create_cycle(data: schemas.CycleIn, request: Request, app: App, who: Admin, body: Body,
                 key: IdempotencyKey = None) -> JSONResponse:
    """A new cycle in draft with its name, municipality and currency (SEK unless given).
    Decision, areas, rules and timeline are set with the other draft operations before ideas may
    open."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        done = app.execute(CreateCycle(data.name, data.municipality, who.actor,
                                       currency=data.currency), keyed)
        return _cycle_response(app, done.value, 201, done.position)

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles", response_model=schemas.CycleList, responses=problems(401),
            summary="List all budget cycles")
def list_cycles(app: App, _: Public) -> JSONResponse:
    """Every cycle with its phase and configuration."""
    return respond(200, {"cycles": [cycle_view(app.cycle(i)) for i in app.cycle_ids()]})


@router.get("/cycles/{cycle}", response_model=schemas.CycleOut, responses=problems(401, 404),
            summary="One budget cycle: phase, configuration and phase history")
def get_cycle(cycle: str, app: App, _: Public) -> JSONResponse:
    """The cycle's phase (also in Swedish), configuration, phase history with each change's
    reason, and its decision, adoption and evaluation records."""
    return _cycle_response(app, cycle)


@router.post("/cycles/{cycle}/successor", status_code=201, response_model=schemas.CycleOut,
             responses=WRITE, summary="Create next year's cycle, copying this configuration")
def create_successor(cycle: str, data: schemas.SuccessorIn, request: Request, app: App,
                     who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """Next year's cycle, in draft, with this cycle's areas and rules copied and linked to it as
    its predecessor (the comparison follows that link). Only once per cycle and not from a
    draft."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        previous = app.cycle(cycle)
        done = app.execute(CreateCycle(data.name, previous.municipality, who.actor,
                                       previous.id), keyed)
        return _cycle_response(app, done.value, 201, done.position)

    return idempotent(app, key, who, request, body, handle)


@router.put("/cycles/{cycle}/decision", response_model=schemas.CycleOut, responses=WRITE,
            summary="Record the political decision (draft only)")
def record_decision(cycle: str, data: schemas.AssemblyRecordIn, app: App,
                    who: Admin) -> JSONResponse:
    """The assembly's decision that sets up the cycle (body, date, reference); opening ideas
    needs it."""
    return _after(app, RecordDecision(cycle, data.body, data.date.isoformat(), data.reference,
                                      who.actor), cycle)


@router.post("/cycles/{cycle}/areas", status_code=201, response_model=schemas.CycleOut,
             responses=WRITE, summary="Add an area (budget pot) to the cycle (draft only)")
def add_area(cycle: str, data: schemas.AreaIn, request: Request, app: App, who: Admin,
             body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """An area: a territorial pot (residents of a place) or a group pot (by age), with its
    budget and, if it differs from the cycle's, its own voting and allocation rule. Ids are
    unique in the cycle."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        done = app.execute(AddArea(cycle, data.model_dump(mode="json"), who.actor), keyed)
        return _cycle_response(app, cycle, 201, done.position)

    return idempotent(app, key, who, request, body, handle)


@router.put("/cycles/{cycle}/areas/{area}", response_model=schemas.CycleOut, responses=WRITE,
            summary="Change an area (draft only)")
def change_area(cycle: str, area: str, data: schemas.AreaIn, app: App,
                who: Admin) -> JSONResponse:
    """Replaces the area's configuration; the body's `id` must be the path's."""
    if data.id != area:
        raise Conflict(f"The body names area '{data.id}' but the path names '{area}'.")
    return _after(app, ChangeArea(cycle, data.model_dump(mode="json"), who.actor), cycle)


@router.delete("/cycles/{cycle}/areas/{area}", response_model=schemas.CycleOut,
               responses=WRITE, summary="Remove an area (draft only)")
def remove_area(cycle: str, area: str, app: App, who: Admin) -> JSONResponse:
    """Removes the area while the cycle is in draft."""
    return _after(app, RemoveArea(cycle, area, who.actor), cycle)


@router.put("/cycles/{cycle}/voting-rule", response_model=schemas.CycleOut, responses=WRITE,
            summary="Choose how residents fill in their ballots (draft only)")
def set_voting_rule(cycle: str, data: schemas.VotingRuleIn, app: App,
                    who: Admin) -> JSONResponse:
    """How residents fill in ballots (approval with a number of choices, a knapsack within the
    budget, cumulative points, or a ranking), and whether they may change their ballot while
    voting is open."""
    rule = data.model_dump(exclude={"allow_ballot_changes"})
    return _after(app, SetVotingRule(cycle, rule, who.actor, data.allow_ballot_changes), cycle)


@router.put("/cycles/{cycle}/allocation-rule", response_model=schemas.CycleOut,
            responses=WRITE, summary="Choose the published rule that picks the winners")
def set_allocation_rule(cycle: str, data: schemas.AllocationRuleIn, app: App,
                        who: Admin) -> JSONResponse:
    """The published rule that turns ballots into winners (greedy, with a score threshold,
    method of equal shares, ...); docs/rules.md explains each. Draft only."""
    return _after(app, SetAllocationRule(cycle, data.rule, who.actor, data.threshold), cycle)


@router.put("/cycles/{cycle}/timeline", response_model=schemas.CycleOut, responses=WRITE,
            summary="Set the planned start date of each phase (draft only)")
def set_timeline(cycle: str, data: schemas.TimelineIn, app: App, who: Admin) -> JSONResponse:
    """The planned start date of each phase, shown to residents; the phases change only when an
    administrator fires a trigger."""
    timeline = {k: v.isoformat() for k, v in data.model_dump(exclude_none=True).items()}
    return _after(app, SetTimeline(cycle, timeline, who.actor), cycle)


@router.put("/cycles/{cycle}/categories", response_model=schemas.CycleOut, responses=WRITE,
            summary="Set the categories a proposal is chosen under (draft only)",
            description="Replaces the list; an empty list makes the category free text again. "
                        "Proposals are filtered by category id (`?category=`).")
def set_categories(cycle: str, data: schemas.CategoriesIn, app: App,
                   who: Admin) -> JSONResponse:
    return _after(app, SetCategories(cycle, [c.model_dump() for c in data.categories],
                                     who.actor), cycle)


@router.put("/cycles/{cycle}/pot-cap", response_model=schemas.CycleOut, responses=WRITE,
            summary="Cap the pots one resident may vote in (draft only)")
def set_pot_cap(cycle: str, data: schemas.PotCapIn, app: App, who: Admin) -> JSONResponse:
    """At most `max_pots` of the cycle's areas per resident, not counting the `uncounted`
    ones (ADR 0025). A ballot or roll mark beyond the cap is refused with 409 naming the pots
    the resident already voted in, never their choices."""
    return _after(app, SetPotCap(cycle, data.model_dump(), who.actor), cycle)


@router.delete("/cycles/{cycle}/pot-cap", response_model=schemas.CycleOut, responses=WRITE,
               summary="Remove the cap on pots per voter (draft only)")
def remove_pot_cap(cycle: str, app: App, who: Admin) -> JSONResponse:
    """Every resident may again vote in every area they are eligible for; 409 when the
    cycle has no cap."""
    return _after(app, SetPotCap(cycle, None, who.actor), cycle)


@router.put("/cycles/{cycle}/adoption", response_model=schemas.CycleOut, responses=WRITE,
            summary="Record the assembly's adoption of the results (results phase)")
def record_adoption(cycle: str, data: schemas.AssemblyRecordIn, app: App,
                    who: Admin) -> JSONResponse:
    """The assembly's adoption of the published results (body, date, reference); the `adopt`
    trigger needs it."""
    return _after(app, RecordAdoption(cycle, data.body, data.date.isoformat(), data.reference,
                                      who.actor), cycle)


@router.put("/cycles/{cycle}/evaluation", response_model=schemas.CycleOut, responses=WRITE,
            summary="Record the evaluation report, or revise it with a reason (evaluation phase)",
            description="A report recorded already is replaced only by a revision that gives "
                        "`reason`; the revision keeps the earlier `participants` and `url` "
                        "unless it gives new ones, and every version stays in "
                        "`evaluation_history`. `url` must be an http(s) address.")
def record_evaluation(cycle: str, data: schemas.EvaluationIn, app: App,
                      who: Admin) -> JSONResponse:
    return _after(app, RecordEvaluation(cycle, data.report, who.actor, data.participants,
                                        data.url, data.reason), cycle)


@router.get("/cycles/{cycle}/transitions", response_model=schemas.TransitionsOut,
            responses=problems(401, 404),
            summary="The triggers allowed now, and why each other one would be refused")
def list_transitions(cycle: str, app: App, _: Public) -> JSONResponse:
    """For every trigger: where it leads, whether it is allowed now and, if not, each reason it
    would be refused (a guard, or the phase)."""
    statuses = app.transitions(cycle)
    return respond(200, schemas.TransitionsOut(
        phase=app.cycle(cycle).phase.value,
        allowed=[s.trigger for s in statuses if s.allowed],
        triggers=[schemas.TriggerOut(trigger=s.trigger, destination=s.destination.value,
                                     allowed=s.allowed, refusals=list(s.refusals))
                  for s in statuses],
    ).model_dump(mode="json"))


@router.post("/cycles/{cycle}/transitions", response_model=schemas.CycleOut, responses=WRITE,
             summary="Fire a trigger (publish_results computes and records the tally)")
def fire_transition(cycle: str, data: schemas.TransitionIn, request: Request, app: App,
                    who: Admin, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """Moves the cycle to the trigger's phase with the reason given, or refuses (409) naming the
    phase and the triggers allowed now. `publish_results` counts the ballots by the published
    rule and records the results."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        done = app.execute(FireTrigger(cycle, data.trigger, who.actor, data.reason), keyed)
        return _cycle_response(app, cycle, position=done.position)

    return idempotent(app, key, who, request, body, handle)


@router.get("/cycles/{cycle}/results", response_model=schemas.ResultsOut,
            responses={**problems(401, 404, 409), **formats.documented(
                schemas.ResultsOut, "The results as JSON, or as CSV or XLSX with one row per "
                                    "proposal counted in each area (docs/exports.md).")},
            summary="Published results: winners, every proposal's score and reason, and the "
                    "head of the cycle's audit chain now and when they were published")
def get_results(cycle: str, request: Request, app: App, _: Public, position: Reached,
                format_: formats.FormatQuery = None,
                lang: Annotated[Literal["sv", "en"], Query(
                    description="The language of the reasons in words.")] = "en",
                ) -> Response:
    """Readable only once published (409 while voting and counting, naming the phase): ballots
    are secret until voting has closed. `?format=csv` or `?format=xlsx` (or `Accept: text/csv`
    or the XLSX media type) gives the same fields as a file to download, one row per proposal
    counted (docs/exports.md). `?lang=sv` words the reasons in Swedish (else English)."""
    chosen = formats.chosen(format_, request.headers.get("accept"))
    the_cycle = app.cycle(cycle)
    if the_cycle.results is None:
        raise Conflict(f"No results are published yet; the cycle is in phase "
                       f"'{the_cycle.phase.value}'.")
    # The heads come from the read models, which chain every event as they fold it
    # (projections/fold.py); `position` waits until they include a write.
    read_models: ReadModels = request.app.state.read_models
    folded = read_models.store.cycle(str(the_cycle.id))
    shown = results_view(the_cycle, folded.get("audit") if folded is not None else None, lang)
    if chosen == "json":
        return formats.varies(respond(200, shown))
    hidden = moderation.hidden_in_cycle(app, the_cycle.id)
    titles = {str(p.id): p.title if str(p.id) not in hidden else hidden_notice(hidden[str(p.id)])
              for p in app.proposals(the_cycle.id)}
    return formats.table_response(results_table(shown, titles), chosen, the_cycle.name,
                                  the_cycle.id, "results")


@router.get("/cycles/{cycle}/export", tags=["audit"], responses={
    **problems(401, 403, 404),
    200: {"description": "The cycle's complete history as hash-chained JSON Lines, verifiable "
                         "with `medborgarbudget audit verify FILE`.",
          "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
    summary="Download the audit export of the cycle")
def download_export(cycle: str, app: App, _: Auditor) -> StreamingResponse:
    """Every event of the cycle as hash-chained JSON Lines with a manifest: the auditor's copy,
    verifiable offline. Exported while voting is open, ballots come without their content."""
    the_cycle = app.cycle(cycle)
    return StreamingResponse(
        export_lines(app, the_cycle.id), media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="audit-{the_cycle.id}.jsonl"'})


@router.get("/cycles/{cycle}/events", response_model=schemas.EventsPage,
            responses=problems(401, 403, 404), tags=["audit"],
            summary="The cycle's event history in store order, for auditors")
def list_events(cycle: str, app: App, _: Auditor,
                after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> JSONResponse:
    """The cycle's events as auditors read them, a page at a time (`after` the last position
    seen, `limit` per page)."""
    # While the cycle votes, ballot events come without their content, for every role.
    events, next_after, interim = events_page(app, cycle, after, limit)
    page: dict[str, Any] = {"events": events, "next_after": next_after, "interim": interim}
    return respond(200, schemas.EventsPage.model_validate(page).model_dump(mode="json"))
