"""Creating the tables when several processes start at once.

Processes starting together on a fresh store (the server's workers, `medborgarbudget project`,
a CLI command) each have the library create the tables, and that is not safe concurrently:
PostgreSQL refuses concurrent DDL on the same catalog rows even with IF NOT EXISTS and OR
REPLACE ("tuple concurrently updated", a duplicate pg_type key), and the library's SQLite
tracking table reads, then inserts, its migration record. So they take turns: on PostgreSQL a
session advisory lock held on a connection of its own, on SQLite a lock file beside the database.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

POSTGRES = "eventsourcing.postgres"
LOCK_SECONDS = 120  # then a clear error rather than a process that hangs
# The locks this thread holds: taking one again (opening the read models while upgrading the
# store, say) goes on at once. A second PostgreSQL session would wait for the first forever.
_HELD = threading.local()


def private_sqlite(path: Path, statements: Iterable[str]) -> sqlite3.Connection:
    """An SQLite file of the service's own (0600), in WAL mode, its tables made in turn with
    other processes; the connection in autocommit (each statement its own transaction unless
    the caller begins one) and shared by the caller's threads under the caller's lock."""
    from service.config import private_file

    private_file(path)
    with one_at_a_time({"SQLITE_DBNAME": str(path)}):
        db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")
        for statement in statements:
            db.execute(statement)
    return db


def connect(env: Mapping[str, str]) -> Any:
    """A psycopg connection (autocommit) to the database the library's `env` names."""
    import psycopg

    return psycopg.connect(host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
                           dbname=env["POSTGRES_DBNAME"], user=env["POSTGRES_USER"],
                           password=env.get("POSTGRES_PASSWORD") or None, autocommit=True,
                           connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")))


def pool_kwargs(env: Mapping[str, str]) -> dict[str, Any]:
    """A psycopg_pool's connection arguments (autocommit) for the database `env` names."""
    return {"host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"],
            "dbname": env["POSTGRES_DBNAME"], "user": env["POSTGRES_USER"],
            "password": env.get("POSTGRES_PASSWORD") or None, "autocommit": True,
            "connect_timeout": int(env.get("POSTGRES_CONNECT_TIMEOUT", "5"))}


@contextmanager
def one_at_a_time(env: Mapping[str, str]) -> Iterator[None]:
    """Run the block (which creates tables) while no other process does so on this schema."""
    held: set[str] = _HELD.__dict__.setdefault("keys", set())
    key = _key(env)
    if key in held:
        yield
        return
    held.add(key)
    try:
        with _exclusively(env):
            yield
    finally:
        held.discard(key)


def _key(env: Mapping[str, str]) -> str:
    if env.get("PERSISTENCE_MODULE") != POSTGRES:
        return f"sqlite {env.get('SQLITE_DBNAME', '')}"
    return (f"postgres {env.get('POSTGRES_HOST')}:{env.get('POSTGRES_PORT')}/"
            f"{env.get('POSTGRES_DBNAME')} {env.get('POSTGRES_SCHEMA', 'public')}")


@contextmanager
def _exclusively(env: Mapping[str, str]) -> Iterator[None]:
    if env.get("PERSISTENCE_MODULE") != POSTGRES:
        database = env.get("SQLITE_DBNAME", "")
        if not database or database == ":memory:" or "mode=memory" in database:
            yield
            return
        # 0600 like everything else the service writes into the data folder.
        with FileLock(f"{database}.lock", timeout=LOCK_SECONDS, mode=0o600):
            yield
        return
    key = zlib.crc32(f"medborgarbudget tables {env.get('POSTGRES_SCHEMA', 'public')}".encode())
    with connect(env) as connection:
        connection.execute(f"SET lock_timeout = '{LOCK_SECONDS}s'")
        connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
