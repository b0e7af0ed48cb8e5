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

import time

from service.config import Settings
from service.own_tables import OwnTables, open_own_tables

ENDED_SESSIONS_FILE = "sessions.sqlite3"
CREATE = ("CREATE TABLE IF NOT EXISTS ended_sessions (session_id TEXT PRIMARY KEY, "
          "expires_at BIGINT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS ended_sessions_expiry ON ended_sessions (expires_at)")
INSERT = "INSERT INTO ended_sessions (session_id, expires_at) VALUES (?, ?) " \
         "ON CONFLICT (session_id) DO NOTHING"
PURGE = "DELETE FROM ended_sessions WHERE expires_at < ?"
LOOKUP = "SELECT 1 FROM ended_sessions WHERE session_id = ?"


class EndedSessions:
    def __init__(self, tables: OwnTables) -> None:
        self._tables = tables
        # Whether `is_ended` may be asked on the event loop instead of queueing for a thread
        # of the pool twice (once here, once for the page): SQLite's file answers at once.
        self.answers_at_once = tables.answers_at_once

    def end(self, session_id: str, until: float, now: float | None = None) -> None:
        """Record `session_id` as ended until the time `until` (seconds since the epoch), and
        forget the sessions whose time has passed by `now` (default: the clock's time)."""
        with self._tables.transaction() as t:
            t.run(INSERT, (session_id, int(until)))
            t.run(PURGE, (int(time.time() if now is None else now),))

    def is_ended(self, session_id: str) -> bool:
        with self._tables.autocommit() as t:
            return t.one(LOOKUP, (session_id,)) is not None

    def close(self) -> None:
        self._tables.close()


def open_ended_sessions(settings: Settings) -> EndedSessions:
    # A few connections on PostgreSQL: a look-up per page request of a signed-in resident, one
    # at a time per thread of the worker's thread pool.
    return EndedSessions(open_own_tables(settings.eventsourcing_env(), ENDED_SESSIONS_FILE,
                                         lambda backend: CREATE, name="ended-sessions"))
