"""Sessions ended by signing out, remembered until their cookies would have expired anyway.

A session lives in its (encrypted) cookie, so deleting the cookie at sign-out does not stop a
copy of it taken before: the session's random id is recorded here as ended, and every worker
process refuses a cookie whose id is in this table. A row is kept only as long as such a cookie
could still be accepted (its age limit) and purged after that.

The table lives where the service keeps its other data: on SQLite a file of its own in the data
folder (apart from the events and read models, so a sign-out never waits for their writers), on
PostgreSQL a table in the configured schema, created in turn by processes starting together
(service/table_creation.py).
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path

from service.config import Settings
from service.table_creation import POSTGRES, connect, one_at_a_time, pool_kwargs, private_sqlite

ENDED_SESSIONS_FILE = "sessions.sqlite3"
TABLE = "ended_sessions"
CREATE = ("CREATE TABLE IF NOT EXISTS {table} (session_id TEXT PRIMARY KEY, "
          "expires_at BIGINT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS ended_sessions_expiry ON {table} (expires_at)")
INSERT = "INSERT INTO {table} (session_id, expires_at) VALUES (?, ?) " \
         "ON CONFLICT (session_id) DO NOTHING"
PURGE = "DELETE FROM {table} WHERE expires_at < ?"
LOOKUP = "SELECT 1 FROM {table} WHERE session_id = ?"


class EndedSessions(ABC):
    # Whether `is_ended` answers from a file of this machine at once (an indexed read, well
    # under a millisecond), so a request may ask it on the event loop instead of queueing for
    # a thread of the pool twice (once here, once for the page).
    answers_at_once = False

    @abstractmethod
    def end(self, session_id: str, until: float, now: float | None = None) -> None:
        """Record `session_id` as ended until the time `until` (seconds since the epoch), and
        forget the sessions whose time has passed by `now` (default: the clock's time)."""

    @abstractmethod
    def is_ended(self, session_id: str) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...


class SQLiteEndedSessions(EndedSessions):
    answers_at_once = True

    def __init__(self, path: Path) -> None:
        # Autocommit: each statement is its own transaction; the lock below serialises the
        # threads of this process on the one connection.
        self._db = private_sqlite(path, (statement.format(table=TABLE) for statement in CREATE))
        self._lock = threading.Lock()

    def end(self, session_id: str, until: float, now: float | None = None) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(INSERT.format(table=TABLE), (session_id, int(until)))
                self._db.execute(PURGE.format(table=TABLE), (_cutoff(now),))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def is_ended(self, session_id: str) -> bool:
        with self._lock:
            row = self._db.execute(LOOKUP.format(table=TABLE), (session_id,)).fetchone()
        return row is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresEndedSessions(EndedSessions):
    def __init__(self, env: Mapping[str, str]) -> None:
        from psycopg_pool import ConnectionPool

        self._table = f'"{env.get("POSTGRES_SCHEMA") or "public"}"."{TABLE}"'
        with one_at_a_time(env), connect(env) as connection:
            for statement in CREATE:
                connection.execute(statement.format(table=self._table))
        # A few connections: a look-up per page request of a signed-in resident, one at a time
        # per thread of the worker's thread pool.
        self._pool = ConnectionPool(kwargs=pool_kwargs(env), min_size=1, max_size=4, open=True,
                                    name="ended-sessions")

    def _sql(self, template: str) -> str:
        return template.format(table=self._table).replace("?", "%s")

    def end(self, session_id: str, until: float, now: float | None = None) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute(self._sql(INSERT), (session_id, int(until)))
            connection.execute(self._sql(PURGE), (_cutoff(now),))

    def is_ended(self, session_id: str) -> bool:
        with self._pool.connection() as connection:
            row = connection.execute(self._sql(LOOKUP), (session_id,)).fetchone()
        return row is not None

    def close(self) -> None:
        self._pool.close()


def _cutoff(now: float | None) -> int:
    return int(time.time() if now is None else now)


def open_ended_sessions(settings: Settings) -> EndedSessions:
    env = settings.eventsourcing_env()
    if env.get("PERSISTENCE_MODULE") == POSTGRES:
        return PostgresEndedSessions(env)
    return SQLiteEndedSessions(settings.data_dir / ENDED_SESSIONS_FILE)
