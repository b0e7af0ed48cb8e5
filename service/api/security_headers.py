"""Security headers on every response: the pages', the API's and the API docs' alike.

The Content-Security-Policy lets scripts, styles and everything else come from this site only,
and no inline script or style attribute at all: an injected `<script>` or `onclick=` would not
run even if a template ever failed to escape something. The pages keep their scripts in /static
and their styles in style.css; Swagger UI on /docs is served from this site too
(service/api/docs.py) and sets styles through the DOM, which the policy does not restrict.

Plain ASGI, and the headers are encoded once: the ballot request passes through here too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.response_headers import HttpMiddleware, adding

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = ((b"content-security-policy", POLICY.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"),
           (b"x-frame-options", b"DENY"))


def headers(image_origin: str | None = None) -> tuple[tuple[bytes, bytes], ...]:
    """The headers, with the one other site images may come from (the municipality's logo
    given as an https address, ADR 0027) when there is one."""
    if image_origin is None:
        return HEADERS
    policy = POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {image_origin}")
    return ((b"content-security-policy", policy.encode()), *HEADERS[1:])


class SecurityHeaders(HttpMiddleware):
    def __init__(self, app: ASGIApp, image_origin: str | None = None) -> None:
        super().__init__(app)
        self.headers = headers(image_origin)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, adding(self.headers, send))
