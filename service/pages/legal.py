"""The pages the law asks for, linked from every page: the accessibility statement (lagen om
tillgänglighet till digital offentlig service, DOS-lagen, following DIGG's model) and the privacy
notice (GDPR articles 13 and 14). Who publishes them comes from configuration
(service.config.Publisher)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.config import Publisher
from service.pages.routes import Lang, render, visitor
from service.personal.store import SENT_MAIL_KEPT

router = APIRouter(include_in_schema=False)

ACCESSIBILITY_PATH = "/tillganglighetsredogorelse"
PRIVACY_PATH = "/personuppgifter"
# When the service was last assessed and these texts last reviewed: change them together.
ASSESSED = date(2026, 11, 30)
UPDATED = date(2026, 11, 30)


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = getattr(request.app.state, "publisher", None) or Publisher()
    return publisher


@router.get(ACCESSIBILITY_PATH, response_class=HTMLResponse)
def accessibility_statement(request: Request, lang: Lang = None) -> HTMLResponse:
    return render(request, "accessibility.html", lang, publisher=_publisher(request),
                  assessed=ASSESSED, updated=UPDATED)


@router.get(PRIVACY_PATH, response_class=HTMLResponse)
def privacy_notice(request: Request, lang: Lang = None) -> HTMLResponse:
    return render(request, "privacy.html", lang, publisher=_publisher(request),
                  updated=UPDATED, session_hours=visitor(request).session_hours,
                  mail_days=SENT_MAIL_KEPT.days)
