from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import Api


@pytest.fixture
def api(settings: Settings, app: Medborgarbudget) -> Iterator[Api]:
    """The HTTP API on the store under test, served by the application the test can inspect,
    with its read models kept current (on PostgreSQL `medborgarbudget project` does that)."""
    with TestClient(create_app(settings, app=app, follow=True)) as client:
        yield Api(client, app)
