"""Tables the service keeps of its own beside the event store, holding no events: the ended
sessions, the pictures' bytes, residents' personal data and their mail.

On SQLite each is a private file in the data folder (apart from the events and the read
models, so its writes never wait for theirs) with one connection that a process's threads share
under a lock; on PostgreSQL they are tables in the configured schema, reached through a small
pool. Processes starting together create them in turn (service/table_creation.py). Statements
are written once for both, with `?` placeholders.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from service.table_creation import POSTGRES, connect, one_at_a_time, pool_kwargs, private_sqlite

SQLITE, POSTGRESQL = "sqlite", "postgresql"


class Transaction:
    """The statements of one transaction (or of one read, see `OwnTables.read`)."""

    def __init__(self, connection: Any, placeholder: str) -> None:
        self._connection = connection
        self._placeholder = placeholder

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._connection.execute(self._sql(sql), tuple(params))

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        cursor = self._connection.cursor()
        try:
            cursor.executemany(self._sql(sql), [tuple(row) for row in rows])
        finally:
            cursor.close()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.run(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        found = self.run(sql, params).fetchone()
        return tuple(found) if found is not None else None


class OwnTables(ABC):
    backend: str
    # Whether a read is answered from a file of this machine at once (an indexed read, well
    # under a millisecond), so that a request may ask on the event loop.
    answers_at_once = False

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[Transaction]:
        """Statements that commit together, or not at all."""

    @abstractmethod
    def autocommit(self) -> contextlib.AbstractContextManager[Transaction]:
        """Statements each on its own (no BEGIN and COMMIT to wait for): a look-up."""

    @abstractmethod
    def close(self) -> None: ...


class SQLiteTables(OwnTables):
    backend = SQLITE
    answers_at_once = True

    def __init__(self, path: Path | None, create: Iterable[str]) -> None:
        """`path` None: in memory (beside an in-memory event store, in tests)."""
        if path is None:
            self._db = sqlite3.connect(":memory:", isolation_level=None,
                                       check_same_thread=False)
            for statement in create:
                self._db.execute(statement)
        else:
            self._db = private_sqlite(path, create)
        # Re-entrant: an operation may use `autocommit` inside its own transaction.
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._db, "?")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def autocommit(self) -> Iterator[Transaction]:
        with self._lock:
            yield Transaction(self._db, "?")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresTables(OwnTables):
    backend = POSTGRESQL

    def __init__(self, env: Mapping[str, str], create: Iterable[str], *, name: str,
                 min_size: int = 1, max_size: int = 4) -> None:
        from psycopg_pool import ConnectionPool

        schema = env.get("POSTGRES_SCHEMA") or "public"
        with one_at_a_time(env), connect(env) as connection:
            connection.execute(f'SET search_path TO "{schema}"')
            for statement in create:
                connection.execute(statement)
        self._pool = ConnectionPool(
            kwargs={**pool_kwargs(env), "options": f"-c search_path={schema}"},
            min_size=min_size, max_size=max_size, open=True, name=name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._pool.connection() as connection, connection.transaction():
            yield Transaction(connection, "%s")

    @contextlib.contextmanager
    def autocommit(self) -> Iterator[Transaction]:
        with self._pool.connection() as connection:
            yield Transaction(connection, "%s")

    def close(self) -> None:
        self._pool.close()


def open_own_tables(env: Mapping[str, str], file_name: str,
                    create: Callable[[str], Iterable[str]], *, name: str,
                    min_size: int = 1) -> OwnTables:
    """The tables `create(backend)` makes, beside the event store the library's `env`
    configures: in `file_name` next to its SQLite file (in memory beside an in-memory one), or
    in its PostgreSQL schema (a pool called `name` of at least `min_size` connections)."""
    if env.get("PERSISTENCE_MODULE") == POSTGRES:
        return PostgresTables(env, create(POSTGRESQL), name=name, min_size=min_size)
    events = env.get("SQLITE_DBNAME", ":memory:")
    if events == ":memory:" or "mode=memory" in events:
        return SQLiteTables(None, create(SQLITE))
    return SQLiteTables(Path(events).parent / file_name, create(SQLITE))
