from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from service.application import Medborgarbudget
from service.config import Settings
from service.runtime import open_application
from tests.backends import database_url

# No time limit per example: on a loaded two-core machine (the test run is parallel) an example
# of a property test took over hypothesis's 200 ms once, and a test that fails on the clock
# says nothing about the code (speed is measured by benchmarks/).
hypothesis_settings.register_profile("medborgarbudget", deadline=None)
hypothesis_settings.load_profile("medborgarbudget")


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a fresh, empty store on the backend under test."""
    for url in database_url(backend, tmp_path):
        yield Settings(tmp_path / "data", url)


@pytest.fixture
def open_app(settings: Settings) -> Iterator[Callable[[], Medborgarbudget]]:
    """Opens applications on the store under test (several may share it); closes them all."""
    opened: list[Medborgarbudget] = []

    def make() -> Medborgarbudget:
        app = open_application(settings)
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


@pytest.fixture
def app(open_app: Callable[[], Medborgarbudget]) -> Medborgarbudget:
    return open_app()
