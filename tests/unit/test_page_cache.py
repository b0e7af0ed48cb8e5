"""The feedback pages' one-second cache (service/pages/page_cache.py), in front of a fake
application that counts its renders."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from service.pages.page_cache import PageCache


class Pages:
    """Answers every request with a page numbered by how many it has rendered."""

    def __init__(self, status: int = 200, cookie: bool = False) -> None:
        self.renders = 0
        self.status = status
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.renders += 1
        body = f"render {self.renders} of {scope['path']}".encode()
        headers = [(b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())]
        if self.cookie:
            headers.append((b"set-cookie", b"session=x"))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body[:5], "more_body": True})
        await send({"type": "http.response.body", "body": body[5:]})


def get(cache: PageCache, path: str, query: str = "", cookie: bool = False,
        method: str = "GET") -> tuple[int, bytes]:
    sent: list[Message] = []
    headers = [(b"cookie", b"medborgarbudget_session=abc")] if cookie else []
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "headers": headers,
                             "query_string": query.encode()}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(cache(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_page_is_rendered_once_a_moment_per_address_and_language() -> None:
    pages = Pages()
    cache = PageCache(pages, fresh_seconds=0.2)
    first = get(cache, "/cycles/c1")
    assert get(cache, "/cycles/c1") == first == (200, b"render 1 of /cycles/c1")
    assert get(cache, "/cycles/c1", "lang=en") == (200, b"render 2 of /cycles/c1")
    assert get(cache, "/cycles/c1", "lang=en&") == (200, b"render 2 of /cycles/c1")
    assert get(cache, "/cycles/c1/results") == (200, b"render 3 of /cycles/c1/results")
    time.sleep(0.25)
    assert get(cache, "/cycles/c1") == (200, b"render 4 of /cycles/c1")


def test_readers_with_a_session_or_waiting_for_a_write_get_a_fresh_render() -> None:
    pages = Pages()
    cache = PageCache(pages, fresh_seconds=60)
    get(cache, "/cycles/c1")
    assert get(cache, "/cycles/c1", cookie=True) == (200, b"render 2 of /cycles/c1")
    assert get(cache, "/cycles/c1", "position=12") == (200, b"render 3 of /cycles/c1")
    assert get(cache, "/cycles/c1", "lang=en&position=12") == (200, b"render 4 of /cycles/c1")


def test_only_plain_successful_feedback_pages_are_kept() -> None:
    for pages in (Pages(status=404), Pages(cookie=True)):
        cache = PageCache(pages, fresh_seconds=60)
        get(cache, "/proposals/p1")
        get(cache, "/proposals/p1")
        assert pages.renders == 2
    pages = Pages()
    cache = PageCache(pages, fresh_seconds=60)
    for path, method in (("/sign-in", "GET"), ("/cycles/c1/vote", "GET"),
                         ("/api/v1/cycles", "GET"), ("/cycles/c1", "HEAD")):
        get(cache, path, method=method)
        get(cache, path, method=method)
    assert pages.renders == 8


def test_the_least_recently_read_pages_are_forgotten_first() -> None:
    pages = Pages()
    cache = PageCache(pages, fresh_seconds=60, max_pages=2)
    get(cache, "/proposals/a")
    get(cache, "/proposals/b")
    get(cache, "/proposals/a")  # read again: b is now the least recent
    get(cache, "/proposals/c")
    assert get(cache, "/proposals/a") == (200, b"render 1 of /proposals/a")
    assert get(cache, "/proposals/b") == (200, b"render 4 of /proposals/b")
