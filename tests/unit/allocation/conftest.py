"""pabutools results, computed in two worker processes while the other tests run.

pabutools needs about two minutes for mes-add1 on Warszawa, and a minute more for the other
files together. As soon as the tests are collected, every pabutools computation that the
selected tests will need starts, longest first, in a pool of two processes, so it runs while
the end-to-end and integration tests (mostly waiting on servers and databases) run; each test
then waits only for its own result. Results live for one test session only.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import pytest

from tests.unit.allocation.pabutools_reference import pabutools_outcome

Case = tuple[str, str, str]  # (path, rule, tie-breaking)

# Rough pabutools seconds, to start the longest computations first.
_SLOW = {"Warszawa": 130.0, "Krakow": 50.0, "Amsterdam": 17.0, "Katowice": 10.0, "Gdynia_2021": 8.0}


def _estimate(case: Case) -> float:
    path, rule, _ = case
    if rule != "mes-add1":
        return 1.0
    return next((seconds for name, seconds in _SLOW.items() if name in path), 2.0)


class PabutoolsResults:
    def __init__(self, cases: list[Case]) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("fork")
        )
        self._futures: dict[Case, Future[list[str]]] = {}
        for case in sorted(set(cases), key=_estimate, reverse=True):
            self._futures[case] = self._executor.submit(pabutools_outcome, *case)

    def selected(self, path: str, rule: str, tie: str) -> list[str]:
        case = (path, rule, tie)
        if case not in self._futures:
            self._futures[case] = self._executor.submit(pabutools_outcome, *case)
        return self._futures[case].result()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


_started: list[PabutoolsResults] = []


def _needed(items: list[pytest.Item]) -> list[Case]:
    cases: list[Case] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "pabutools_case" in callspec.params:
            cases.extend(callspec.params["pabutools_case"].pabutools_cases())
    return cases


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return  # nothing will run: computing would only delay the exit
    cases = _needed(session.items)
    if cases:
        _started.append(PabutoolsResults(cases))


@pytest.fixture(scope="session")
def pabutools_results(request: pytest.FixtureRequest) -> Iterator[PabutoolsResults]:
    results = _started[0] if _started else PabutoolsResults(_needed(request.session.items))
    yield results
    results.close()
