"""The read models' tables, on SQLite or PostgreSQL, written with their tracking position.

Each store is the eventsourcing library's tracking recorder for its database, extended with our
tables: a batch of changed rows and the position of its last event are written in one
transaction, so after a crash the rows and the position agree and no event is counted twice.
The SQL is written once, portable between the two databases.
"""

from __future__ import annotations

import json
import threading
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeGuard, TypeVar

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.json_values import SQLValue, json_int, json_str
from projections import search
from projections.fold import Batch
from projections.rows import (
    CommentRow,
    CommentThread,
    CycleRow,
    ProposalRow,
    ReportedItem,
    StoredResult,
    TurnoutRow,
    is_comment_row,
    is_cycle_row,
    is_proposal_row,
)
from projections.search import ProposalFilter

WRITE_CACHE_KIB = 262_144
STOP_CHECK_SECONDS = 0.2  # how often a listener waiting for a notification checks `stop`
TABLES = ("rm_cycles", "rm_proposals", "rm_turnout", "rm_results", "rm_audit", "rm_receipts",
          search.SEARCH_TABLE, "rm_comments", "rm_pictures")

CREATE = (
    "CREATE TABLE IF NOT EXISTS {rm_cycles} (cycle_id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {rm_proposals} (proposal_id TEXT PRIMARY KEY, "
    "cycle_id TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {ix}rm_proposals_cycle ON {rm_proposals} (cycle_id)",
    # Comments and replies (ADR 0024): the text, or none once the moderator hid it.
    "CREATE TABLE IF NOT EXISTS {rm_comments} (comment_id TEXT PRIMARY KEY, "
    "cycle_id TEXT NOT NULL, proposal_id TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {ix}rm_comments_proposal ON {rm_comments} (proposal_id)",
    "CREATE INDEX IF NOT EXISTS {ix}rm_comments_cycle ON {rm_comments} (cycle_id)",
    # The pictures shown now, by digest: what /pictures/ serves (ADR 0030). A removed
    # picture's row, and a hidden proposal's, is gone.
    "CREATE TABLE IF NOT EXISTS {rm_pictures} (digest TEXT NOT NULL, proposal_id TEXT NOT NULL, "
    "cycle_id TEXT NOT NULL, PRIMARY KEY (digest, proposal_id))",
    # A ballot's cycle and area were kept here for its later events; they are read from the
    # ballot's first event in the log instead (projections/follower.py), and a million random
    # keys are not written on a voting day.
    "DROP TABLE IF EXISTS {rm_ballots}",
    "CREATE TABLE IF NOT EXISTS {rm_turnout} (cycle_id TEXT NOT NULL, area TEXT NOT NULL, "
    "channel TEXT NOT NULL, day TEXT NOT NULL, age_band TEXT NOT NULL, "
    "ballots BIGINT NOT NULL, PRIMARY KEY (cycle_id, area, channel, day, age_band))",
    "CREATE TABLE IF NOT EXISTS {rm_results} (cycle_id TEXT NOT NULL, area TEXT NOT NULL, "
    "proposal_id TEXT NOT NULL, title TEXT NOT NULL, cost BIGINT NOT NULL, score TEXT NOT NULL, "
    "selected INTEGER NOT NULL, rank INTEGER, reason TEXT NOT NULL, "
    "PRIMARY KEY (cycle_id, proposal_id))",
    "CREATE TABLE IF NOT EXISTS {rm_audit} (position {position} PRIMARY KEY, "
    "cycle_id TEXT NOT NULL, "
    "at TEXT NOT NULL, role TEXT NOT NULL, actor TEXT NOT NULL, event TEXT NOT NULL, "
    "summary TEXT NOT NULL, reason TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {ix}rm_audit_cycle ON {rm_audit} (cycle_id, position)",
    # The digests of the receipt codes of stored ballots, so a resident can check that theirs
    # is among them; nothing else of the ballot.
    "CREATE TABLE IF NOT EXISTS {rm_receipts} (digest TEXT PRIMARY KEY, "
    "cycle_id TEXT NOT NULL){without_rowid}",
)

UPSERT_CYCLE = ("INSERT INTO {rm_cycles} (cycle_id, doc) VALUES (?, ?) "
                "ON CONFLICT (cycle_id) DO UPDATE SET doc = excluded.doc")
UPSERT_PROPOSAL = ("INSERT INTO {rm_proposals} (proposal_id, cycle_id, doc) VALUES (?, ?, ?) "
                   "ON CONFLICT (proposal_id) DO UPDATE SET doc = excluded.doc")
UPSERT_COMMENT = ("INSERT INTO {rm_comments} (comment_id, cycle_id, proposal_id, doc) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (comment_id) DO UPDATE SET doc = excluded.doc")
PICTURE_SQL = {
    "shown": "INSERT INTO {rm_pictures} (digest, proposal_id, cycle_id) VALUES (?, ?, ?) "
             "ON CONFLICT (digest, proposal_id) DO NOTHING",
    "gone": "DELETE FROM {rm_pictures} WHERE digest = ? AND proposal_id = ?",
    "hidden": "DELETE FROM {rm_pictures} WHERE proposal_id = ?",
}
DELETE_RESULTS = "DELETE FROM {rm_results} WHERE cycle_id = ?"
HIDE_RESULT_TITLE = "UPDATE {rm_results} SET title = '' WHERE cycle_id = ? AND proposal_id = ?"


@dataclass(frozen=True)
class BulkInsert:
    """Many rows into one table in one statement's worth of work: `executemany` on SQLite, a
    single `INSERT ... SELECT FROM unnest(arrays)` on PostgreSQL (one round trip, where
    executemany costs one per row)."""

    table: str
    columns: tuple[tuple[str, str], ...]  # (name, PostgreSQL type)
    conflict: str = ""

    def names(self) -> str:
        return ", ".join(name for name, _ in self.columns)


TURNOUT = BulkInsert(
    "rm_turnout", (("cycle_id", "text"), ("area", "text"), ("channel", "text"), ("day", "text"),
                   ("age_band", "text"), ("ballots", "bigint")),
    "ON CONFLICT (cycle_id, area, channel, day, age_band) "
    "DO UPDATE SET ballots = {rm_turnout}.ballots + excluded.ballots")
RESULTS = BulkInsert(
    "rm_results", (("cycle_id", "text"), ("area", "text"), ("proposal_id", "text"),
                   ("title", "text"), ("cost", "bigint"), ("score", "text"),
                   ("selected", "integer"), ("rank", "integer"), ("reason", "text")))
RECEIPTS = BulkInsert("rm_receipts", (("digest", "text"), ("cycle_id", "text")))
AUDIT = BulkInsert(
    "rm_audit", (("position", "bigint"), ("cycle_id", "text"), ("at", "text"), ("role", "text"),
                 ("actor", "text"), ("event", "text"), ("summary", "text"), ("reason", "text")))


def _dump(doc: CycleRow | ProposalRow | CommentRow) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class DBRow(Protocol):
    """A row as the database driver gives it (sqlite3.Row, psycopg's dict row): its columns by
    name."""

    def __getitem__(self, column: str, /) -> SQLValue: ...
    def keys(self) -> Collection[str]: ...


class DBCursor(Protocol):
    """What the read models ask of a database cursor: SQLite's (the library's SQLiteCursor)
    and psycopg's alike."""

    def execute(self, sql: str, params: Sequence[SQLValue] = ..., /) -> object: ...
    def executemany(self, sql: str, rows: Iterable[Sequence[SQLValue]], /) -> object: ...
    def fetchall(self) -> Sequence[DBRow]: ...


Doc = TypeVar("Doc", CycleRow, ProposalRow, CommentRow)
C = TypeVar("C", bound=DBCursor)  # the database's own cursor type


def _doc(row: DBRow, is_doc: Callable[[object], TypeGuard[Doc]]) -> Doc:
    """A row's JSON document (its `doc` column), checked to be of its kind where it is read."""
    doc = json.loads(json_str(row["doc"], "a read model's document"))
    if not is_doc(doc):
        raise TypeError(f"not the document its table holds: {sorted(doc)}")
    return doc


def _docs(rows: Sequence[DBRow], is_doc: Callable[[object], TypeGuard[Doc]]) -> list[Doc]:
    return [_doc(row, is_doc) for row in rows]


class ReadModelStore(TrackingRecorder, Generic[C]):
    """Queries and batch writes common to both databases."""

    application_name = "Medborgarbudget"

    @abstractmethod
    def _names(self) -> dict[str, str]: ...

    @abstractmethod
    def _placeholder(self, sql: str) -> str: ...

    @abstractmethod
    @contextmanager
    def _transaction(self, commit: bool) -> Iterator[C]: ...

    @abstractmethod
    def _record_tracking(self, cursor: C, tracking: Tracking) -> None: ...

    @abstractmethod
    def _search_query(self, cycle_id: str,
                      condition: ProposalFilter) -> tuple[str, list[SQLValue]] | None: ...

    def _announce(self, cursor: C, position: int) -> None:
        """Tell readers in other processes, once the batch is committed, that the read models
        now reach `position`. Only PostgreSQL can (`listen`)."""

    def listen(self, moved: Callable[[int], None], stop: threading.Event,
               listening: Callable[[], None] = lambda: None) -> None:
        """Call `moved(position)` each time a follower, in any process, commits a batch, until
        `stop`; `listening()` once every later commit will be heard. Raises
        NotImplementedError where the database cannot tell other processes (SQLite)."""
        raise NotImplementedError

    def close(self) -> None:
        self.datastore.close()  # type: ignore[attr-defined]

    def sql(self, template: str) -> str:
        return self._placeholder(template.format(**self._names()))

    def _rows(self, template: str, params: Sequence[SQLValue] = ()) -> list[DBRow]:
        with self._transaction(commit=False) as cursor:
            cursor.execute(self.sql(template), list(params))
            rows = list(cursor.fetchall())  # the driver's rows: typed where fetched
            return list(rows)

    # ---- writing ---------------------------------------------------------------------------

    def write(self, batch: Batch) -> None:
        """Every change of the batch and the position of its last event, atomically."""
        if batch.last_position is None:
            return
        with self._transaction(commit=True) as cursor:
            if batch.cycles:
                cursor.executemany(self.sql(UPSERT_CYCLE),
                                   [(k, _dump(v)) for k, v in batch.cycles.items()])
            if batch.proposals:
                cursor.executemany(self.sql(UPSERT_PROPOSAL),
                                   [(k, v["cycle_id"], _dump(v))
                                    for k, v in batch.proposals.items()])
                cursor.executemany(self.sql(search.UPSERT),
                                   [search.search_row(v) for v in batch.proposals.values()])
            if batch.comments:
                cursor.executemany(self.sql(UPSERT_COMMENT),
                                   [(k, v["cycle_id"], v["proposal_id"], _dump(v))
                                    for k, v in batch.comments.items()])
            for kind, digest, proposal_id, cycle_id in batch.picture_changes:
                cursor.execute(self.sql(PICTURE_SQL[kind]),
                               {"shown": [digest, proposal_id, cycle_id],
                                "gone": [digest, proposal_id],
                                "hidden": [proposal_id]}[kind])
            if batch.receipts:
                self._insert_many(cursor, RECEIPTS, [(d, c) for c, d in batch.receipts])
            if batch.turnout:
                self._insert_many(cursor, TURNOUT,
                                  [(*key, count) for key, count in batch.turnout.items()])
            for cycle_id, rows in batch.results.items():
                cursor.execute(self.sql(DELETE_RESULTS), [cycle_id])
                self._insert_many(cursor, RESULTS, [
                    (r["cycle_id"], r["area"], r["proposal_id"], r["title"], r["cost"],
                     r["score"], int(r["selected"]), r["rank"], r["reason"]) for r in rows])
            if batch.hidden_titles:
                cursor.executemany(self.sql(HIDE_RESULT_TITLE), batch.hidden_titles)
            if batch.audit:
                self._insert_many(cursor, AUDIT, batch.audit)  # AuditRows are in column order
            self._record_tracking(cursor, Tracking(self.application_name, batch.last_position))
            self._announce(cursor, batch.last_position)

    def _insert_many(self, cursor: C, bulk: BulkInsert,
                     rows: Sequence[Sequence[SQLValue]]) -> None:
        if not rows:
            return
        marks = ", ".join("?" for _ in bulk.columns)
        cursor.executemany(self.sql(f"INSERT INTO {{{bulk.table}}} ({bulk.names()}) "
                                    f"VALUES ({marks}) {bulk.conflict}"), rows)

    def clear(self) -> None:
        """Remove every row and the position: the next catch-up rebuilds from the start."""
        with self._transaction(commit=True) as cursor:
            for table in TABLES:
                cursor.execute(self.sql(f"DELETE FROM {{{table}}}"))
            cursor.execute(self.sql("DELETE FROM {tracking} WHERE application_name = ?"),
                           [self.application_name])

    # ---- lookups for the fold ---------------------------------------------------------------

    def cycle(self, cycle_id: str) -> CycleRow | None:
        rows = self._rows("SELECT doc FROM {rm_cycles} WHERE cycle_id = ?", [cycle_id])
        return _doc(rows[0], is_cycle_row) if rows else None

    def proposal(self, proposal_id: str) -> ProposalRow | None:
        rows = self._rows("SELECT doc FROM {rm_proposals} WHERE proposal_id = ?", [proposal_id])
        return _doc(rows[0], is_proposal_row) if rows else None

    def comment(self, comment_id: str) -> CommentRow | None:
        rows = self._rows("SELECT doc FROM {rm_comments} WHERE comment_id = ?", [comment_id])
        return _doc(rows[0], is_comment_row) if rows else None

    # ---- queries for pages and the API --------------------------------------------------------

    def comments_of(self, proposal_id: str) -> list[CommentThread]:
        """A proposal's comments, oldest first, each top-level one with its `replies`."""
        rows = self._rows("SELECT doc FROM {rm_comments} WHERE proposal_id = ?", [proposal_id])
        docs = sorted(_docs(rows, is_comment_row), key=lambda d: (d["at"], d["id"]))
        threads: list[CommentThread] = [{**d, "replies": []} for d in docs
                                        if d["parent_id"] is None]
        by_id = {t["id"]: t for t in threads}
        for reply in docs:
            if reply["parent_id"] in by_id:
                by_id[reply["parent_id"]]["replies"].append(reply)
        return threads

    def reported_in(self, cycle_id: str) -> list[ReportedItem]:
        """The cycle's reported items not hidden yet, most reported first: the moderators'
        queue (a report stays counted; hiding takes the item off the queue)."""
        rows = self._rows("SELECT doc FROM {rm_comments} WHERE cycle_id = ?", [cycle_id])
        items: list[ReportedItem] = [
            {"kind": "comment", "id": d["id"], "proposal_id": d["proposal_id"],
             "text": d["text"], "reports": d["reports"]}
            for d in _docs(rows, is_comment_row) if d["reports"] and d["hidden"] is None]
        items += [{"kind": "proposal", "id": d["id"], "proposal_id": d["id"],
                   "text": d["title"], "reports": d.get("reports", 0)}
                  for d in self.proposals_of(cycle_id)
                  if d.get("reports") and d.get("hidden") is None]
        return sorted(items, key=lambda i: (-i["reports"], i["id"]))

    def position(self) -> int:
        return self.max_tracking_id(self.application_name) or 0

    def cycles(self) -> list[CycleRow]:
        rows = self._rows("SELECT doc FROM {rm_cycles}")
        return sorted(_docs(rows, is_cycle_row), key=lambda d: d["created_at"], reverse=True)

    def proposals_of(self, cycle_id: str) -> list[ProposalRow]:
        rows = self._rows("SELECT doc FROM {rm_proposals} WHERE cycle_id = ?", [cycle_id])
        return sorted(_docs(rows, is_proposal_row),
                      key=lambda d: (d["area"], d["submitted_at"], d["id"]))

    def has_places(self, cycle_id: str) -> bool:
        """Whether some proposal of the cycle has a place with coordinates (the map page's
        link shows then). Its JSON is written compactly (`_dump`), and a quote inside a text is
        escaped there, so only a place's own "lat" key matches."""
        rows = self._rows("SELECT 1 AS one FROM {rm_proposals} WHERE cycle_id = ? "
                          "AND doc LIKE ? LIMIT 1", [cycle_id, '%"lat":"%'])
        return bool(rows)

    def search_proposals(self, cycle_id: str, condition: ProposalFilter) -> list[str]:
        """The ids of the cycle's proposals that match, in the order to show them: the best
        match first when searching for words, else by area and submission."""
        query = self._search_query(cycle_id, condition)
        if query is None:
            return []
        template, params = query
        return [str(r["proposal_id"]) for r in self._rows(template, params)]

    def results_of(self, cycle_id: str) -> list[StoredResult]:
        rows = self._rows(
            "SELECT area, proposal_id, title, cost, score, selected, rank, reason "
            "FROM {rm_results} WHERE cycle_id = ?", [cycle_id])
        results: list[StoredResult] = [
            {"area": _text(r["area"]), "proposal_id": _text(r["proposal_id"]),
             "title": _text(r["title"]), "cost": json_int(r["cost"], "a cost"),
             "score": _text(r["score"]), "selected": bool(r["selected"]),
             "rank": None if r["rank"] is None else json_int(r["rank"], "a rank"),
             "reason": _text(r["reason"])} for r in rows]
        return sorted(results, key=lambda r: (r["area"], r["rank"] is None, r["rank"] or 0,
                                              -float(r["score"]), r["proposal_id"]))

    def receipt_stored(self, cycle_id: str, digest: str) -> bool:
        """Whether a ballot of the cycle carries the receipt code with this digest."""
        return bool(self._rows("SELECT 1 FROM {rm_receipts} WHERE digest = ? AND cycle_id = ?",
                               [digest, cycle_id]))

    def picture_shown(self, digest: str) -> bool:
        """Whether a proposal shows the picture now."""
        return bool(self._rows("SELECT 1 FROM {rm_pictures} WHERE digest = ? LIMIT 1",
                               [digest]))

    def turnout_of(self, cycle_id: str) -> list[TurnoutRow]:
        rows = self._rows("SELECT area, channel, day, age_band, ballots FROM {rm_turnout} "
                          "WHERE cycle_id = ?", [cycle_id])
        turnout: list[TurnoutRow] = [
            {"area": _text(r["area"]), "channel": _text(r["channel"]), "day": _text(r["day"]),
             "age_band": _text(r["age_band"]), "ballots": json_int(r["ballots"], "a count")}
            for r in rows]
        return sorted(turnout, key=lambda r: (r["area"], r["day"], r["channel"], r["age_band"]))

    def audit_of(self, cycle_id: str, after: int = 0,
                 limit: int = 100) -> list[dict[str, SQLValue]]:
        """The cycle's rows of rm_audit (the columns of fold.AuditRow but the cycle) by name."""
        rows = self._rows(
            "SELECT position, at, role, actor, event, summary, reason FROM {rm_audit} "
            "WHERE cycle_id = ? AND position > ? ORDER BY position LIMIT ?",
            [cycle_id, after, limit])
        return [{column: r[column] for column in r.keys()} for r in rows]  # noqa: SIM118

    def cycle_rows(self, table: str, cycle_id: str) -> list[tuple[SQLValue, ...]]:
        """The rows of one cycle in a table, in a stable order."""
        assert table in TABLES
        rows = self._rows(f"SELECT * FROM {{{table}}} WHERE cycle_id = ?", [cycle_id])
        return sorted(tuple(r[k] for k in r.keys()) for r in rows)  # noqa: SIM118

    def table_rows(self, table: str) -> list[tuple[SQLValue, ...]]:
        """Every row of a table in a stable order, to compare two stores."""
        assert table in TABLES
        rows = self._rows(f"SELECT * FROM {{{table}}}")
        return sorted(tuple(r[k] for k in r.keys()) for r in rows)  # noqa: SIM118


def _text(value: SQLValue) -> str:
    return json_str(value, "a text column")


class SQLiteReadModelStore(SQLiteTrackingRecorder, ReadModelStore[SQLiteCursor]):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                *(self.sql(s) for s in (*CREATE, *search.SQLITE_CREATE))]

    def _names(self) -> dict[str, str]:
        # A position is SQLite's rowid (one B-tree, appended to, not two); a receipt row lives
        # in its primary key's B-tree (WITHOUT ROWID): each write touches one tree fewer.
        return {**{t: t for t in (*TABLES, "rm_ballots", "rm_search_text")},
                "tracking": "tracking", "ix": "", "position": "INTEGER",
                "without_rowid": " WITHOUT ROWID"}

    def _search_query(self, cycle_id: str,
                      condition: ProposalFilter) -> tuple[str, list[SQLValue]] | None:
        return search.sqlite_query(cycle_id, condition)

    def _placeholder(self, sql: str) -> str:
        return sql

    @contextmanager
    def _transaction(self, commit: bool) -> Iterator[SQLiteCursor]:
        with self.datastore.transaction(commit=commit) as cursor:
            if commit:
                # Ballot ids are effectively random keys: past a few hundred thousand, SQLite's
                # default 2 MB page cache thrashes on them (rm_receipts). 256 MB
                # for a writing connection.
                cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
            yield cursor

    def _record_tracking(self, cursor: SQLiteCursor, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


class PostgresReadModelStore(PostgresTrackingRecorder, ReadModelStore[Cursor[DictRow]]):
    def __init__(self, datastore: PostgresDatastore, *,
                 tracking_table_name: str = "notification_tracking") -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        # The library's statements are psycopg SQL objects; ours are plain text wrapped alike.
        self.sql_create_statements.extend(
            SQL(self.sql(s)) for s in (*CREATE, *search.POSTGRES_CREATE))  # type: ignore[misc]

    def _names(self) -> dict[str, str]:
        schema = self.datastore.schema
        names = {t: f'"{schema}"."{t}"' for t in (*TABLES, "rm_ballots")}
        return {**names, "tracking": f'"{schema}"."{self.tracking_table_name}"', "ix": "",
                "position": "BIGINT", "without_rowid": ""}

    def _placeholder(self, sql: str) -> str:
        return sql.replace("?", "%s")

    @property
    def channel(self) -> str:
        """The channel the followers NOTIFY on: one per schema, as the read models are."""
        return f"{self.datastore.schema}_read_models"[:63]  # PostgreSQL's identifier length

    def _announce(self, cursor: Cursor[DictRow], position: int) -> None:
        # Inside the batch's transaction: PostgreSQL delivers a NOTIFY when, and only if, it
        # commits, so a reader woken by it finds the batch.
        cursor.execute("SELECT pg_notify(%s, %s)", [self.channel, str(position)])

    def listen(self, moved: Callable[[int], None], stop: threading.Event,
               listening: Callable[[], None] = lambda: None) -> None:
        with self.datastore.get_connection() as connection:
            connection.execute(SQL("LISTEN {0}").format(Identifier(self.channel)))
            listening()
            try:
                while not stop.is_set():
                    # A bounded wait, so that `stop` is seen without a notification.
                    for notification in connection.notifies(timeout=STOP_CHECK_SECONDS):
                        moved(int(notification.payload))
            finally:
                connection.execute(SQL("UNLISTEN {0}").format(Identifier(self.channel)))

    @contextmanager
    def _transaction(self, commit: bool) -> Iterator[Cursor[DictRow]]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def _record_tracking(self, cursor: Cursor[DictRow], tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _search_query(self, cycle_id: str,
                      condition: ProposalFilter) -> tuple[str, list[SQLValue]] | None:
        return search.postgres_query(cycle_id, condition)

    def _insert_many(self, cursor: Cursor[DictRow], bulk: BulkInsert,
                     rows: Sequence[Sequence[SQLValue]]) -> None:
        if not rows:
            return
        arrays = ", ".join(f"?::{kind}[]" for _, kind in bulk.columns)
        cursor.execute(self.sql(f"INSERT INTO {{{bulk.table}}} ({bulk.names()}) "
                                f"SELECT * FROM unnest({arrays}) {bulk.conflict}"),
                       [list(column) for column in zip(*rows, strict=True)])


# A store of either database, as the follower and the service hold one.
AnyReadModelStore = SQLiteReadModelStore | PostgresReadModelStore
