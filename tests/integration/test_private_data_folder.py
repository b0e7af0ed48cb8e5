"""Whatever the umask of the process, the data folder is created 0700 and every file the
service writes into it (keys, SQLite databases with their journals, lock files) 0600."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.read_models import open_store


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The most common umask (022): files readable by everyone unless created otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_a_fresh_data_folder_is_private(tmp_path: Path, permissive_umask: None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEDBORGARBUDGET_SECRET", "MEDBORGARBUDGET_JWT_SECRET",
                 "MEDBORGARBUDGET_SESSION_SECRET", "MEDBORGARBUDGET_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "fresh" / "data"
    settings = Settings(data)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        client.app.state.ended_sessions.end("a-session", time.time() + 60)  # type: ignore[attr-defined]
        replay = open_store(settings, scratch="replay")  # as `audit replay` makes one
        replay.close()
        written = {p.name for p in data.iterdir()}
        assert {"events.sqlite3", "readmodels.sqlite3", "readmodels-replay.sqlite3",
                "sessions.sqlite3", "secret.key", "jwt.key", "session.key"} <= written
        assert any(name.endswith("-wal") for name in written), written
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        readable = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in data.iterdir()
                    if stat.S_IMODE(p.stat().st_mode) & 0o077}
        assert readable == {}
