"""Residents commenting, replying and reporting on the web (ADR 0024).

The proposal page is built once for all its readers (ADR 0011), so it cannot carry a reader's
CSRF token; its "Write a comment", "Reply" and "Report" links lead to these small pages, each
with its form for the signed-in resident. They call the same commands as the API
(service/comments.py), check the session's CSRF token first and work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.comment import MAX_COMMENT_LENGTH
from domain.cycle import COMMAND_PHASES
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from domain.proposal import Proposal
from service import comments, moderation
from service.application import Medborgarbudget
from service.pages.routes import PageNotFound, render
from service.web import forms
from service.web.routes import Form, _app, _gettext, _lang, require_resident, signed_in_post

router = APIRouter(include_in_schema=False)


def _proposal(app: Medborgarbudget, proposal_id: str) -> Proposal:
    try:
        return app.proposal(proposal_id)
    except NotFound:
        raise PageNotFound(proposal_id) from None


def _back(proposal_id: str, lang: str, anchor: str = "comments-heading",
          position: int | None = None) -> RedirectResponse:
    query = [f"position={position}"] if position is not None else []
    if lang != "sv":
        query.append(f"lang={lang}")
    suffix = f"?{'&'.join(query)}" if query else ""
    return RedirectResponse(f"/proposals/{proposal_id}{suffix}#{anchor}", status_code=303)


def _note_author(request: Request, identity: str, comment_id: str, cycle_id: str) -> None:
    """A resident who keeps personal data here (My pages) has their comment noted there, so it
    carries their display name while they have one (ADR 0028); others stay "a resident"."""
    residents = request.app.state.residents
    pseudonym = residents.pseudonym(identity)
    if residents.store.profile(pseudonym) is not None:
        residents.store.note_comment(pseudonym, comment_id, cycle_id)


def _comment_context(app: Medborgarbudget, proposal: Proposal,
                     reply_to: str | None) -> dict[str, Any]:
    cycle = app.cycle(proposal.cycle_id)
    hidden = moderation.hidden_reason(app, proposal.id)
    parent = None
    if reply_to:
        try:
            found = comments.comment(app, reply_to)
        except NotFound:
            raise PageNotFound(reply_to) from None
        parent = {"id": str(found.id),
                  "text": found.text if moderation.hidden_reason(app, found.id) is None else None}
    return {"proposal": {"id": str(proposal.id),
                         "title": proposal.title if hidden is None else None},
            "open": cycle.phase in COMMAND_PHASES["comment"] and hidden is None,
            "phase": cycle.phase.value, "parent": parent, "max_length": MAX_COMMENT_LENGTH}


@router.get("/proposals/{proposal_id}/comment", response_class=HTMLResponse)
def comment_page(request: Request, proposal_id: str, reply_to: str | None = None) -> Response:
    lang = _lang(request)
    require_resident(request, lang)
    app = _app(request)
    context = _comment_context(app, _proposal(app, proposal_id), reply_to)
    return render(request, "comment.html", lang, errors={}, values={}, **context)


@router.post("/proposals/{proposal_id}/comment", response_class=HTMLResponse)
def post_comment(request: Request, proposal_id: str, form: Form) -> Response:
    lang, resident, app = signed_in_post(request, form)
    _ = _gettext(lang)
    proposal = _proposal(app, proposal_id)
    reply_to = forms.first(form, "reply_to") or None
    text = forms.first(form, "text")
    errors: dict[str, str] = {}
    try:
        done = app.execute(comments.PostComment(proposal.id, text, resident.subject, reply_to))
    except InvalidInput as error:
        if error.field != "text":  # the comment replied to is on another proposal
            errors["text"] = _("The comment replied to was not found.")
        elif not text.strip():
            errors["text"] = _("Write your comment: it cannot be empty.")
        else:
            errors["text"] = _("A comment can be at most %(max)s characters.") % {
                "max": MAX_COMMENT_LENGTH}
    except PhaseError:
        errors["text"] = _("Comments are closed: they are taken while the cycle collects "
                           "ideas, reviews them and votes.")
    except NotFound:
        errors["text"] = _("The comment replied to was not found.")
    except Conflict as error:
        errors["text"] = _("Replies go one level deep: reply to the first comment instead.") \
            if "one level deep" in error.message else _("This proposal takes no comments.")
    else:
        _note_author(request, resident.subject, str(done.value), str(proposal.cycle_id))
        return _back(str(proposal.id), lang, f"comment-{done.value}", done.position)
    context = _comment_context(app, proposal, reply_to)
    return render(request, "comment.html", lang, status=422, errors=errors,
                  values={"text": text}, **context)


KINDS = {"proposals": "proposal", "comments": "comment"}


def _report_context(app: Medborgarbudget, kind: str, item_id: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise PageNotFound(kind)
    try:
        item = app.proposal(item_id) if kind == "proposals" else comments.comment(app, item_id)
    except NotFound:
        raise PageNotFound(item_id) from None
    proposal_id = str(item.id) if isinstance(item, Proposal) else str(item.proposal_id)
    hidden = moderation.hidden_reason(app, item.id) is not None
    shown = None if hidden else (item.title if isinstance(item, Proposal) else item.text)
    return {"kind": KINDS[kind], "action": f"/report/{kind}/{item_id}", "item_id": str(item.id),
            "proposal_id": proposal_id, "shown": shown, "hidden": hidden}


@router.get("/report/{kind}/{item_id}", response_class=HTMLResponse)
def report_page(request: Request, kind: str, item_id: str) -> Response:
    lang = _lang(request)
    require_resident(request, lang)
    context = _report_context(_app(request), kind, item_id)
    return render(request, "report.html", lang, error=None, **context)


@router.post("/report/{kind}/{item_id}", response_class=HTMLResponse)
def report(request: Request, kind: str, item_id: str, form: Form) -> Response:
    lang, resident, app = signed_in_post(request, form)
    _ = _gettext(lang)
    context = _report_context(app, kind, item_id)
    try:
        done = app.execute(moderation.ReportItem(context["item_id"], resident.subject))
    except Conflict:
        error = _("You have reported this already, or the moderator has hidden it.")
        return render(request, "report.html", lang, status=409, error=error, **context)
    anchor = ("comments-heading" if context["kind"] == "proposal"
              else f"comment-{context['item_id']}")
    return _back(context["proposal_id"], lang, anchor, done.position)
