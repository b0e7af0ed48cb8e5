"""Refuses unreadable request bodies before any route or session code runs: too large (413) or,
to the API, not JSON (415). The residents' pages post ordinary HTML forms.

Plain ASGI rather than Starlette's BaseHTTPMiddleware: that one runs every request through an
extra task and memory stream, which cost more than the rest of a ballot request put together.
"""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.problems import problem

WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
# Picture uploads (ADR 0030), on the API and the pages: read by their routes as they stream in,
# within limits of their own (service/uploads.py), so never buffered here.
STREAMED = re.compile(r"/api/v1/cycles/[^/]+/proposals/[^/]+/pictures|/proposals/[^/]+/pictures")


class BodyGuard:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WITH_BODY \
                or (scope["method"] == "POST" and STREAMED.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:  # read at most max_bytes + one chunk, whatever Content-Length claimed
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        is_json = media_type == "application/json" or media_type.endswith("+json")
        if body and scope["path"].startswith("/api/") and not is_json:
            response = problem(415, "Unsupported media type",
                               "Send the request body as application/json.")
            await response(scope, receive, send)
            return

        await self.app(scope, replaying(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Request body too large",
                           f"At most {self.max_bytes} bytes are accepted.")
        await response(scope, receive, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then whatever `receive` gives (after the
    body only a disconnect can come)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
