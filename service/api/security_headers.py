"""Security headers on every response: the pages', the API's and the API docs' alike.

The Content-Security-Policy lets scripts, styles and everything else come from this site only,
and no inline script or style attribute at all: an injected `<script>` or `onclick=` would not
run even if a template ever failed to escape something. The pages keep their scripts in /static
and their styles in style.css; Swagger UI on /docs is served from this site too
(service/api/docs.py) and sets styles through the DOM, which the policy does not restrict, as
does Leaflet on the map page. Images may come from two more origins: the map's tile server
(service/map_tiles.py, ADR 0031) and the municipality's logo given as an https address
(ADR 0027), and from no other.

Plain ASGI, and the headers are encoded once: the ballot request passes through here too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service.api.response_headers import HttpMiddleware, adding

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{images}; "
          "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def policy(*image_origins: str | None) -> str:
    """The Content-Security-Policy, its images from this site and the `image_origins` given: the
    map's tile server (ADR 0031) and the municipality's logo given as an https address (ADR
    0027)."""
    return POLICY.format(images="".join(f" {o}" for o in dict.fromkeys(image_origins) if o))


def headers(*image_origins: str | None) -> tuple[tuple[bytes, bytes], ...]:
    return ((b"content-security-policy", policy(*image_origins).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"))


HEADERS = headers()


class SecurityHeaders(HttpMiddleware):
    def __init__(self, app: ASGIApp, image_origins: tuple[str | None, ...] = ()) -> None:
        super().__init__(app)
        self.headers = headers(*image_origins)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, adding(self.headers, send))
