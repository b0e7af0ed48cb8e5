"""For the operators: readiness (`/readyz`) and metrics (`/metrics`); liveness is `/healthz`."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from service import metrics
from service.api.callers import Public
from service.api.openapi import problems
from service.api.problems import problem
from service.api.schemas import Readiness
from service.read_models import ReadModels

router = APIRouter(tags=["service"])
LOG = logging.getLogger("medborgarbudget.readiness")


@router.get("/readyz", response_model=Readiness, summary="Ready for traffic",
            responses=problems(401, 503),
            description="200 while the store answers and the read models are no more than "
                        "MEDBORGARBUDGET_READY_MAX_LAG seconds behind the event log; "
                        "503 otherwise, so a load balancer sends no traffic here.")
def readyz(request: Request, _: Public) -> JSONResponse:
    read_models: ReadModels = request.app.state.read_models
    max_lag: float = request.app.state.ready_max_lag
    try:
        lag = read_models.lag()
    except Exception as error:  # whatever the driver raises: the store does not answer
        LOG.warning("store unreachable", extra={"error": type(error).__name__})
        return problem(503, "Not ready", "The store does not answer.")
    if lag.seconds > max_lag:
        return problem(503, "Not ready",
                       f"The read models are {lag.events} events and {lag.seconds:.1f} s behind "
                       f"the event log (at most {max_lag:g} s allowed).",
                       lag_events=lag.events, lag_seconds=round(lag.seconds, 3))
    return JSONResponse({"status": "ready", "lag_events": lag.events,
                         "lag_seconds": round(lag.seconds, 3)})


@router.get("/metrics", summary="Prometheus metrics", responses={
    200: {"content": {metrics.CONTENT_TYPE: {"schema": {"type": "string"}}},
          "description": "The Prometheus text format"}, **problems(401)},
    response_class=Response)
def prometheus(request: Request, _: Public) -> Response:
    """The service's counters and timings in the Prometheus text format, over every worker
    process (`serve --workers N`)."""
    return Response(metrics.exposition(request.app.state.metrics_live),
                    media_type=metrics.CONTENT_TYPE)
