"""The bytes of proposals' pictures, by content hash, outside the event log (ADR 0030).

Each picture is kept in the sizes made at upload (`width`), every one re-encoded by
service/picture_images.py: the bytes a resident sent are never stored. A row is named by the
picture's digest and its width, and never changes once written; a picture removed by a
moderator is erased here (the event keeps only its digest, alt text and size).

Where the other data is: on PostgreSQL a table in the configured schema, so every worker on
every machine reads the same pictures; on SQLite a file of its own in the data folder (like the
ended sessions), so a 5 MB write never holds the event store's write lock. An in-memory event
store (tests) gets an in-memory picture store.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.config import private_file
from service.table_creation import POSTGRES, connect, one_at_a_time, pool_kwargs

PICTURES_FILE = "pictures.sqlite3"
TABLE = "picture_blobs"
CREATE = ("CREATE TABLE IF NOT EXISTS {table} (digest TEXT NOT NULL, width INTEGER NOT NULL, "
          "media_type TEXT NOT NULL, body {blob} NOT NULL, PRIMARY KEY (digest, width))",)
INSERT = ("INSERT INTO {table} (digest, width, media_type, body) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (digest, width) DO NOTHING")
LOOKUP = "SELECT media_type, body FROM {table} WHERE digest = ? AND width = ?"
ERASE = "DELETE FROM {table} WHERE digest = ?"


@dataclass(frozen=True)
class Variant:
    """One stored size of a picture."""

    width: int
    media_type: str
    body: bytes


class PictureBlobs(ABC):
    @abstractmethod
    def put(self, digest: str, variants: Sequence[Variant]) -> None:
        """Store every size of a picture in one transaction; a size already stored (the same
        picture uploaded again) is left as it is."""

    @abstractmethod
    def get(self, digest: str, width: int) -> Variant | None: ...

    @abstractmethod
    def erase(self, digest: str) -> None:
        """Every size of the picture gone."""

    @abstractmethod
    def close(self) -> None: ...


class SQLitePictureBlobs(PictureBlobs):
    def __init__(self, path: Path | None) -> None:
        """`path` None: in memory, for an in-memory event store."""
        if path is not None:
            private_file(path)
        target = ":memory:" if path is None else str(path)
        with one_at_a_time({"SQLITE_DBNAME": target}):
            self._db = sqlite3.connect(target, timeout=10, isolation_level=None,
                                       check_same_thread=False)
            if path is not None:
                self._db.execute("PRAGMA journal_mode = WAL")
            for statement in CREATE:
                self._db.execute(statement.format(table=TABLE, blob="BLOB"))
        self._lock = threading.Lock()

    def put(self, digest: str, variants: Sequence[Variant]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(INSERT.format(table=TABLE), [
                    (digest, v.width, v.media_type, v.body) for v in variants])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, digest: str, width: int) -> Variant | None:
        with self._lock:
            row = self._db.execute(LOOKUP.format(table=TABLE), (digest, width)).fetchone()
        return None if row is None else Variant(width, row[0], bytes(row[1]))

    def erase(self, digest: str) -> None:
        with self._lock:
            self._db.execute(ERASE.format(table=TABLE), (digest,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresPictureBlobs(PictureBlobs):
    def __init__(self, env: Mapping[str, str]) -> None:
        from psycopg_pool import ConnectionPool

        self._table = f'"{env.get("POSTGRES_SCHEMA") or "public"}"."{TABLE}"'
        with one_at_a_time(env), connect(env) as connection:
            for statement in CREATE:
                connection.execute(statement.format(table=self._table, blob="BYTEA"))
        # Opened with no connection: most processes (the projector, the CLI) never read a
        # picture; a worker serving pages opens at most a few.
        self._pool = ConnectionPool(kwargs=pool_kwargs(env), min_size=0, max_size=4, open=True,
                                    name="picture-blobs")

    def _sql(self, template: str) -> str:
        return template.format(table=self._table).replace("?", "%s")

    def put(self, digest: str, variants: Sequence[Variant]) -> None:
        with self._pool.connection() as connection, connection.transaction(), \
                connection.cursor() as cursor:
            cursor.executemany(self._sql(INSERT), [
                (digest, v.width, v.media_type, v.body) for v in variants])

    def get(self, digest: str, width: int) -> Variant | None:
        with self._pool.connection() as connection:
            row = connection.execute(self._sql(LOOKUP), (digest, width)).fetchone()
        return None if row is None else Variant(width, row[0], bytes(row[1]))

    def erase(self, digest: str) -> None:
        with self._pool.connection() as connection:
            connection.execute(self._sql(ERASE), (digest,))

    def close(self) -> None:
        self._pool.close()


def open_picture_blobs(env: Mapping[str, str]) -> PictureBlobs:
    """The picture store beside the event store the library's `env` configures."""
    if env.get("PERSISTENCE_MODULE") == POSTGRES:
        return PostgresPictureBlobs(env)
    events = env.get("SQLITE_DBNAME", ":memory:")
    if events == ":memory:" or "mode=memory" in events:
        return SQLitePictureBlobs(None)
    return SQLitePictureBlobs(Path(events).parent / PICTURES_FILE)
