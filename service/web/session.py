"""The resident's browser session, and protection of every form against cross-site requests.

Sessions are signed cookies (Starlette's SessionMiddleware): HTTP-only, SameSite=Lax, and Secure
whenever the service is reached over HTTPS (`MEDBORGARBUDGET_SECURE_COOKIES=true` forces it).
Every form carries a per-session CSRF token that a POST must return unchanged.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Request

from domain.errors import DomainError

SESSION_SECRET_ENV = "MEDBORGARBUDGET_SESSION_SECRET"
SECURE_COOKIES_ENV = "MEDBORGARBUDGET_SECURE_COOKIES"
SESSION_COOKIE = "medborgarbudget_session"
SESSION_MAX_AGE = 8 * 3600


class CsrfRefused(DomainError):
    title = "The form could not be accepted"

    def __init__(self, message: str, lang: str | None = None) -> None:
        super().__init__(message)
        self.lang = lang  # the form's language, for the page that explains the refusal


@dataclass(frozen=True)
class Resident:
    """A signed-in resident as the identity provider (or the local sign-in) described them."""

    subject: str
    name: str
    birth_date: date | None
    residence: str | None
    via: str  # "oidc" or "local"

    def to_session(self) -> dict[str, Any]:
        return {"subject": self.subject, "name": self.name, "via": self.via,
                "birth_date": self.birth_date.isoformat() if self.birth_date else None,
                "residence": self.residence}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Resident:
        born = data.get("birth_date")
        return cls(data["subject"], data.get("name", ""),
                   date.fromisoformat(born) if born else None, data.get("residence"),
                   data.get("via", "local"))


def secure_cookies() -> bool:
    return os.environ.get(SECURE_COOKIES_ENV, "").lower() in ("1", "true", "yes")


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


def sign_in(request: Request, resident: Resident) -> None:
    request.session.clear()  # a fresh session at sign-in: no fixation of an older one
    request.session["resident"] = resident.to_session()
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()
