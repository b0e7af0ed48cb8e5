"""The session cookie's sealing: only this service's key opens it, for eight hours, and whatever
else a cookie holds is no session. And the security headers on every response."""

from __future__ import annotations

import asyncio
from typing import Any

from service.api.security_headers import SecurityHeaders
from service.web.session import SESSION_MAX_AGE, SessionCookie

KEY = bytes(range(32))
SESSION = {"sid": "abc", "resident": {"subject": "19850601-1234", "name": "Alva"}, "csrf": "x"}
NOW = 1_900_000_000


def test_a_sealed_session_opens_with_the_same_key_only() -> None:
    cookie = SessionCookie(KEY)
    sealed = cookie.seal(SESSION, now=NOW)
    assert cookie.open(sealed, now=NOW + 1) == SESSION
    assert SessionCookie(bytes(32)).open(sealed, now=NOW + 1) is None
    assert "19850601" not in sealed and "Alva" not in sealed


def test_a_tampered_or_foreign_cookie_is_no_session() -> None:
    cookie = SessionCookie(KEY)
    sealed = cookie.seal(SESSION, now=NOW)
    flipped = sealed[:40] + ("A" if sealed[40] != "A" else "B") + sealed[41:]
    for value in (flipped, sealed[:-4], "none", "", "ä", sealed[:-6]):
        assert cookie.open(value, now=NOW) is None, value
    # Sealed with the right key but not a session (no id): refused too.
    assert cookie.open(cookie.seal({"resident": {}}, now=NOW), now=NOW) is None


def test_a_cookie_older_than_its_age_limit_is_no_session() -> None:
    cookie = SessionCookie(KEY)
    sealed = cookie.seal(SESSION, now=NOW)
    assert cookie.open(sealed, now=NOW + SESSION_MAX_AGE) == SESSION
    assert cookie.open(sealed, now=NOW + SESSION_MAX_AGE + 1) is None


def test_security_headers_are_added_to_every_response() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": "/api/v1/cycles", "method": "GET", "headers": []}
    asyncio.run(SecurityHeaders(app)(scope, receive, send))
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"text/plain"
    assert b"script-src 'self'" in headers[b"content-security-policy"]
    assert b"frame-ancestors 'none'" in headers[b"content-security-policy"]
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"referrer-policy"] == b"no-referrer"
    assert headers[b"x-frame-options"] == b"DENY"
    assert sent[1]["body"] == b"ok"
