"""The FastAPI application: API under /api/v1, health, OpenAPI (pages join later)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import metrics
from service.api import (
    docs,
    problems,
    routes_ballots,
    routes_comments,
    routes_cycles,
    routes_exports,
    routes_pictures,
    routes_proposals,
    routes_service,
    routes_support,
    routes_winners,
)
from service.api.auth import Principal, TokenVerifier
from service.api.ballot_lane import BallotLane
from service.api.body_guard import BodyGuard
from service.api.deps import public
from service.api.observability import Observability
from service.api.openapi import problems as openapi_problems
from service.api.schemas import Health
from service.api.security_headers import SecurityHeaders
from service.application import Medborgarbudget
from service.config import Publisher, Settings, ready_max_lag
from service.deployment_secret import load_secret
from service.map_tiles import MapTiles
from service.pages import branding, legal
from service.pages import routes as pages
from service.pages.routes import PageNotFound, render
from service.pages.shared_pages import SharedPages
from service.personal.mailing import MailWorker, open_residents, transport_for
from service.read_models import ReadModels, open_store
from service.runtime import open_application
from service.web import comment_pages, my_pages, picture_pages, support_pages
from service.web import routes as web
from service.web.ended_sessions import open_ended_sessions
from service.web.session import SESSION_SECRET_ENV, SessionCookie, Sessions, secure_cookies
from service.web.sign_in_mode import wants_test_sign_in

STATIC = Path(__file__).resolve().parents[1] / "pages" / "static"
VENDOR = Path(__file__).resolve().parents[1] / "pages" / "vendor" / "node_modules"
LEAFLET = VENDOR / "leaflet" / "dist"
MARKER_CLUSTER = VENDOR / "leaflet.markercluster" / "dist"

MAX_BODY_BYTES = 1_000_000
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                                 "operation_spans": False}
DESCRIPTION = """Participatory budgeting (medborgarbudget), event-sourced.

Authenticate with `Authorization: Bearer <token>`. Roles: admin, reviewer, official, auditor,
resident. Errors are `application/problem+json`. POSTs accept an `Idempotency-Key` header.
Money is exact: every amount field gives whole units of the cycle's `currency` (kronor; an
integer when whole, else the exact decimal as text), and `<field>_minor` the same in minor units
(öre) as an integer; never a float."""


def create_app(settings: Settings | None = None, app: Medborgarbudget | None = None,
               follow: bool | None = None, test_sign_in: bool | None = None) -> FastAPI:
    """`follow`: keep the read models current in this process (default: on SQLite; with
    PostgreSQL `medborgarbudget project` does it as a process of its own). `test_sign_in`:
    offer the local test sign-in (default: MEDBORGARBUDGET_TEST_SIGN_IN; `serve --demo`)."""
    settings = settings or Settings.from_env()
    application = app or open_application(settings)
    tokens = TokenVerifier.from_env(settings.data_dir)
    if follow is None:
        follow = settings.backend == "sqlite"
    if test_sign_in is None:
        test_sign_in = wants_test_sign_in()
    read_models = ReadModels(application, open_store(settings), follow=follow)
    ended_sessions = open_ended_sessions(settings)
    residents = open_residents(application, settings)
    transport = transport_for(settings)
    # The outbox follows the log where the read models do (and wherever mail is sent).
    mail_worker = (MailWorker(residents, transport) if follow or transport is not None
                   else None)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settled_heap()
        yield
        gc.unfreeze()  # what the app made at start may go again (a test run makes many apps)
        await run_in_threadpool(read_models.close)
        await run_in_threadpool(ended_sessions.close)
        if mail_worker is not None:
            await run_in_threadpool(mail_worker.close)
        await run_in_threadpool(residents.store.close)
        if app is None:  # close only what we opened
            await run_in_threadpool(application.close)

    # FastAPI's OpenTelemetry stays off: a span of a ballot request, with its time and the
    # client's address, would identify the voter (as an access log would), and merely checking
    # whether telemetry is configured cost 5 % of a ballot's CPU.
    # The docs are served from this site (service/api/docs.py); FastAPI's own load from a CDN.
    api = FastAPI(title="Medborgarbudget", version="1", description=DESCRIPTION,
                  lifespan=lifespan, telemetry=NO_TELEMETRY, docs_url=None, redoc_url=None)
    api.state.medborgarbudget = application
    api.state.tokens = tokens
    api.state.settings = settings
    api.state.read_models = read_models
    api.state.shared_pages = SharedPages()
    api.state.ended_sessions = ended_sessions
    api.state.residents = residents
    api.state.proposer_name = residents.proposer_name
    api.state.comment_names = residents.store.comment_names
    api.state.test_sign_in = test_sign_in
    api.state.publisher = Publisher.of(settings)
    api.state.brand = branding.Brand.of(settings)
    api.state.map_tiles = MapTiles.of(settings)
    api.state.ready_max_lag = ready_max_lag()
    api.state.metrics_live = metrics.live_registry(read_models)
    problems.install(api)

    web.install(api)
    api.add_middleware(Sessions, cookie=SessionCookie(session_secret(settings)),
                       ended=ended_sessions, always_secure=secure_cookies())

    @api.exception_handler(PageNotFound)
    def on_page_not_found(request: Request, _: PageNotFound) -> Response:
        return render(request, "not_found.html", request.query_params.get("lang"), status=404)

    @api.exception_handler(StarletteHTTPException)
    def on_http(request: Request, error: StarletteHTTPException) -> Response:
        # A resident's browser at an address of no page gets the page that says so; a
        # program (the API, or no HTML asked for) the problem document.
        if error.status_code == 404 and _a_browser_outside_the_api(request):
            return render(request, "not_found.html", request.query_params.get("lang"),
                          status=404)
        return problems.http_problem(error)

    api.add_middleware(BallotLane, application=application, tokens=tokens)
    # Added late, so it runs early: nothing else reads a body it refuses.
    api.add_middleware(BodyGuard, max_bytes=MAX_BODY_BYTES)
    # Its headers go on every answer, the body guard's refusals included.
    api.add_middleware(SecurityHeaders, image_origins=(api.state.brand.image_origin,
                                                       api.state.map_tiles.origin))
    # Outermost: every answer is counted and every refusal logged, with the request's id.
    api.add_middleware(Observability)

    @api.get("/healthz", response_model=Health, tags=["service"], summary="Liveness and store",
             responses=openapi_problems(401))
    def healthz(_: Annotated[Principal | None, Depends(public)]) -> Health:
        """Answers 200 while the process runs and its event store answers a query; for a
        liveness probe. Whether the service should get traffic is `/readyz`."""
        application.recorder.max_notification_id()  # the store answers
        return Health(status="ok", store=settings.backend)

    _build(ROUTES)  # once per process: later calls find them built
    api.router.routes.extend(ROUTES.routes)
    # Leaflet as npm installed it (scripts/map_deps.sh): served from this site, no CDN. Absent
    # (no npm), the map page is its list, which is the page without JavaScript anyway.
    api.mount("/static/leaflet", StaticFiles(directory=LEAFLET, check_dir=False), name="leaflet")
    api.mount("/static/markercluster", StaticFiles(directory=MARKER_CLUSTER, check_dir=False),
              name="markercluster")
    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    docs.install(api)
    return api


def _every_route() -> APIRouter:
    """Every router of the API and the pages, in the order they are matched: the feedback pages
    first (a page read tried every API route before it: 130 µs of a 1.5 ms page), then the
    ballots, which the ballot lane answers before routing unless it hands one on. No path of
    the feedback pages matches an API address (/api/...), /pictures/, /readyz or /metrics.

    FastAPI builds an included router's routes (each route's parameter and response models) on
    the first request that reaches them, once per inclusion: about 0.3 s of CPU. Included once,
    here, they are built once per process, however many apps it makes (a test run makes one
    for almost every test); an app's only state is on the app (`request.app.state`), never in
    a route."""
    every = APIRouter()
    for router in (pages.router, routes_ballots.router, routes_cycles.router,
                   routes_proposals.router, routes_comments.router, routes_pictures.router,
                   routes_exports.router, routes_support.router,
                   routes_service.router, routes_winners.router, legal.router,
                   branding.router, web.router, support_pages.router, comment_pages.router,
                   my_pages.router, picture_pages.router):
        every.include_router(router)
    return every


def _build(routes: APIRouter) -> None:
    """Has FastAPI build every route now: left to the first request that passes a router, it
    would build them on the event loop, and a worker's first residents would wait for it."""
    for route in routes.routes:
        route.matches({"type": "http", "path": "/", "method": "GET", "root_path": "",
                       "headers": [], "query_string": b""})


ROUTES = _every_route()


def _a_browser_outside_the_api(request: Request) -> bool:
    return ("text/html" in request.headers.get("accept", "")
            and not request.url.path.startswith("/api/"))


def settled_heap() -> None:
    """What the worker made while starting (modules, routes and their models, templates,
    caches: ~170 000 objects) set aside from the cyclic garbage collector (ADR 0034). Each
    full collection walked them all, ~50-80 ms with the event loop stopped, which was the
    p99 of the pages under load; they live as long as the worker, so walking them finds
    nothing. (No collection first: it would cost a test run ~80 ms per app, and what little
    garbage the start left is only kept until `gc.unfreeze` at shutdown.)"""
    gc.freeze()


def session_secret(settings: Settings) -> bytes:
    return load_secret(settings.data_dir, variable=SESSION_SECRET_ENV, file_name="session.key")


def create_app_from_env() -> FastAPI:
    """For worker processes started by uvicorn (`--workers N`): configured by environment."""
    return create_app()
