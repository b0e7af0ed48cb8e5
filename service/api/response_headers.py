"""What the site's own ASGI middleware share: HTTP requests only, and headers added to the
response as it starts (plain ASGI, so the ballot request pays no more than a function call)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Header = tuple[bytes, bytes]


class HttpMiddleware(ABC):
    """Passes anything but an HTTP request (lifespan, websockets) straight to `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    @abstractmethod
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None: ...


def adding(headers: Sequence[Header], send: Send,
           started: Callable[[int], None] | None = None) -> Send:
    """`send` with `headers` added to the response's start; `started` is told its status."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            if started is not None:
                started(message["status"])
            message["headers"] = [*message.get("headers", ()), *headers]
        await send(message)

    return send_with_headers
