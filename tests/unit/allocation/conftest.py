"""pabutools results, computed in two background processes while the other tests run.

pabutools needs about two minutes for mes-add1 on Warszawa, and a minute more for the other
files together. As soon as the tests are collected, every pabutools computation that the
selected tests will need starts, longest first, in a pool of two processes (at a lower
priority, so the tests that wait on servers keep theirs); each test then waits only for its
own result. Results live for one test session only.

With several test processes (`./test.sh`, pytest-xdist) each collects every test, but only the
first (gw0) computes: each result is written to a folder of the run's own as it is done, and
the process that runs a test reads it from there. Otherwise every process would compute all
of them, side by side, and slow the whole run down.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from tests.unit.allocation.pabutools_reference import pabutools_outcome

Case = tuple[str, str, str]  # (path, rule, tie-breaking)

# Rough pabutools seconds, to start the longest computations first.
_SLOW = {"Warszawa": 130.0, "Krakow": 50.0, "Amsterdam": 17.0, "Katowice": 10.0, "Gdynia_2021": 8.0}
# How long a test process waits for a result another one computes (all of them take ~4 min).
WAIT_SECONDS = 1200.0


def _estimate(case: Case) -> float:
    path, rule, _ = case
    if rule != "mes-add1":
        return 1.0
    return next((seconds for name, seconds in _SLOW.items() if name in path), 2.0)


def _lower_priority() -> None:
    os.nice(10)


class PabutoolsResults:
    """Every result of `cases`: computed here when `computes`, else read from `folder`, where
    the process that computes writes each as it is done."""

    def __init__(self, cases: list[Case], folder: Path, computes: bool) -> None:
        self._folder = folder
        self._computes = computes
        self._futures: dict[Case, Future[list[str]]] = {}
        self._executor: ProcessPoolExecutor | None = None
        if not computes:
            return
        folder.mkdir(parents=True, exist_ok=True)
        self._executor = ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("fork"),
            initializer=_lower_priority)
        for case in sorted(set(cases), key=_estimate, reverse=True):
            self._submit(case)

    def _file(self, case: Case) -> Path:
        return self._folder / f"{hashlib.sha256(repr(case).encode()).hexdigest()[:24]}.json"

    def _submit(self, case: Case) -> Future[list[str]]:
        assert self._executor is not None
        future = self._executor.submit(pabutools_outcome, *case)
        self._futures[case] = future

        def written(done: Future[list[str]]) -> None:
            if done.cancelled() or done.exception() is not None:
                return
            path = self._file(case)
            partial = path.with_suffix(".part")
            partial.write_text(json.dumps(done.result()), encoding="utf-8")
            partial.replace(path)  # whole or not at all, for a reader in another process

        future.add_done_callback(written)
        return future

    def selected(self, path: str, rule: str, tie: str) -> list[str]:
        case = (path, rule, tie)
        if self._computes:
            future = self._futures.get(case) or self._submit(case)
            return future.result()
        file = self._file(case)
        deadline = time.monotonic() + WAIT_SECONDS
        while not file.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"no pabutools result for {case} from the computing test process "
                            f"after {WAIT_SECONDS:.0f} s (in {self._folder})")
            time.sleep(0.2)
        result: list[str] = json.loads(file.read_text(encoding="utf-8"))
        return result

    def close(self, others_read: bool) -> None:
        """Stop computing; with `others_read`, first finish what other processes may need."""
        if self._executor is not None:
            self._executor.shutdown(wait=others_read, cancel_futures=not others_read)


_started: list[PabutoolsResults] = []


def _needed(items: list[pytest.Item]) -> list[Case]:
    cases: list[Case] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        # Without the published files the parameter list is empty and pytest gives the test
        # a placeholder (NOTSET) that it then skips: nothing to compute for it.
        case = callspec.params.get("pabutools_case") if callspec is not None else None
        if hasattr(case, "pabutools_cases"):
            cases.extend(case.pabutools_cases())
    return cases


def _run_folder(config: pytest.Config) -> tuple[Path, bool]:
    """Where this run's results go, and whether this process computes them."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:  # one test process: it computes, and keeps them to itself
        return Path(tempfile.mkdtemp(prefix="pabutools-")), True
    folder = Path(tempfile.gettempdir()) / f"pabutools-{workerinput['testrunuid']}"
    return folder, workerinput["workerid"] == "gw0"


def _results(session: pytest.Session) -> PabutoolsResults:
    folder, computes = _run_folder(session.config)
    return PabutoolsResults(_needed(session.items), folder, computes)


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return  # nothing will run: computing would only delay the exit
    if _needed(session.items):
        _started.append(_results(session))


@pytest.fixture(scope="session")
def pabutools_results(request: pytest.FixtureRequest) -> Iterator[PabutoolsResults]:
    yield _started[0] if _started else _results(request.session)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workerinput = getattr(session.config, "workerinput", None)
    for results in _started:
        results.close(others_read=workerinput is not None)
    if workerinput is None:
        for results in _started:
            shutil.rmtree(results._folder, ignore_errors=True)
    _started.clear()
