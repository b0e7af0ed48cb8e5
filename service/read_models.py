"""Opening the read models for the configured store, and keeping them current.

Embedded (SQLite): the read models live in their own file beside the events and a thread of the
server process follows the log. PostgreSQL: the tables live beside the events and
`medborgarbudget project` follows the log as a process of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from starlette.concurrency import run_in_threadpool

from projections.follower import Follower
from projections.store import (
    TABLES,
    AnyReadModelStore,
    PostgresReadModelStore,
    SQLiteReadModelStore,
)
from service.application import Medborgarbudget
from service.config import Settings, private_file
from service.table_creation import connect, one_at_a_time

READ_MODELS_FILE = "readmodels.sqlite3"
WAIT_SECONDS = 5.0  # the longest a reader waits for a write to reach the read models
# How often a reader looks again when nothing tells it that the follower moved: the follower is
# another process and the store cannot notify (SQLite), or the listener is down. With the
# follower in this process each batch it writes wakes the readers; on PostgreSQL the follower
# NOTIFYs each batch it commits and a listener thread wakes them.
POLL_SECONDS = 0.01
# While a listener is up a reader still looks this often, in case a notification was lost with
# the listener's connection before it noticed.
RECHECK_SECONDS = 1.0
RELISTEN_SECONDS = 1.0  # before listening again after the listener's connection failed
LOG = logging.getLogger(__name__)


def open_store(settings: Settings, scratch: str | None = None) -> AnyReadModelStore:
    """The read models of `settings`; `scratch` names a separate set (e.g. for a replay)."""
    env: dict[str, Any] = dict(settings.eventsourcing_env())
    kind: type[AnyReadModelStore]
    if settings.backend == "sqlite":
        name = f"readmodels-{scratch}.sqlite3" if scratch else READ_MODELS_FILE
        env["SQLITE_DBNAME"] = str(settings.data_dir / name)
        private_file(settings.data_dir / name)
        kind = SQLiteReadModelStore
    else:
        kind = PostgresReadModelStore
        if scratch:
            env["POSTGRES_SCHEMA"] = f"{env.get('POSTGRES_SCHEMA', 'public')}_{scratch}"
            _ensure_schema(env)
    factory = InfrastructureFactory.construct(Environment("ReadModels", env))
    # Both backends take turns: the library's SQLite tracking table reads, then inserts, its
    # migration record, so two processes opening a fresh file at once collide there too.
    with one_at_a_time(env):
        store = factory.tracking_recorder(kind)
    if not isinstance(store, SQLiteReadModelStore | PostgresReadModelStore):
        raise TypeError(f"the library made a {type(store).__name__}, not a read model store")
    return store


def _ensure_schema(env: dict[str, Any]) -> None:
    with connect(env) as connection:
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{env["POSTGRES_SCHEMA"]}"')


PAGE_ENV = "MEDBORGARBUDGET_PROJECTION_PAGE"


def follower_for(app: Medborgarbudget, store: AnyReadModelStore) -> Follower:
    """The follower of `app`'s log into `store`; MEDBORGARBUDGET_PROJECTION_PAGE sets how many
    events it folds a transaction (default projections.follower.PAGE; tests make it small)."""
    page = Settings.from_env().projection_page
    if page is None:
        return Follower(app.recorder, app.mapper, store)
    return Follower(app.recorder, app.mapper, store, page=page)


def replay_differences(app: Medborgarbudget, settings: Settings, live: AnyReadModelStore,
                       cycle_id: str) -> list[str]:
    """Rebuild the read models into a scratch store and compare one cycle's rows with `live`."""
    scratch = open_store(settings, scratch="replay")
    try:
        scratch.clear()
        follower_for(app, scratch).catch_up(until=live.position())
        differences = []
        for table in TABLES:
            mine, theirs = live.cycle_rows(table, cycle_id), scratch.cycle_rows(table, cycle_id)
            if mine != theirs:
                only_live = [r for r in mine if r not in theirs]
                only_replay = [r for r in theirs if r not in mine]
                differences.append(f"{table}: {len(only_live)} rows only in the live read "
                                   f"models, {len(only_replay)} only in the replay; first: "
                                   f"{(only_live or only_replay)[0]!r}"[:500])
        return differences
    finally:
        scratch.clear()
        scratch.close()


@dataclass(frozen=True)
class Lag:
    events: int  # stored but not yet in the read models
    seconds: float  # since this process first saw the log ahead of a position still missing


class LagWatch:
    """How long the read models have been behind, as this process sees it.

    The follower may run in another process (PostgreSQL), so the lag is measured from outside:
    each check notes the log's head the first time it sees it ahead of the read models, and the
    lag in seconds is the age of the oldest head noted that they have not reached yet. Checks
    come with every readiness probe and scrape, so the figure is late by one probe at most;
    it is 0 whenever the read models are current.
    """

    MAX_NOTED = 10_000  # heads noted while behind; beyond, the oldest ones are enough

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._noted: deque[tuple[int, float]] = deque()
        self._lock = threading.Lock()

    def observe(self, head: int, position: int) -> Lag:
        now = self.clock()
        with self._lock:
            while self._noted and self._noted[0][0] <= position:
                self._noted.popleft()
            if head > position and (not self._noted or self._noted[-1][0] < head) \
                    and len(self._noted) < self.MAX_NOTED:
                self._noted.append((head, now))
            seconds = now - self._noted[0][1] if self._noted else 0.0
        return Lag(max(head - position, 0), seconds)


class Advances:
    """Wakes the readers waiting in this process (coroutines, on any event loop) each time the
    follower in this process has written a batch."""

    def __init__(self) -> None:
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()

    def moved(self, position: int) -> None:
        with self._lock:
            waiting = list(self._waiting)
        for loop, event in waiting:
            with contextlib.suppress(RuntimeError):  # its loop has closed meanwhile
                loop.call_soon_threadsafe(event.set)

    @contextlib.contextmanager
    def watching(self) -> Iterator[asyncio.Event]:
        """An event set at each batch written while inside this block."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiting.add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                self._waiting.discard(waiter)


class ReadModels:
    """The read models with read-your-writes: `wait(position)` until they include a write."""

    def __init__(self, app: Medborgarbudget, store: AnyReadModelStore, follow: bool,
                 recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.store = store
        self._recorder = app.recorder
        self.follower = follower_for(app, store)
        self.lag_watch = LagWatch()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.advances = Advances()
        # Set while every batch a follower commits wakes the readers of this process.
        self.told = threading.Event()
        self.recheck_seconds = recheck_seconds
        if follow:
            self.follower.advanced = self.advances.moved
            self.told.set()
            self._thread = threading.Thread(target=self.follower.follow, args=(self._stop,),
                                            name="read-models", daemon=True)
        else:
            self._thread = threading.Thread(target=self._listen, name="read-models-listener",
                                            daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        """Wake the readers at each batch a follower in another process commits, for as long
        as the store can tell (PostgreSQL); a failed connection is opened again."""
        while not self._stop.is_set():
            try:
                self.store.listen(self.advances.moved, self._stop, listening=self.told.set)
            except NotImplementedError:
                return  # SQLite: the readers poll
            except Exception:
                LOG.warning("the read models' listener failed; listening again", exc_info=True)
            finally:
                self.told.clear()
            # Readers woken now look again, and poll until the listener is back.
            self.advances.moved(-1)
            self._stop.wait(RELISTEN_SECONDS)

    def lag(self) -> Lag:
        """How far behind the log the read models are; raises if a store does not answer."""
        position = self.store.position()
        return self.lag_watch.observe(self._recorder.max_notification_id() or 0, position)

    def reachable(self, position: int | None) -> int | None:
        """`position` if it names a write that was made, else None: nobody waits for a write
        beyond the log's end (a reader could otherwise hold the server with ?position=<huge>)."""
        if position is None or self.store.position() >= position:
            return position
        head = self._recorder.max_notification_id() or 0
        return position if position <= head else None

    async def caught_up(self, position: int | None, timeout: float | None = None) -> int | None:
        """Wait until the read models include `position`, a few seconds at most, on the
        server's event loop: no thread is held while waiting (each check is a short query in
        the thread pool). Each batch a follower writes wakes the reader: in this process
        directly, from another process through the store's notification (PostgreSQL). Where
        nothing tells (SQLite with the follower elsewhere), it looks again every POLL_SECONDS.
        Returns `position`, or None when none was asked or it lies beyond the log's end (then
        nothing is waited for)."""
        reachable = await run_in_threadpool(self.reachable, position)
        if reachable is None:
            return None
        deadline = time.monotonic() + (WAIT_SECONDS if timeout is None else timeout)
        with self.advances.watching() as moved:
            while True:
                moved.clear()  # before the check: a batch written after it wakes the wait
                if await run_in_threadpool(self.store.position) >= reachable:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if not self.told.is_set():
                    await asyncio.sleep(min(POLL_SECONDS, remaining))
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(moved.wait(), min(remaining, self.recheck_seconds))
        return reachable

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.store.close()
