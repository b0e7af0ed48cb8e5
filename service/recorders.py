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

3. **The cycle index** (service/cycle_index.py, ADR 0015): which aggregates and events belong
   to which cycle, written from the events themselves in the same transaction, whatever path
   stored them, so one cycle's history is read without reading the whole log.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Composed, Identifier

from service.cycle_index import (
    CREATED_BY,
    EVENTS_TABLE,
    MEMBERS_TABLE,
    CycleOf,
    Unindexed,
    as_uuid,
    created_members,
    cycle_from_json,
    is_member_event,
    positioned,
)

IDEMPOTENCY_TABLE = "idempotency_records"
PURGE_ONE_IN = 200  # inserts between purges of expired idempotency records, on average
ON_CONFLICT = "ON CONFLICT DO NOTHING"  # filling the index again keeps the rows it has
INDEX_PAGE = 10_000  # creation events decoded at a time while filling the cycle index


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


def _placed(stored_events: Sequence[StoredEvent], positions: Sequence[int],
            members: Sequence[tuple[UUID, UUID, str, int]],
            ) -> tuple[list[tuple[UUID, int]], list[tuple[UUID, int]]]:
    """The cycle index rows of these events: (cycle, position) for those whose member was
    created in this same write, (member, position) for those whose cycle must be looked up."""
    created = {member: cycle for member, cycle, _, _ in members}
    known, lookup = [], []
    for stored, position in zip(stored_events, positions, strict=True):
        if not is_member_event(stored.topic):
            continue
        member = as_uuid(stored.originator_id)
        cycle = created.get(member)
        if cycle is not None:
            known.append((cycle, position))
        else:
            lookup.append((member, position))
    return known, lookup


def _unplaced() -> Unindexed:
    return Unindexed("An event belongs to an aggregate of a cycle that the cycle index does not "
                     "know: nothing was stored (was the store upgraded?)")


class GuardedSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # How the cycle of a created aggregate is read from its stored event; the
        # application puts its mapper here when the store is not plain JSON.
        self.cycle_of: CycleOf = cycle_from_json

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} (scope TEXT PRIMARY KEY, "
                "fingerprint TEXT NOT NULL, expires REAL NOT NULL, status INTEGER, body BLOB)",
                f"CREATE TABLE IF NOT EXISTS {MEMBERS_TABLE} (originator_id TEXT PRIMARY KEY, "
                "cycle_id TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL) "
                "WITHOUT ROWID",
                f"CREATE INDEX IF NOT EXISTS {MEMBERS_TABLE}_by_cycle ON {MEMBERS_TABLE} "
                "(cycle_id, kind, position)",
                f"CREATE TABLE IF NOT EXISTS {EVENTS_TABLE} (cycle_id TEXT NOT NULL, "
                "position INTEGER NOT NULL, PRIMARY KEY (cycle_id, position)) WITHOUT ROWID"]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        # From here on this transaction holds the write lock: what it reads is the latest.
        stale = frozenset(u for u in _unchanged(kwargs)
                          if self._version(c, u.originator_id) != u.version)
        if stale:
            raise StaleAggregates(stale)  # the library's transaction rolls back
        self._index(c, stored_events, ids or ())
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

    def _index(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
               positions: Sequence[int], or_ignore: str = "") -> None:
        # Raising anywhere here rolls the whole transaction back (the library's context).
        members = positioned(created_members(stored_events, self.cycle_of), positions)
        if members:
            c.executemany(f"INSERT {or_ignore} INTO {MEMBERS_TABLE} (originator_id, cycle_id, "
                          "kind, position) VALUES (?,?,?,?)",
                          [(m.hex, cycle.hex, kind, p) for m, cycle, kind, p in members])
        known, lookup = _placed(stored_events, positions, members)
        if known:
            c.executemany(f"INSERT {or_ignore} INTO {EVENTS_TABLE} (cycle_id, position) "
                          "VALUES (?,?)", [(cycle.hex, p) for cycle, p in known])
        if lookup:
            c.executemany(f"INSERT {or_ignore} INTO {EVENTS_TABLE} (cycle_id, position) "
                          f"SELECT cycle_id, ? FROM {MEMBERS_TABLE} WHERE originator_id=?",
                          [(p, member.hex) for member, p in lookup])
            placed = c.sqlite_cursor.rowcount
            if not or_ignore and placed != len(lookup):
                raise _unplaced()

    def select_cycle_notifications(self, cycle_id: UUID, after: int, limit: int,
                                   topics: Sequence[str] = ()) -> list[Notification]:
        statement = (f"SELECT e.rowid, e.originator_id, e.originator_version, e.topic, "
                     f"e.state FROM {EVENTS_TABLE} c JOIN {self.events_table_name} e "
                     "ON e.rowid=c.position WHERE c.cycle_id=? AND c.position>? ")
        params: list[Any] = [cycle_id.hex, after]
        if topics:
            statement += f"AND e.topic IN ({','.join('?' * len(topics))}) "
            params += topics
        statement += "ORDER BY c.position LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [Notification(id=row[0], originator_id=self.convert_originator_id(row[1]),
                                 originator_version=row[2], topic=row[3], state=row[4])
                    for row in c.fetchall()]

    def count_cycle_events(self, cycle_id: UUID, topics: Sequence[str]) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT COUNT(*) FROM {EVENTS_TABLE} c JOIN {self.events_table_name} e "
                      "ON e.rowid=c.position WHERE c.cycle_id=? "
                      f"AND e.topic IN ({','.join('?' * len(topics))})",
                      [cycle_id.hex, *topics])
            return int(c.fetchone()[0])

    def select_cycle_members(self, cycle_id: UUID, kinds: Sequence[str] = ()) -> list[UUID]:
        statement = f"SELECT originator_id FROM {MEMBERS_TABLE} WHERE cycle_id=? "
        params: list[Any] = [cycle_id.hex]
        if kinds:
            statement += f"AND kind IN ({','.join('?' * len(kinds))}) "
            params += kinds
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement + "ORDER BY position", params)
            return [UUID(row[0]) for row in c.fetchall()]

    def index_cycles(self) -> int:
        """The cycle index filled from the whole log, in one transaction that holds the write
        lock throughout (so no write can slip past it); rows already there are kept."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {MEMBERS_TABLE} WHERE 0")  # takes the write lock now
            topics = list(CREATED_BY)
            after = 0
            while True:
                c.execute(f"SELECT rowid, originator_id, originator_version, topic, state "
                          f"FROM {self.events_table_name} WHERE rowid>? AND topic IN "
                          f"({','.join('?' * len(topics))}) ORDER BY rowid LIMIT ?",
                          [after, *topics, INDEX_PAGE])
                rows = c.fetchall()
                if not rows:
                    break
                created = [StoredEvent(UUID(r[1]), r[2], r[3], r[4]) for r in rows]
                self._index(c, created, [r[0] for r in rows], or_ignore="OR IGNORE")
                after = rows[-1][0]
            c.execute(f"INSERT OR IGNORE INTO {EVENTS_TABLE} (cycle_id, position) "
                      f"SELECT m.cycle_id, e.rowid FROM {self.events_table_name} e "
                      f"JOIN {MEMBERS_TABLE} m ON m.originator_id=e.originator_id")
            c.execute(f"SELECT COUNT(*) FROM {MEMBERS_TABLE}")
            return int(c.fetchone()[0])

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
        # How the cycle of a created aggregate is read from its stored event; the
        # application puts its mapper here when the store is not plain JSON.
        self.cycle_of: CycleOf = cycle_from_json
        schema = Identifier(self.datastore.schema)
        self._members = schema, Identifier(MEMBERS_TABLE)
        self._cycle_events = schema, Identifier(EVENTS_TABLE)
        self._id_type = Identifier(self.datastore.originator_id_type)
        self._creating = threading.local()
        self._index_statements = {conflict: self._make_index_statement(conflict)
                                  for conflict in ("", ON_CONFLICT)}
        self._index_one = SQL(
            "WITH members AS (INSERT INTO {}.{} (originator_id, cycle_id, kind, position) "
            "VALUES (%s, %s, %s, %s) RETURNING 1) "
            "INSERT INTO {}.{} (cycle_id, position) VALUES (%s, %s)").format(
            *self._members, *self._cycle_events)
        self.sql_create_statements += [
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (originator_id {} PRIMARY KEY, "
                "cycle_id {} NOT NULL, kind text NOT NULL, position bigint NOT NULL)").format(
                *self._members, self._id_type, self._id_type),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {}.{} (cycle_id, kind, position)").format(
                Identifier(f"{MEMBERS_TABLE}_by_cycle"), *self._members),
            SQL("CREATE TABLE IF NOT EXISTS {}.{} (cycle_id {} NOT NULL, "
                "position bigint NOT NULL, PRIMARY KEY (cycle_id, position))").format(
                *self._cycle_events, self._id_type)]

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        # The members these events create, read before anything is inserted: the library
        # commits what was inserted even when its own code raises afterwards (only a failed
        # statement aborts the transaction). Kept for `_fetch_ids_after_insert_events`.
        self._creating.members = created_members(stored_events, self.cycle_of)
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
        created, self._creating.members = self._creating.members, None
        self._index(curs, stored_events, ids or (), created)
        records = _records(kwargs)
        if records:
            curs.executemany(SQL("INSERT INTO {}.{} (scope, fingerprint, expires, status, body) "
                                 "VALUES (%s,%s,%s,%s,%s)").format(*self._idempotency),
                             _answers(records, ids or ()))
            if random.randrange(PURGE_ONE_IN) == 0:
                curs.execute(SQL("DELETE FROM {}.{} WHERE expires<=%s").format(
                    *self._idempotency), (time.time(),))
        return ids

    def _index(self, curs: Any, stored_events: Sequence[StoredEvent], positions: Sequence[int],
               created: Sequence[tuple[int, UUID, UUID, str]], on_conflict: str = "") -> None:
        """Only statements here, no check in Python: a statement that fails aborts the
        transaction, an exception raised here would not (see `_insert_stored_events`)."""
        members = positioned(created, positions)
        known, lookup = _placed(stored_events, positions, members)
        if not members and not known and not lookup:
            return
        if len(members) == 1 and len(known) == 1 and not lookup and not on_conflict:
            # The usual save: one aggregate created by one event (scalars adapt faster).
            member, cycle, kind, position = members[0]
            curs.execute(self._index_one, (member, cycle, kind, position, cycle, position),
                         prepare=True)
            return
        # One statement (a round trip and a parse fewer per write): the members, and the event
        # rows of members known here or looked up (made earlier, so visible to it).
        columns = ([list(column) for column in zip(*members, strict=True)] if members
                   else [[], [], [], []])
        for rows in (known, lookup):
            columns += [list(column) for column in zip(*rows, strict=True)] if rows else [[], []]
        curs.execute(self._index_statements[on_conflict], columns, prepare=True)
        if lookup:
            try:
                curs.fetchall()
            except psycopg.errors.NotNullViolation:
                raise _unplaced() from None

    def _make_index_statement(self, on_conflict: str) -> Composed:
        conflict = SQL(on_conflict)
        # An event whose aggregate is no member gets no cycle: the NOT NULL column refuses
        # it, which aborts the transaction.
        return SQL(
            "WITH members AS (INSERT INTO {}.{} (originator_id, cycle_id, kind, position) "
            "SELECT * FROM unnest(%s::{}[], %s::{}[], %s::text[], %s::bigint[]) {} "
            "RETURNING 1) "
            "INSERT INTO {}.{} (cycle_id, position) "
            "SELECT * FROM unnest(%s::{}[], %s::bigint[]) "
            "UNION ALL SELECT (SELECT m.cycle_id FROM {}.{} m "
            "WHERE m.originator_id=e.originator_id), e.position "
            "FROM unnest(%s::{}[], %s::bigint[]) AS e (originator_id, position) "
            "{} RETURNING 1").format(
            *self._members, self._id_type, self._id_type, conflict,
            *self._cycle_events, self._id_type,
            *self._members, self._id_type, conflict)

    def _cycle_query(self, cycle_id: UUID, after: int, limit: int,
                     topics: Sequence[str]) -> tuple[Composed, list[Any]]:
        statement = SQL("SELECT e.notification_id, e.originator_id, e.originator_version, "
                        "e.topic, e.state FROM {}.{} c JOIN {}.{} e "
                        "ON e.notification_id=c.position "
                        "WHERE c.cycle_id=%s AND c.position>%s").format(
            *self._cycle_events, *self._events)
        params: list[Any] = [cycle_id, after]
        if topics:
            statement += SQL(" AND e.topic = ANY(%s)")
            params.append(list(topics))
        params.append(limit)
        return statement + SQL(" ORDER BY c.position LIMIT %s"), params

    def select_cycle_notifications(self, cycle_id: UUID, after: int, limit: int,
                                   topics: Sequence[str] = ()) -> list[Notification]:
        statement, params = self._cycle_query(cycle_id, after, limit, topics)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [Notification(id=row["notification_id"], originator_id=row["originator_id"],
                                 originator_version=row["originator_version"],
                                 topic=row["topic"], state=bytes(row["state"]))
                    for row in curs.fetchall()]

    def count_cycle_events(self, cycle_id: UUID, topics: Sequence[str]) -> int:
        statement = SQL("SELECT COUNT(*) AS n FROM {}.{} c JOIN {}.{} e "
                        "ON e.notification_id=c.position "
                        "WHERE c.cycle_id=%s AND e.topic = ANY(%s)").format(
            *self._cycle_events, *self._events)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [cycle_id, list(topics)])
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def select_cycle_members(self, cycle_id: UUID, kinds: Sequence[str] = ()) -> list[UUID]:
        statement = SQL("SELECT originator_id FROM {}.{} WHERE cycle_id=%s").format(
            *self._members)
        params: list[Any] = [cycle_id]
        if kinds:
            statement += SQL(" AND kind = ANY(%s)")
            params.append(list(kinds))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement + SQL(" ORDER BY position"), params, prepare=True)
            return [as_uuid(row["originator_id"]) for row in curs.fetchall()]

    def index_cycles(self) -> int:
        """The cycle index filled from the whole log, in one transaction that holds the events
        table's lock throughout (so no write can slip past it); rows already there are kept."""
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            after = 0
            while True:
                curs.execute(SQL("SELECT notification_id, originator_id, originator_version, "
                                 "topic, state FROM {}.{} WHERE notification_id>%s "
                                 "AND topic = ANY(%s) ORDER BY notification_id "
                                 "LIMIT %s").format(*self._events),
                             [after, list(CREATED_BY), INDEX_PAGE])
                rows = curs.fetchall()
                if not rows:
                    break
                events = [StoredEvent(r["originator_id"], r["originator_version"], r["topic"],
                                      bytes(r["state"])) for r in rows]
                self._index(curs, events, [r["notification_id"] for r in rows],
                            created_members(events, self.cycle_of),
                            on_conflict=ON_CONFLICT)
                after = rows[-1]["notification_id"]
            curs.execute(SQL("INSERT INTO {}.{} (cycle_id, position) "
                             "SELECT m.cycle_id, e.notification_id FROM {}.{} e "
                             "JOIN {}.{} m ON m.originator_id=e.originator_id "
                             "ON CONFLICT DO NOTHING").format(
                *self._cycle_events, *self._events, *self._members))
            curs.execute(SQL("SELECT COUNT(*) AS n FROM {}.{}").format(*self._members))
            row = curs.fetchone()
            return int(row["n"]) if row else 0

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
