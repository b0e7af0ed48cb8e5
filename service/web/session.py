"""The resident's browser session, and protection of every form against cross-site requests.

A session is a small dictionary (who is signed in, the CSRF token, the sign-in's state on its
way to the identity provider) kept in the resident's cookie, encrypted and authenticated with
Fernet (AES and HMAC-SHA256) under a key derived from MEDBORGARBUDGET_SESSION_SECRET: the cookie
shows nobody, not even its holder, the subject, name or birth date it carries. Each session has
a random id; signing out records that id as ended (service/web/ended_sessions.py), so a copy of
the cookie taken before is refused by every worker process afterwards.

The cookie is HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS (directly, or
through a proxy that uvicorn trusts: MEDBORGARBUDGET_FORWARDED_ALLOW_IPS) or always with
MEDBORGARBUDGET_SECURE_COOKIES=true. Every form carries the session's CSRF token, which a POST
must return unchanged.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import DomainError
from service.config import Settings
from service.web.ended_sessions import EndedSessions

SESSION_SECRET_ENV = "MEDBORGARBUDGET_SESSION_SECRET"
SECURE_COOKIES_ENV = "MEDBORGARBUDGET_SECURE_COOKIES"
SESSION_COOKIE = "medborgarbudget_session"
SESSION_MAX_AGE = 8 * 3600
# Fernet accepts a token stamped up to this far in the future (clocks of two machines differ):
# an ended session is remembered that much longer than its age limit.
CLOCK_SKEW = 60
SESSION_ID = "sid"
# Paths whose handlers never read a session: the API (bearer tokens), assets, the API's docs
# and the probes. They skip decrypting the cookie and looking its id up.
WITHOUT_SESSION = ("/api/", "/static/", "/docs", "/openapi.json", "/healthz", "/readyz",
                   "/metrics")


class CsrfRefused(DomainError):
    title = "The form could not be accepted"

    def __init__(self, message: str, lang: str | None = None) -> None:
        super().__init__(message)
        self.lang = lang  # the form's language, for the page that explains the refusal


@dataclass(frozen=True)
class Resident:
    """A signed-in resident as the identity provider (or the test sign-in) described them."""

    subject: str
    name: str
    birth_date: date | None
    residence: str | None
    via: str  # "oidc" or "local"
    works_in: str | None = None  # a cookie made before the claim existed has none

    def to_session(self) -> dict[str, Any]:
        return {"subject": self.subject, "name": self.name, "via": self.via,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "residence": self.residence, "works_in": self.works_in}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Resident:
        born = data.get("birth_date")
        return cls(data["subject"], data.get("name", ""),
                   date.fromisoformat(born) if born else None, data.get("residence"),
                   data.get("via", "local"), data.get("works_in"))


def secure_cookies(env: Mapping[str, str] | None = None) -> bool:
    return Settings.from_env(env).secure_cookies


# ---- the cookie ---------------------------------------------------------------------------

class SessionCookie:
    """Seals a session into a cookie value and opens it again (None when it was tampered with,
    made with another key, or is older than `max_age` seconds)."""

    def __init__(self, secret: bytes, max_age: int = SESSION_MAX_AGE) -> None:
        # A key of its own for the cookies, derived from the configured secret: the same secret
        # used elsewhere never meets the same key twice.
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"medborgarbudget session cookie").derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.max_age = max_age

    def seal(self, session: Mapping[str, Any], now: int | None = None) -> str:
        data = json.dumps(session, separators=(",", ":")).encode()
        token = self._fernet.encrypt(data) if now is None \
            else self._fernet.encrypt_at_time(data, now)
        return token.decode("ascii")

    def open(self, value: str, now: int | None = None) -> dict[str, Any] | None:
        try:
            token = value.encode("ascii")
            data = self._fernet.decrypt(token, ttl=self.max_age) if now is None \
                else self._fernet.decrypt_at_time(token, self.max_age, now)
            session = json.loads(data)
        except (InvalidToken, UnicodeError, ValueError):
            return None
        if not isinstance(session, dict) or not isinstance(session.get(SESSION_ID), str):
            return None
        return session


class Sessions:
    """The session middleware: `scope["session"]` from the cookie, and the cookie from it.

    Plain ASGI, like the body guard: the cookie is written only when the session changed (a
    resident reading pages costs no encryption), and a session whose id was ended at sign-out
    is treated as none."""

    def __init__(self, app: ASGIApp, cookie: SessionCookie, ended: EndedSessions,
                 always_secure: bool) -> None:
        self.app = app
        self.cookie = cookie
        self.ended = ended
        self.always_secure = always_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(WITHOUT_SESSION):
            await self.app(scope, receive, send)
            return
        sent = _sent_cookie(scope)
        session = await self._load(sent)
        scope["session"] = session
        before = _fingerprint(session)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                header = self._set_cookie(scope, before, sent is not None)
                if header is not None:
                    MutableHeaders(scope=message).append("set-cookie", header)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _load(self, sent: str | None) -> dict[str, Any]:
        if not sent:
            return {}
        session = self.cookie.open(sent)
        if session is None:
            return {}
        # A look-up that may wait for a database server goes off the event loop.
        if self.ended.answers_at_once:
            ended = self.ended.is_ended(session[SESSION_ID])
        else:
            ended = await run_in_threadpool(self.ended.is_ended, session[SESSION_ID])
        if ended:
            return {}
        return session

    def _set_cookie(self, scope: Scope, before: str, was_sent: bool) -> str | None:
        session: dict[str, Any] = scope["session"]
        secure = "; Secure" if self.always_secure or scope.get("scheme") == "https" else ""
        attributes = f"; Path=/; HttpOnly; SameSite=Lax{secure}"
        if session:
            if _fingerprint(session) == before:
                return None
            session.setdefault(SESSION_ID, new_session_id())
            value = self.cookie.seal(session)
            return f"{SESSION_COOKIE}={value}; Max-Age={self.cookie.max_age}{attributes}"
        if was_sent:  # signed out, or a cookie that was invalid, expired or ended: drop it
            return (f"{SESSION_COOKIE}=; Max-Age=0; "
                    f"Expires=Thu, 01 Jan 1970 00:00:00 GMT{attributes}")
        return None


def _sent_cookie(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(SESSION_COOKIE)
            if found:
                return found
    return None


def _fingerprint(session: Mapping[str, Any]) -> str:
    return json.dumps(session, sort_keys=True, separators=(",", ":"))


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


# ---- what the pages do with it ------------------------------------------------------------

def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None, lang: str | None = None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(str(expected), submitted):
        raise CsrfRefused(
            "The form had expired or did not come from this site. Nothing was saved; "
            "please open the page again and send the form once more.", lang)


def current_resident(request: Request) -> Resident | None:
    data = request.session.get("resident") if "session" in request.scope else None
    return Resident.from_session(data) if data else None


def _end(request: Request) -> None:
    """End the request's session for good: its cookie, wherever a copy of it is, is refused."""
    session_id = request.session.get(SESSION_ID)
    if session_id:
        ended: EndedSessions = request.app.state.ended_sessions
        ended.end(str(session_id), time.time() + SESSION_MAX_AGE + CLOCK_SKEW)
    request.session.clear()


def sign_in(request: Request, resident: Resident) -> None:
    """A fresh session at sign-in, with a new id (no fixation of an older one); the one before
    is ended, in case it was someone else's signed-in session in the same browser."""
    _end(request)
    request.session[SESSION_ID] = new_session_id()
    request.session["resident"] = resident.to_session()
    csrf_token(request)


def sign_out(request: Request) -> None:
    _end(request)
