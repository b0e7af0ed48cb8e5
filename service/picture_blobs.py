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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.own_tables import SQLITE, OwnTables, open_own_tables

PICTURES_FILE = "pictures.sqlite3"
CREATE = ("CREATE TABLE IF NOT EXISTS picture_blobs (digest TEXT NOT NULL, "
          "width INTEGER NOT NULL, media_type TEXT NOT NULL, body {blob} NOT NULL, "
          "PRIMARY KEY (digest, width))",)
INSERT = ("INSERT INTO picture_blobs (digest, width, media_type, body) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (digest, width) DO NOTHING")
LOOKUP = "SELECT media_type, body FROM picture_blobs WHERE digest = ? AND width = ?"
ERASE = "DELETE FROM picture_blobs WHERE digest = ?"


@dataclass(frozen=True)
class Variant:
    """One stored size of a picture."""

    width: int
    media_type: str
    body: bytes


class PictureBlobs:
    def __init__(self, tables: OwnTables) -> None:
        self._tables = tables

    def put(self, digest: str, variants: Sequence[Variant]) -> None:
        """Store every size of a picture in one transaction; a size already stored (the same
        picture uploaded again) is left as it is."""
        with self._tables.transaction() as t:
            t.many(INSERT, [(digest, v.width, v.media_type, v.body) for v in variants])

    def get(self, digest: str, width: int) -> Variant | None:
        with self._tables.autocommit() as t:
            row = t.one(LOOKUP, (digest, width))
        return None if row is None else Variant(width, row[0], bytes(row[1]))

    def erase(self, digest: str) -> None:
        """Every size of the picture gone."""
        with self._tables.autocommit() as t:
            t.run(ERASE, (digest,))

    def close(self) -> None:
        self._tables.close()


def _create(backend: str) -> list[str]:
    return [statement.format(blob="BLOB" if backend == SQLITE else "BYTEA")
            for statement in CREATE]


def open_picture_blobs(env: Mapping[str, str]) -> PictureBlobs:
    """The picture store beside the event store the library's `env` configures. Its pool
    opens with no connection: most processes (the projector, the CLI) never read a picture;
    a worker serving pages opens at most a few."""
    return PictureBlobs(open_own_tables(env, PICTURES_FILE, _create, name="picture-blobs",
                                        min_size=0))
