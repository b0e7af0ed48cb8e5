"""Both stores every storage test runs against: SQLite in a temporary folder, and PostgreSQL in
a schema of its own (dropped afterwards). Locally a missing PostgreSQL skips; with CI=true it
fails."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "MEDBORGARBUDGET_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> str | None:
    """None when reachable, else why not."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure to connect means: not available here
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}"


def require_postgres() -> None:
    problem = postgres_available()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem} (CI=true: PostgreSQL is required, never skipped)")
    pytest.skip(problem)


def _execute(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql)


def database_url(backend: str, tmp_path: Path) -> Iterator[str | None]:
    """Yields the MEDBORGARBUDGET_DATABASE_URL for the backend (None for SQLite)."""
    if backend == "sqlite":
        yield None
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?schema={schema}"
    finally:
        _execute(f'DROP SCHEMA "{schema}" CASCADE')
