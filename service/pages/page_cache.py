"""The public feedback pages, rendered at most once a second per address for anonymous readers.

When a vote is announced on local television, thousands of residents read the same few pages in
the same minute; each render costs several read-model queries and a template with charts. A page
an anonymous reader gets is the same for every anonymous reader (no session, no form, no CSRF
token: service/pages/routes.py), so one render can serve all of them for a moment. The read models
are themselves a moment behind the log, so a second more changes what a reader sees only as much
as arriving a second earlier would.

Not cached: a request with a cookie (a signed-in resident sees their own header; any session may
carry a form), a request asking for `?position=N` (read your writes: it must wait for that
write), anything but a 200 without Set-Cookie, and every address but the feedback pages.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRESH_SECONDS = 1.0
MAX_PAGES = 512  # addresses kept; the least recently used go first
PAGES = re.compile(r"/|/cycles/[^/]+(/proposals|/results|/progress)?|/proposals/[^/]+")


@dataclass(frozen=True)
class _Page:
    made: float
    start: Message
    body: bytes


class PageCache:
    def __init__(self, app: ASGIApp, fresh_seconds: float = FRESH_SECONDS,
                 max_pages: int = MAX_PAGES) -> None:
        self.app = app
        self.fresh_seconds = fresh_seconds
        self.max_pages = max_pages
        self._pages: OrderedDict[tuple[str, str], _Page] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        page = self._pages.get(key)
        if page is not None and now - page.made < self.fresh_seconds:
            self._pages.move_to_end(key)
            await send(page.start)
            await send({"type": "http.response.body", "body": page.body})
            return
        await self.app(scope, receive, self._keeping(key, now, send))

    def _key(self, scope: Scope) -> tuple[str, str] | None:
        if scope["type"] != "http" or scope["method"] != "GET" \
                or not PAGES.fullmatch(scope["path"]):
            return None
        if any(name == b"cookie" for name, _ in scope["headers"]):
            return None
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if any(name == "position" for name, _ in query):
            return None
        return scope["path"], urlencode(sorted(query))

    def _keeping(self, key: tuple[str, str], made: float, send: Send) -> Send:
        start: Message | None = None
        chunks: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                cacheable = message["status"] == 200 and not any(
                    name == b"set-cookie" for name, _ in message.get("headers", []))
                start = message if cacheable else None
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(key, _Page(made, start, b"".join(chunks)))
            await send(message)

        return sending

    def _keep(self, key: tuple[str, str], page: _Page) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
