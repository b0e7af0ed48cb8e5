"""Following the event log into the read models, a batch at a time.

Why not the library's ProjectionRunner: it commits once per event, and catching up a million
ballots one transaction at a time is far too slow. Here a page of the log is folded in memory and
written with its tracking position in one transaction (the same exactly-once guarantee).

Once caught up, the follower takes new events from the library's subscription to the log
(`recorder.subscribe`: LISTEN/NOTIFY on PostgreSQL, so a write wakes it at once), folding
whatever has arrived together as one batch. SQLite cannot notify another process, and the
library has no subscription for it: there the follower polls (docs/adr/0019).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Mapper,
    Notification,
    Subscription,
)

from projections.fold import CHAINED, TOPICS, Batch
from projections.store import AnyReadModelStore
from projections.stored_ballot import BALLOT_CAST, cast_ballot, reads_plain_json

# Events a batch (one transaction). Large on purpose: each commit costs an fsync on SQLite, and
# catching up 200 000 ballots went from 16 000 to 23 000 events/s going from 5 000 to 20 000
# (benchmarks/bench_projection.py). When following live, pages are as small as what is new.
PAGE = 20_000
_WANTED = frozenset(TOPICS)
# How often a follower waiting on its subscription checks whether it was asked to stop, and how
# long it waits before subscribing again after the subscription failed (the store restarting).
STOP_CHECK_SECONDS = 0.2
RESUBSCRIBE_SECONDS = 1.0
LOG = logging.getLogger(__name__)


class _Lookups:
    """What a batch reads of what came before it: cycles and proposals from the read models, a
    ballot's cycle and area from the ballot's first event in the log (rarely: only a ballot's
    later events need them, and they are kept for the batch)."""

    def __init__(self, store: AnyReadModelStore, recorder: ApplicationRecorder,
                 mapper: Mapper[UUID]) -> None:
        self.cycle = store.cycle
        self.proposal = store.proposal
        self.comment = store.comment
        self.recorder = recorder
        self.mapper = mapper

    def ballot_cycle(self, ballot_id: str) -> tuple[str, str] | None:
        first = self.recorder.select_events(UUID(ballot_id), lte=1)
        if not first:
            return None
        cast = vars(self.mapper.to_domain_event(first[0]))
        return str(cast["cycle_id"]), str(cast["area"])


class Follower:
    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 store: AnyReadModelStore, page: int = PAGE) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.store = store
        self.page = page
        self._plain_json = reads_plain_json(mapper)
        self._lookups = _Lookups(store, recorder, mapper)
        # Told the position after each batch written (readers waiting in this process).
        self.advanced: Callable[[int], None] | None = None

    def catch_up(self, stop: threading.Event | None = None,
                 on_batch: Callable[[int], None] | None = None, until: int | None = None,
                 ) -> int:
        """Process everything stored now (or up to position `until`); returns how many."""
        processed = 0
        while stop is None or not stop.is_set():
            start = self.store.position() + 1
            if until is not None and start > until:
                break
            limit = self.page if until is None else min(self.page, until - start + 1)
            notifications = self.recorder.select_notifications(start, limit)
            if not notifications:
                break
            try:
                processed += self._process(notifications)
            except IntegrityError:
                # Another follower wrote this page first; its transaction holds the rows and
                # the position, ours was rolled back whole. Carry on from its position.
                continue
            if on_batch is not None:
                on_batch(notifications[-1].id)
            if len(notifications) < limit:
                break
        return processed

    def _process(self, notifications: Sequence[Notification]) -> int:
        batch = Batch(self._lookups)
        for notification in notifications:
            # Every position is tracked, but only our own topics are decoded: those the read
            # models fold, and every event of a cycle's aggregates (the audit chain links
            # them all, whether a read model uses them or not).
            topic = notification.topic
            cast = (cast_ballot(notification) if topic == BALLOT_CAST and self._plain_json
                    else None)
            if cast is not None:
                batch.apply_cast(notification.id, cast)
            elif topic in _WANTED or topic.startswith(CHAINED):
                batch.apply(notification.id, topic, self.mapper.to_domain_event(notification))
            else:
                batch.last_position = notification.id
        self.store.write(batch)
        if self.advanced is not None:
            self.advanced(notifications[-1].id)
        return len(notifications)

    def follow(self, stop: threading.Event, poll_seconds: float = 0.05) -> None:
        """Keep the read models current until `stop` is set: woken by the store's subscription
        where it has one (PostgreSQL), else polling every `poll_seconds` (SQLite)."""
        while not stop.is_set():
            self.catch_up(stop)
            try:
                subscription = self.recorder.subscribe(gt=self.store.position())
            except NotImplementedError:
                break
            try:
                self._follow_subscription(subscription, stop)
            except Exception:  # the connection failed: catch up and subscribe again
                LOG.warning("the read models' subscription to the event log ended; "
                            "subscribing again", exc_info=True)
                stop.wait(RESUBSCRIBE_SECONDS)
        while not stop.is_set():
            if self.catch_up(stop) == 0:
                stop.wait(poll_seconds)

    def _follow_subscription(self, subscription: Subscription[ApplicationRecorder],
                             stop: threading.Event) -> None:
        """Fold what the subscription yields, what has arrived together as one batch (at most
        a page), until `stop`; return when another follower wrote first (then the caller
        catches up from its position and subscribes again)."""
        arrived: queue.Queue[Notification | BaseException | None] = queue.Queue()

        def receive() -> None:  # the subscription blocks: a thread of its own waits on it
            try:
                for notification in subscription:
                    arrived.put(notification)
                arrived.put(None)
            except BaseException as error:
                arrived.put(error)

        with subscription:
            receiver = threading.Thread(target=receive, name="read-models-subscription",
                                        daemon=True)
            receiver.start()
            try:
                while not stop.is_set():
                    try:
                        first = arrived.get(timeout=STOP_CHECK_SECONDS)
                    except queue.Empty:
                        continue
                    batch, ended = _drained(first, arrived, self.page)
                    if batch:
                        try:
                            self._process(batch)
                        except IntegrityError:
                            return
                    if ended is not None:
                        if isinstance(ended, BaseException):
                            raise ended
                        return
            finally:
                subscription.stop()
        receiver.join(timeout=STOP_CHECK_SECONDS * 5)

    def rebuild(self) -> int:
        self.store.clear()
        return self.catch_up()


def _drained(first: Notification | BaseException | None,
             arrived: queue.Queue[Notification | BaseException | None], page: int,
             ) -> tuple[list[Notification], BaseException | bool | None]:
    """`first` and whatever else has arrived, up to `page` notifications; and how the
    subscription ended if it did (an error, or True), else None."""
    batch: list[Notification] = []
    item: Notification | BaseException | None = first
    while True:
        if item is None:
            return batch, True
        if isinstance(item, BaseException):
            return batch, item
        batch.append(item)
        if len(batch) >= page:
            return batch, None
        try:
            item = arrived.get_nowait()
        except queue.Empty:
            return batch, None
