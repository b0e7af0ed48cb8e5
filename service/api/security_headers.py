"""Security headers on every response: the pages', the API's and the API docs' alike.

The Content-Security-Policy lets scripts, styles and everything else come from this site only,
and no inline script or style attribute at all: an injected `<script>` or `onclick=` would not
run even if a template ever failed to escape something. The pages keep their scripts in /static
and their styles in style.css; Swagger UI on /docs is served from this site too
(service/api/docs.py) and sets styles through the DOM, which the policy does not restrict, as
does Leaflet on the map page. Images may come from one more origin: the map's tile server
(service/map_tiles.py, ADR 0031), and from no other.

Plain ASGI, and the headers are encoded once: the ballot request passes through here too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.response_headers import HttpMiddleware, adding

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
          "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def policy(tile_origin: str | None = None) -> str:
    """The Content-Security-Policy, its images from this site and `tile_origin` (the map's)."""
    return POLICY.format(tiles=f" {tile_origin}" if tile_origin else "")


def headers(tile_origin: str | None = None) -> tuple[tuple[bytes, bytes], ...]:
    return ((b"content-security-policy", policy(tile_origin).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"))


HEADERS = headers()


class SecurityHeaders(HttpMiddleware):
    def __init__(self, app: ASGIApp, tile_origin: str | None = None) -> None:
        super().__init__(app)
        self.headers = headers(tile_origin)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, adding(self.headers, send))
