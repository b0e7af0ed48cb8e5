"""`medborgarbudget backup FILE` and `restore FILE`.

A backup is a gzipped tar archive: `manifest.json` (backend, schema version, the log's head) and
the store. SQLite: copies made with SQLite's online backup API (consistent while the server
writes) of the events, the read models, the ended sessions, the personal data (ADR 0028) and
the pictures (ADR 0030). PostgreSQL: `pg_dump` of the data in our schema (`data.sql`); the
tables are made by the server's own code on restore, so a backup restores into a schema of any
name.

Restoring goes into an empty store only (no event in it): it never merges two histories. The
read models are then rebuilt from the restored events.

Not in a backup: the keys (MEDBORGARBUDGET_SECRET and the local ones in the data folder). The
deployment secret is kept outside the data folder precisely so that a copy of the data cannot
recompute the voters' pseudonyms; back it up separately (docs/deploy.md).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service import schema_version
from service.config import Settings, private_file, private_folder
from service.personal.store import PERSONAL_FILE, open_personal_data
from service.picture_blobs import PICTURES_FILE, open_picture_blobs
from service.read_models import READ_MODELS_FILE, open_store
from service.runtime import open_application, rebuild_read_models
from service.web.ended_sessions import ENDED_SESSIONS_FILE, open_ended_sessions

FORMAT = "medborgarbudget-backup"
MANIFEST = "manifest.json"
EVENTS_FILE = "events.sqlite3"
SQLITE_FILES = (EVENTS_FILE, READ_MODELS_FILE, ENDED_SESSIONS_FILE, PERSONAL_FILE, PICTURES_FILE)
DUMP = "data.sql"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (exit code 2)."""


@dataclass(frozen=True)
class Restored:
    events: int
    schema_version: int


def backup(settings: Settings, target: Path) -> dict[str, object]:
    """Write the store of `settings` to `target`; the manifest written."""
    app = open_application(settings)
    try:
        head = app.recorder.max_notification_id() or 0
    finally:
        app.close()
    env = settings.eventsourcing_env()
    manifest: dict[str, object] = {
        "format": FORMAT, "version": 1, "backend": settings.backend,
        "schema_version": schema_version.stored_version(env), "head": head,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory(prefix="medborgarbudget-backup-") as scratch:
        folder = Path(scratch)
        if settings.backend == "sqlite":
            members = _copy_sqlite(settings.data_dir, folder)
        else:
            manifest["schema"] = env.get("POSTGRES_SCHEMA", "public")
            members = [_pg_dump(env, folder / DUMP)]
        partial = target.with_name(f".{target.name}.partial")
        # 0600 like everything the service writes: a backup holds every ballot.
        partial.unlink(missing_ok=True)
        private_file(partial)
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            for member in members:
                archive.add(member, arcname=member.name)
        partial.replace(target)
    return manifest


def _copy_sqlite(data_dir: Path, folder: Path) -> list[Path]:
    copies = []
    for name in SQLITE_FILES:
        source = data_dir / name
        if not source.is_file():
            continue
        copy = folder / name
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
        copies.append(copy)
    return copies


def _pg_dump(env: Mapping[str, str], output: Path) -> Path:
    schema = env.get("POSTGRES_SCHEMA", "public")
    _run(["pg_dump", "--data-only", "--no-owner", "--no-privileges", "--format=plain",
          f'--schema="{schema}"',
          f'--exclude-table-data="{schema}".{schema_version.TABLE}', "--file", str(output),
          *_pg_connection(env)], env)
    return output


def restore(settings: Settings, source: Path) -> Restored:
    """Restore the backup `source` into the empty store of `settings`, then rebuild the read
    models. Raises BackupError (nothing changed) for a bad file or a store that is not empty."""
    manifest, archive = _open(source)
    with archive:
        if manifest.get("backend") != settings.backend:
            raise BackupError(f"{source} is a backup of a {manifest.get('backend')} store; the "
                              f"store configured here is {settings.backend}. Restore it into "
                              "a store of the same kind.")
        version = manifest.get("schema_version")
        if isinstance(version, int) and version > schema_version.SCHEMA_VERSION:
            raise BackupError(f"{source} was written with schema version {version}; this "
                              f"server knows schema version {schema_version.SCHEMA_VERSION} "
                              "at most: restore it with the newer medborgarbudget.")
        _refuse_unless_empty(settings)
        if settings.backend == "sqlite":
            _restore_sqlite(settings.data_dir, archive)
        else:
            _restore_postgres(settings, archive, str(manifest.get("schema", "public")))
    env = settings.eventsourcing_env()
    schema_version.stamp(env, version if isinstance(version, int) else 0)
    app = open_application(settings)  # upgrades the restored store if it is older
    try:
        events = app.recorder.max_notification_id() or 0
        rebuild_read_models(app, settings)
    finally:
        app.close()
    return Restored(events, schema_version.SCHEMA_VERSION)


def _open(source: Path) -> tuple[dict[str, object], tarfile.TarFile]:
    if not source.is_file():
        raise BackupError(f"No such file: {source}")
    archive = None
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - the caller closes it
        member = archive.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except (tarfile.TarError, KeyError, OSError, ValueError):
        manifest = None
    if archive is None or not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        if archive is not None:
            archive.close()
        raise BackupError(f"{source} is not a medborgarbudget backup.")
    return manifest, archive


def _refuse_unless_empty(settings: Settings) -> None:
    if settings.backend == "sqlite":
        events = settings.data_dir / EVENTS_FILE
        count = _sqlite_events(events) if events.is_file() else 0
    else:
        app = open_application(settings)
        try:
            count = app.recorder.max_notification_id() or 0
        finally:
            app.close()
    if count:
        raise BackupError(f"The store is not empty ({settings.describe()} holds events up to "
                          f"position {count}). Restore only into an empty store: a new data "
                          "folder, database or schema.")


def _sqlite_events(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        try:
            row = connection.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        except sqlite3.OperationalError:  # no table yet: an empty file
            return 0
    return int(row[0] or 0)


def _restore_sqlite(data_dir: Path, archive: tarfile.TarFile) -> None:
    private_folder(data_dir)
    for name in SQLITE_FILES:
        member = _member(archive, name)
        for leftover in (name, f"{name}-wal", f"{name}-shm", f"{name}-journal"):
            (data_dir / leftover).unlink(missing_ok=True)  # an empty store's files
        if member is None:
            continue
        target = data_dir / name
        private_file(target)
        with target.open("wb") as output:
            shutil.copyfileobj(member, output)


def _member(archive: tarfile.TarFile, name: str) -> io.BufferedReader | None:
    try:
        found = archive.extractfile(name)
    except KeyError:
        return None
    return found  # type: ignore[return-value]


def _restore_postgres(settings: Settings, archive: tarfile.TarFile, dumped_schema: str) -> None:
    member = _member(archive, DUMP)
    if member is None:
        raise BackupError("The backup holds no data.sql.")
    env = settings.eventsourcing_env()
    # The tables, made by the server's own code (the app's are made by `_refuse_unless_empty`).
    open_store(settings).close()
    open_ended_sessions(settings).close()
    open_personal_data(settings).close()
    open_picture_blobs(env).close()
    schema = env.get("POSTGRES_SCHEMA", "public")
    with tempfile.TemporaryDirectory(prefix="medborgarbudget-restore-") as scratch:
        script = Path(scratch) / "restore.sql"
        with script.open("w", encoding="utf-8") as out:
            out.writelines(_into_schema(io.TextIOWrapper(member, encoding="utf-8"),
                                        dumped_schema, schema))
        _run(["psql", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
              "--single-transaction", "--file", str(script), *_pg_connection(env)], env)


def _into_schema(lines: Iterator[str] | io.TextIOWrapper, old: str, new: str) -> Iterator[str]:
    """pg_dump's script with the schema renamed (in its statements, never in the data), and
    each table emptied before its rows are copied in."""
    names = re.compile(rf'(?<![\w"])(?:"{re.escape(old)}"|{re.escape(old)})\.')
    quoted = f'"{new}".'
    copying = False
    for line in lines:
        if copying:
            copying = line.rstrip("\n") != "\\."
            yield line
            continue
        line = names.sub(lambda _: quoted, line)
        line = line.replace(f"'{old}.", f"'{quoted}")  # setval('schema.sequence', ...)
        if line.startswith("COPY "):
            table = line.split(" ", 2)[1]
            yield f"TRUNCATE {table};\n"
            copying = True
        yield line


def _pg_connection(env: Mapping[str, str]) -> list[str]:
    return ["--host", env["POSTGRES_HOST"], "--port", env["POSTGRES_PORT"],
            "--username", env["POSTGRES_USER"], "--dbname", env["POSTGRES_DBNAME"]]


def _run(command: list[str], env: Mapping[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed: it comes with PostgreSQL's client "
                          "programs (Debian: apt-get install postgresql-client).")
    # The password goes by environment, never on a command line others can list.
    child_env = {**os.environ, "PGPASSWORD": env.get("POSTGRES_PASSWORD", ""),
                 "PGCONNECT_TIMEOUT": env.get("POSTGRES_CONNECT_TIMEOUT", "5")}
    done = subprocess.run(command, env=child_env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): "
                          f"{done.stderr.strip()[-2000:]}")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    archive.addfile(info, io.BytesIO(data))
