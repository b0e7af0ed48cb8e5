"""The version of the store's layout, recorded in the store itself.

A store is stamped with the version of the server that created it. A newer server opening an
older store runs the upgrade steps in between and stamps it anew; an older server refuses a
newer store rather than misread it. Stores made before the stamp existed count as version 0.

Runs while the process holds service/table_creation.py's lock, so of several processes opening
a store at once exactly one upgrades it, and the others find it upgraded.

Versions:
  0  before this table (read models of that time may lack rows since added)
  1  the stamp; upgrading to it rebuilds the read models from the events
  2  money in minor units (ADR 0014): events of the money-bearing classes are written at class
     version 2 (öre), which an older server would misread as kronor; the read models hold öre
     and the cycles' currency, so upgrading to it rebuilds them (old events are upcast as read)
  3  the cycle index (service/cycle_index.py, ADR 0015); upgrading to it fills the index from
     one scan of the log, holding the store's write lock
  4  the proposals' search read model (ADR 0023): its table starts empty in an older store,
     so upgrading to it rebuilds the read models
Each step runs for every store older than the version that brought it (`upgraded_from <
STEP`), so steps stay independent of the numbers between them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping

from service.config import ConfigurationError
from service.table_creation import POSTGRES, connect

# The version each step brings a store to.
STAMP = 1
MINOR_UNITS = 2
CYCLE_INDEX = 3
SEARCH = 4
SCHEMA_VERSION = max(STAMP, MINOR_UNITS, CYCLE_INDEX, SEARCH)
TABLE = "medborgarbudget_schema"


class StoreVersionError(ConfigurationError):
    """The store was written by a newer server than this one."""


def _sqlite(env: Mapping[str, str]) -> sqlite3.Connection:
    return sqlite3.connect(env["SQLITE_DBNAME"], timeout=float(env.get("SQLITE_LOCK_TIMEOUT",
                                                                        "10")))


def _table(env: Mapping[str, str]) -> str:
    return f'"{env.get("POSTGRES_SCHEMA", "public")}".{TABLE}'


def stored_version(env: Mapping[str, str]) -> int | None:
    """The stamp, creating its (empty) table if need be; None when the store has none."""
    create = "CREATE TABLE IF NOT EXISTS {t} (version INTEGER NOT NULL)"
    if env.get("PERSISTENCE_MODULE") == POSTGRES:
        with connect(env) as connection:
            connection.execute(create.format(t=_table(env)))
            row = connection.execute(f"SELECT max(version) FROM {_table(env)}").fetchone()
    else:
        with _sqlite(env) as connection:
            connection.execute(create.format(t=TABLE))
            row = connection.execute(f"SELECT max(version) FROM {TABLE}").fetchone()
        connection.close()
    return None if row is None or row[0] is None else int(row[0])


def stamp(env: Mapping[str, str], version: int) -> None:
    stored_version(env)  # the table exists
    if env.get("PERSISTENCE_MODULE") == POSTGRES:
        with connect(env) as connection, connection.transaction():
            connection.execute(f"DELETE FROM {_table(env)}")
            connection.execute(f"INSERT INTO {_table(env)} (version) VALUES (%s)", (version,))
    else:
        with _sqlite(env) as connection:
            connection.execute(f"DELETE FROM {TABLE}")
            connection.execute(f"INSERT INTO {TABLE} (version) VALUES (?)", (version,))
        connection.close()


def upgrade(env: Mapping[str, str], empty: bool,
            rebuild_read_models: Callable[[], object], *,
            index_cycles: Callable[[], object]) -> int | None:
    """Check the store's stamp against this server's and upgrade an older store; the version
    upgraded from, or None when nothing was done. Raises StoreVersionError for a newer one.
    `index_cycles` fills the cycle index from the log (idempotent)."""
    version = stored_version(env)
    if version is not None and version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"The store was written with schema version {version}, and this server knows "
            f"schema version {SCHEMA_VERSION} at most: install the newer version of "
            "medborgarbudget that wrote it (nothing was changed in the store).")
    if version == SCHEMA_VERSION:
        return None
    if version is None and empty:
        stamp(env, SCHEMA_VERSION)  # a new store
        return None
    upgraded_from = version or 0
    # Steps from each older version up to this one. The cycle index first: it is the event
    # store's, and reading a cycle's history goes through it.
    if upgraded_from < CYCLE_INDEX:
        index_cycles()
    # Version 1 only adds the stamp, and the read models of an older server may miss rows
    # this one keeps; version 2 keeps amounts in öre where they held kronor: rebuild them
    # (once, whichever steps are due); version 4 adds a read model to fill from the start.
    if upgraded_from < max(MINOR_UNITS, SEARCH):
        rebuild_read_models()
    stamp(env, SCHEMA_VERSION)
    return upgraded_from
