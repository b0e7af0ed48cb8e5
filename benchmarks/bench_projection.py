"""How fast the read models catch up, against the eventsourcing library reading the same log.

    .venv/bin/python -m benchmarks.bench_projection [--events N] [--backend sqlite|postgres]

Builds a fresh store of N events (the demo cycle in voting, then ballots: see
benchmarks/generate.py), then measures in the same run:

1. the library alone: every notification read in pages (`select_notifications`) and decoded
   into its domain event (`mapper.to_domain_event`);
2. ours: a `Follower` catching up from zero into fresh read models (read, decode the topics the
   read models need, fold, write rows and the tracking position, one transaction a page).

Both read pages of the same size. Target: ours at least a third of the library's rate. The store
is removed afterwards unless --keep is given. PostgreSQL: a schema of its own in the database of
MEDBORGARBUDGET_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.generate import store_ballot_events
from domain.phases import Phase
from projections.follower import PAGE, Follower
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import run_demo
from service.read_models import open_store
from service.runtime import open_application

POSTGRES_URL = os.environ.get("MEDBORGARBUDGET_TEST_DATABASE_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
TARGET = 1 / 3


@contextmanager
def fresh_settings(backend: str, keep: bool) -> Iterator[Settings]:
    folder = Path(tempfile.mkdtemp(prefix="bench-projection-"))
    schema = None
    try:
        if backend == "postgres":
            import psycopg

            schema = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f'CREATE SCHEMA "{schema}"')
            yield Settings(folder / "data", f"{POSTGRES_URL}?schema={schema}")
        else:
            yield Settings(folder / "data")
    finally:
        if keep:
            print(f"Kept the store: {folder}" + (f", schema {schema}" if schema else ""))
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if schema is not None:
                import psycopg

                with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
                    connection.execute(f'DROP SCHEMA IF EXISTS "{schema}_bench" CASCADE')


def populate(app: Medborgarbudget, events: int) -> int:
    demo = run_demo(app, stop_in=Phase.VOTING)
    already = app.recorder.max_notification_id() or 0
    if events > already:
        store_ballot_events(app, demo.cycle_id, events - already)
    return app.recorder.max_notification_id() or 0


def library_read(app: Medborgarbudget, page: int) -> tuple[int, float]:
    """Every event read and decoded by the library alone: (events, seconds)."""
    count, start = 0, 1
    began = time.perf_counter()
    while True:
        notifications = app.recorder.select_notifications(start, page)
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        if len(notifications) < page:
            break
        start = notifications[-1].id + 1
    return count, time.perf_counter() - began


def raw_read(app: Medborgarbudget, page: int) -> tuple[int, float]:
    """Every notification read, not decoded (also warms the caches for both timed runs)."""
    count, start = 0, 1
    began = time.perf_counter()
    while True:
        notifications = app.recorder.select_notifications(start, page)
        count += len(notifications)
        if len(notifications) < page:
            break
        start = notifications[-1].id + 1
    return count, time.perf_counter() - began


def ours(app: Medborgarbudget, settings: Settings, page: int) -> tuple[int, float]:
    store = open_store(settings, scratch="bench")
    try:
        store.clear()
        follower = Follower(app.recorder, app.mapper, store, page=page)
        began = time.perf_counter()
        count = follower.catch_up()
        elapsed = time.perf_counter() - began
        assert store.position() == (app.recorder.max_notification_id() or 0)
        return count, elapsed
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--page", type=int, default=PAGE,
                        help="notifications per page, for both (default: the follower's)")
    parser.add_argument("--keep", action="store_true", help="keep the store afterwards")
    args = parser.parse_args(argv)

    with fresh_settings(args.backend, args.keep) as settings:
        app = open_application(settings)
        try:
            began = time.perf_counter()
            total = populate(app, args.events)
            print(f"{settings.describe()}: {total:,} events stored in "
                  f"{time.perf_counter() - began:.1f} s")
            read, seconds = raw_read(app, args.page)
            print(f"  read only (no decoding):        {read / seconds:>12,.0f} events/s")
            read, seconds = library_read(app, args.page)
            library = read / seconds
            print(f"  library: read + decode:         {library:>12,.0f} events/s "
                  f"({read:,} in {seconds:.1f} s)")
            done, seconds = ours(app, settings, args.page)
            projected = done / seconds
            print(f"  ours: Follower into read models:{projected:>12,.0f} events/s "
                  f"({done:,} in {seconds:.1f} s)")
        finally:
            app.close()
    ratio = projected / library
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"  ratio ours/library: {ratio:.2f} (target >= {TARGET:.2f}: {verdict}); "
          f"page {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
