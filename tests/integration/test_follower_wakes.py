"""The follower is woken by the store where the store can tell it (PostgreSQL's LISTEN/NOTIFY,
through the library's subscription) and folds what arrived together as one batch; readers in
the follower's process are woken by each batch it writes instead of looking again and again."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from projections.follower import Follower
from projections.store import ReadModelStore
from service.application import Medborgarbudget
from service.config import Settings
from service.read_models import ReadModels, open_store
from tests.integration.builders import ADMIN, configured_cycle, stored

WITHIN = 5.0  # seconds: far below the hour the pull loop would sleep in these tests


@pytest.fixture
def store(settings: Settings) -> Iterator[ReadModelStore]:
    opened = open_store(settings)
    yield opened
    opened.close()


def reaches(store: ReadModelStore, position: int, within: float = WITHIN) -> bool:
    deadline = time.monotonic() + within
    while store.position() < position:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_write_wakes_the_follower_through_the_subscription(
        app: Medborgarbudget, store: ReadModelStore) -> None:
    follower = Follower(app.recorder, app.mapper, store, page=3)
    stop = threading.Event()
    # Were it polling, it would look again only in an hour.
    thread = threading.Thread(target=follower.follow, args=(stop,),
                              kwargs={"poll_seconds": 3600}, daemon=True)
    thread.start()
    try:
        configured_cycle(app)  # several events: more than a page of 3
        assert reaches(store, stored(app))
        app.create_cycle("Budget 2028", "Testby kommun", ADMIN)
        assert reaches(store, stored(app))
    finally:
        stop.set()
        thread.join(timeout=WITHIN)
    assert not thread.is_alive(), "the follower did not stop when asked"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_subscribed_followers_end_with_every_event_once(
        app: Medborgarbudget, settings: Settings) -> None:
    """A follower that finds its batch written by the other catches up from there."""
    stores = [open_store(settings), open_store(settings)]
    stop = threading.Event()
    threads = [threading.Thread(target=Follower(app.recorder, app.mapper, s, page=2).follow,
                                args=(stop,), kwargs={"poll_seconds": 3600}, daemon=True)
               for s in stores]
    for thread in threads:
        thread.start()
    try:
        for n in range(3):
            configured_cycle(app, name=f"Budget {n}")
        assert reaches(stores[0], stored(app))
        assert len(stores[0].cycles()) == 3
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WITHIN)
        for s in stores:
            s.close()


def test_a_reader_in_the_followers_process_is_woken_by_its_batch(
        app: Medborgarbudget, store: ReadModelStore) -> None:
    read_models = ReadModels(app, store, follow=True)
    try:
        woken: list[int] = []
        read_models.follower.advanced = lambda position: (woken.append(position),
                                                          read_models.advances.moved(position))
        configured_cycle(app)
        head = stored(app)
        started = time.monotonic()
        # Given a minute: not woken, it would wait it all (a loaded machine takes seconds).
        assert asyncio.run(read_models.caught_up(head, timeout=60.0)) == head
        assert time.monotonic() - started < 45.0
        assert store.position() >= head
        assert woken and max(woken) >= head
        # A position beyond the log's end is not waited for.
        assert asyncio.run(read_models.caught_up(head + 1_000)) is None
    finally:
        read_models.close()


class CountedPositions:
    """The store's `position`, counting how often a reader looks."""

    def __init__(self, store: ReadModelStore) -> None:
        self.looks = 0
        self._position = store.position

    def __call__(self) -> int:
        self.looks += 1
        return self._position()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_reader_in_another_process_is_woken_by_the_followers_notify(
        app: Medborgarbudget, settings: Settings, store: ReadModelStore) -> None:
    """The reader's process follows nothing; a follower on another connection commits a batch
    and NOTIFYs. Were the reader polling or merely rechecking, it would look again only in an
    hour: it returns long before, having looked just before waiting and once when woken."""
    read_models = ReadModels(app, store, follow=False, recheck_seconds=3600)
    follower_store = open_store(settings)
    try:
        assert read_models.told.wait(WITHIN), "the listener never listened"
        configured_cycle(app)
        head = stored(app)
        counted = CountedPositions(store)
        store.position = counted  # type: ignore[method-assign]
        answer: list[int | None] = []
        reader = threading.Thread(
            target=lambda: answer.append(asyncio.run(read_models.caught_up(head, timeout=3600))),
            daemon=True)
        reader.start()
        # Once the reader has looked twice (whether the log is reachable, then the read
        # models), a batch committed from here on wakes it.
        while counted.looks < 2 and reader.is_alive():
            time.sleep(0.01)
        Follower(app.recorder, app.mapper, follower_store).catch_up()
        reader.join(timeout=600)
        assert not reader.is_alive(), "the notification did not wake the reader"
        assert answer == [head]
        assert counted.looks <= 3  # no poll: one look before waiting, one when woken
    finally:
        read_models.close()
        follower_store.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_cannot_tell_another_process_so_its_readers_keep_polling(
        app: Medborgarbudget, store: ReadModelStore) -> None:
    read_models = ReadModels(app, store, follow=False, recheck_seconds=3600)
    try:
        configured_cycle(app)
        head = stored(app)
        with pytest.raises(NotImplementedError):
            store.listen(lambda position: None, threading.Event())
        assert not read_models.told.is_set()
        # Nothing follows here: it polls until the timeout and returns what was asked.
        assert asyncio.run(read_models.caught_up(head, timeout=0.05)) == head
        assert store.position() < head
    finally:
        read_models.close()
