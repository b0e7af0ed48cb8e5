"""The event store's recorders, with two things a vote needs inside the write transaction.

1. **What a command was decided on is still so.** A ballot is decided on the budget cycle as
   some process last loaded it; if the cycle has changed since (voting closed, say), the ballot
   must not be stored. Checking before writing leaves a gap in which the close can commit, so the
   check runs inside the transaction that writes the ballot: `unchanged=[Unchanged(id, v)]`.
   On PostgreSQL the library serialises writers with an EXCLUSIVE lock on the events table; we
   take it before checking, so no other write can come between the check and the commit. On
   SQLite the check runs after the inserts, when the transaction holds the database's one write
   lock, so it sees every committed write and none can follow before the commit.
2. **The idempotency record of the request.** A retried request must get the first answer and
   store nothing twice, and a retry after a crash must find the answer too. So the record (a
   keyed fingerprint, no personal data) is written in the same transaction as the events, in a
   table of its own with an expiry (not the immutable event log).

Both are keyword arguments of `insert_events`, which the library passes on from
`Application.save(..., **kwargs)` and `EventStore.put(..., **kwargs)`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

IDEMPOTENCY_TABLE = "idempotency_records"
PURGE_ONE_IN = 200  # inserts between purges of expired idempotency records, on average


@dataclass(frozen=True)
class Unchanged:
    """The aggregate `originator_id` is still at `version` (nothing stored for it since)."""

    originator_id: UUID
    version: int


class StaleAggregates(Exception):
    """Aggregates a command was decided on changed before its events could be stored."""

    def __init__(self, stale: frozenset[Unchanged]) -> None:
        super().__init__(f"changed since read: {sorted(str(u.originator_id) for u in stale)}")
        self.stale = stale


class RepeatedRequest(Exception):
    """An idempotency record with this scope exists (and has not expired): nothing was stored."""

    def __init__(self, scope: str) -> None:
        super().__init__("a request with this idempotency key was stored already")
        self.scope = scope


# The answer to store with a request, given the log positions of the events it stored: the
# HTTP status and body, or None when the answer is known only later (`answer_request`).
Answer = Callable[[Sequence[int]], tuple[int, bytes] | None]


@dataclass(frozen=True)
class IdempotencyRecord:
    scope: str  # keyed hash of (caller, method, path, key)
    fingerprint: str  # keyed hash of the canonical request
    expires: float  # seconds since the epoch
    answer: Answer


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status: int | None
    body: bytes | None


@dataclass(frozen=True)
class RecordFor:
    """An idempotency record and which of the inserted events (a slice) are its request's."""

    record: IdempotencyRecord
    start: int
    end: int


def _records(kwargs: dict[str, Any]) -> Sequence[RecordFor]:
    return kwargs.get("records") or ()


def _unchanged(kwargs: dict[str, Any]) -> frozenset[Unchanged]:
    return frozenset(kwargs.get("unchanged") or ())


def _answers(records: Sequence[RecordFor], ids: Sequence[int],
             ) -> list[tuple[str, str, float, int | None, bytes | None]]:
    rows = []
    for r in records:
        answer = r.record.answer(ids[r.start:r.end])
        status, body = answer if answer is not None else (None, None)
        rows.append((r.record.scope, r.record.fingerprint, r.record.expires, status, body))
    return rows


class GuardedSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} (scope TEXT PRIMARY KEY, "
                "fingerprint TEXT NOT NULL, expires REAL NOT NULL, status INTEGER, body BLOB)"]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        # From here on this transaction holds the write lock: what it reads is the latest.
        stale = frozenset(u for u in _unchanged(kwargs)
                          if self._version(c, u.originator_id) != u.version)
        if stale:
            raise StaleAggregates(stale)  # the library's transaction rolls back
        records = _records(kwargs)
        if records:
            now = time.time()
            for r in records:
                c.execute(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE scope=? AND expires<=?",
                          (r.record.scope, now))
                c.execute(f"SELECT 1 FROM {IDEMPOTENCY_TABLE} WHERE scope=?", (r.record.scope,))
                if c.fetchone() is not None:
                    raise RepeatedRequest(r.record.scope)
            c.executemany(f"INSERT INTO {IDEMPOTENCY_TABLE} (scope, fingerprint, expires, "
                          "status, body) VALUES (?,?,?,?,?)", _answers(records, ids or ()))
            if random.randrange(PURGE_ONE_IN) == 0:
                c.execute(f"DELETE FROM {IDEMPOTENCY_TABLE} WHERE expires<=?", (now,))
        return ids

    def _version(self, c: SQLiteCursor, originator_id: UUID) -> int | None:
        c.execute(f"SELECT MAX(originator_version) FROM {self.events_table_name} "
                  "WHERE originator_id=?", (originator_id.hex,))
        row = c.fetchone()
        return None if row is None else row[0]

    def stored_answer(self, scope: str) -> StoredAnswer | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT fingerprint, status, body FROM {IDEMPOTENCY_TABLE} "
                      "WHERE scope=? AND expires>?", (scope, time.time()))
            row = c.fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], None if row[2] is None else bytes(row[2]))

    def answer_request(self, scope: str, status: int, body: bytes) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"UPDATE {IDEMPOTENCY_TABLE} SET status=?, body=? "
                      "WHERE scope=? AND status IS NULL", (status, body, scope))


class GuardedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idempotency = Identifier(self.datastore.schema), Identifier(IDEMPOTENCY_TABLE)
        self._events = Identifier(self.datastore.schema), Identifier(self.events_table_name)

        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (scope text PRIMARY KEY, "
                "fingerprint text NOT NULL, expires double precision NOT NULL, "
                "status integer, body bytea)").format(*self._idempotency))

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        unchanged, records = _unchanged(kwargs), _records(kwargs)
        if unchanged or records:
            # The library takes this lock below anyway; taken first, nothing else can be
            # written between our checks and the commit. Any error raised before an insert
            # leaves nothing to commit (the library commits what the pipeline did).
            self._lock_table(curs)
            stale = frozenset(u for u in unchanged
                              if self._version(curs, u.originator_id) != u.version)
            if stale:
                raise StaleAggregates(stale)
            now = time.time()
            for r in records:
                curs.execute(SQL("DELETE FROM {}.{} WHERE scope=%s AND expires<=%s").format(
                    *self._idempotency), (r.record.scope, now))
                curs.execute(SQL("SELECT 1 FROM {}.{} WHERE scope=%s").format(
                    *self._idempotency), (r.record.scope,))
                if curs.fetchone() is not None:
                    raise RepeatedRequest(r.record.scope)
        super()._insert_stored_events(curs, stored_events, **kwargs)

    def _version(self, curs: Any, originator_id: UUID) -> int | None:
        curs.execute(SQL("SELECT MAX(originator_version) AS v FROM {}.{} "
                         "WHERE originator_id=%s").format(*self._events), (originator_id,))
        row = curs.fetchone()
        return None if row is None else row["v"]

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        records = _records(kwargs)
        if records:
            curs.executemany(SQL("INSERT INTO {}.{} (scope, fingerprint, expires, status, body) "
                                 "VALUES (%s,%s,%s,%s,%s)").format(*self._idempotency),
                             _answers(records, ids or ()))
            if random.randrange(PURGE_ONE_IN) == 0:
                curs.execute(SQL("DELETE FROM {}.{} WHERE expires<=%s").format(
                    *self._idempotency), (time.time(),))
        return ids

    def stored_answer(self, scope: str) -> StoredAnswer | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT fingerprint, status, body FROM {}.{} "
                             "WHERE scope=%s AND expires>%s").format(*self._idempotency),
                         (scope, time.time()))
            row = curs.fetchone()
        if row is None:
            return None
        body = row["body"]
        return StoredAnswer(row["fingerprint"], row["status"],
                            None if body is None else bytes(body))

    def answer_request(self, scope: str, status: int, body: bytes) -> None:
        with self.datastore.get_connection() as conn, conn.transaction(), \
                conn.cursor() as curs:
            curs.execute(SQL("UPDATE {}.{} SET status=%s, body=%s "
                             "WHERE scope=%s AND status IS NULL").format(*self._idempotency),
                         (status, body, scope))


RECORDERS = {
    "eventsourcing.sqlite": "service.recorders:GuardedSQLiteRecorder",
    "eventsourcing.postgres": "service.recorders:GuardedPostgresRecorder",
}
