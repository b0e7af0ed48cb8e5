"""Prometheus metrics (`GET /metrics`).

Counted where they happen: requests and their latency by route template (never the path: paths
hold receipt codes and ids), digital ballots stored, the group commit's batch sizes. Measured
when scraped: how far the read models lag behind the log (events and seconds) and the cycles in
each phase. No label names a voter.

With `serve --workers N` each worker counts into files in PROMETHEUS_MULTIPROC_DIR (a temporary
folder the CLI creates) and whichever worker answers a scrape adds them all up
(prometheus-client's multiprocess mode, chosen by that variable when this module is imported).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from domain.phases import Phase

if TYPE_CHECKING:
    from service.read_models import ReadModels

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter("medborgarbudget_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("medborgarbudget_http_request_duration_seconds",
                    "Time to answer an HTTP request", ["method", "route"],
                    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
BALLOTS = Counter("medborgarbudget_ballots_stored", "Ballots stored", ["channel"])
BATCHES = Histogram("medborgarbudget_group_commit_batch_size",
                    "Commands written in one transaction by the ballots' group commit",
                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))


class Live(Collector):
    """What is measured when scraped: the read models' lag and the cycles by phase."""

    def __init__(self, read_models: ReadModels) -> None:
        self.read_models = read_models

    def collect(self) -> Iterator[Metric]:
        lag = self.read_models.lag()
        events = GaugeMetricFamily("medborgarbudget_read_model_lag_events",
                                   "Events stored but not yet in the read models")
        events.add_metric([], lag.events)
        seconds = GaugeMetricFamily("medborgarbudget_read_model_lag_seconds",
                                    "How long the read models have been behind an event "
                                    "stored (0 when current)")
        seconds.add_metric([], lag.seconds)
        phases = GaugeMetricFamily("medborgarbudget_cycles", "Budget cycles by phase",
                                   labels=["phase"])
        counts = dict.fromkeys((p.value for p in Phase), 0)
        for cycle in self.read_models.store.cycles():
            counts[cycle["phase"]] = counts.get(cycle["phase"], 0) + 1
        for phase, count in counts.items():
            phases.add_metric([phase], count)
        yield from (events, seconds, phases)


def live_registry(read_models: ReadModels) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Live(read_models))
    return registry


def exposition(live: CollectorRegistry) -> bytes:
    """The text of a scrape: the counted metrics (of every worker) and the live ones."""
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=folder)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(live)
