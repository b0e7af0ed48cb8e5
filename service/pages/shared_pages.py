"""The public feedback pages, built at most about once a second per address, whoever reads them.

When a vote is announced on local television, thousands of residents read the same few pages in
the same minute; building one costs several read-model queries and a template with charts. All
of a page is the same for every reader but the account corner of its header (signed in as whom,
the sign-out form with its CSRF token), so the page is built once with a mark in that corner and
each reader gets it with their own corner put in (service/pages/routes.py).

A page is kept for `fresh_seconds`: the read models trail the log anyway, and a second more is
what arriving a second earlier would show. A reader asking for `?position=N` (read your writes)
gets a page that includes position N, built afresh if the kept one is older. While one thread
builds a page, others asking for it get the one kept, if it will do, instead of building it too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

FRESH_SECONDS = 1.0
MAX_PAGES = 512  # addresses kept; the least recently read go first

Build = Callable[[], tuple[int, str]]  # -> (read-model position the page includes, its HTML)


@dataclass(frozen=True)
class _Page:
    made: float
    position: int
    html: str


class SharedPages:
    def __init__(self, fresh_seconds: float = FRESH_SECONDS, max_pages: int = MAX_PAGES) -> None:
        self.fresh_seconds = fresh_seconds
        self.max_pages = max_pages
        self._lock = threading.Lock()
        self._pages: OrderedDict[Hashable, _Page] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}

    def page(self, key: Hashable, position: int | None, build: Build) -> str:
        """The HTML kept for `key` if fresh (and including `position`), else `build()`'s."""
        asked = time.monotonic()
        kept = self._usable(key, position, asked)
        if kept is not None:
            return kept.html
        with self._lock:
            builder = self._building.setdefault(key, threading.Lock())
        if not builder.acquire(blocking=False):
            # Someone is building it: a kept page that includes `position` will do meanwhile.
            kept = self._usable(key, position, None)
            if kept is not None:
                return kept.html
            builder.acquire()
        try:
            kept = self._usable(key, position, asked)  # built while we waited
            if kept is not None:
                return kept.html
            made = time.monotonic()
            included, html = build()
            self._keep(key, _Page(made, included, html))
            return html
        finally:
            builder.release()
            with self._lock:
                if key not in self._pages:  # nothing kept (e.g. not found): forget the lock too
                    self._building.pop(key, None)

    def forget_all(self) -> None:
        """Build every page afresh from now on: a resident erased their name, which no event
        records, so no position tells the kept pages are stale (other worker processes'
        pages follow within their second of freshness)."""
        with self._lock:
            self._pages.clear()

    def _usable(self, key: Hashable, position: int | None, as_of: float | None,
                ) -> _Page | None:
        """The kept page, if it includes `position` and was fresh at `as_of` (None: any age)."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            self._pages.move_to_end(key)
        if position is not None and kept.position < position:
            return None
        if as_of is not None and as_of - kept.made >= self.fresh_seconds:
            return None
        return kept

    def _keep(self, key: Hashable, page: _Page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                gone, _ = self._pages.popitem(last=False)
                self._building.pop(gone, None)
