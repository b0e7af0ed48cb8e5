"""Processes that start together on a fresh store all open it: the server's workers, the
projector and a CLI command may well do so at the same moment in production. On PostgreSQL
concurrent CREATE ... IF NOT EXISTS / CREATE OR REPLACE on one schema fails ("tuple concurrently
updated"); service/table_creation.py makes them take turns."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from service.config import Settings

PROCESSES = 6
TIMEOUT = 60


def _open_both(settings: Settings, barrier: Any, results: Any) -> None:
    from service.read_models import open_store
    from service.runtime import open_application

    try:
        barrier.wait(timeout=TIMEOUT)
        open_application(Settings(Path(settings.data_dir), settings.database_url)).close()
        open_store(settings).close()
        results.put("opened")
    except Exception as error:  # reported to the parent, which fails on it
        results.put(f"error: {error!r}")


def test_processes_starting_together_on_a_fresh_store_all_open_it(settings: Settings) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    children = [context.Process(target=_open_both, args=(settings, barrier, results))
                for _ in range(PROCESSES)]
    for child in children:
        child.start()
    try:
        outcomes = [results.get(timeout=TIMEOUT) for _ in children]
    finally:
        for child in children:
            child.join(timeout=TIMEOUT)
            if child.is_alive():
                child.kill()
    assert outcomes == ["opened"] * PROCESSES
