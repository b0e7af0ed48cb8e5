"""My pages (/mina-sidor, /my-pages in English): a resident's own proposals and their fate,
what they follow, the pots they voted in (never how), their e-mail settings, and the download
and erasure of everything held about them; with the links of the mails: confirming an address
and unsubscribing in one click (RFC 8058). ADR 0028.

Every form posts with the session's CSRF token, like the other residents' forms; the links of
the mails carry signed tokens instead (service/personal/tokens.py), since a mail client posts
without a session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.comment import Comment
from domain.errors import InvalidInput, NotFound
from domain.phases import Phase
from service import comments, moderation
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.cycle_index import COMMENT
from service.pages.routes import PageNotFound, render
from service.personal.mailing import Residents, checked_display_name
from service.personal.tokens import BadToken
from service.web import forms
from service.web.routes import (
    Form,
    _app,
    _gettext,
    _lang,
    require_resident,
    signed_in_post,
)
from service.web.session import Resident, check_csrf, sign_out

router = APIRouter(include_in_schema=False)
VOTED_PHASES = frozenset({Phase.VOTING, Phase.COUNTING, Phase.RESULTS, Phase.IMPLEMENTATION,
                          Phase.EVALUATION, Phase.CLOSED})


def residents_of(request: Request) -> Residents:
    residents: Residents = request.app.state.residents
    return residents


class Mine(NamedTuple):
    """What a resident's form on My pages starts with (after `signed_in_post`)."""

    lang: str
    resident: Resident
    app: Medborgarbudget
    residents: Residents
    pseudonym: str


def _mine(request: Request, form: Form) -> Mine:
    posted = signed_in_post(request, form)
    residents = residents_of(request)
    return Mine(posted.lang, posted.resident, posted.app, residents,
                residents.pseudonym(posted.resident.subject))


def _to_my_pages(lang: str, notice: str | None = None) -> RedirectResponse:
    query = [f"lang={lang}"] if lang != "sv" else []
    if notice:
        query.append(f"done={notice}")
    return RedirectResponse(f"/mina-sidor{'?' + '&'.join(query) if query else ''}",
                            status_code=303)


# ---- what is shown --------------------------------------------------------------------

def own_proposals(app: Medborgarbudget, pseudonym: str) -> list[dict[str, Any]]:
    """The resident's proposals in every cycle, with what became of them."""
    found = []
    for cycle_id in app.cycle_ids():
        cycle = app.cycle(cycle_id)
        results = (cycle.results or {}).get("areas", {})
        for proposal in app.proposals(cycle_id):
            if proposal.proposer != pseudonym:
                continue
            outcome = results.get(proposal.area, {})
            selected = (None if not outcome else
                        str(proposal.id) in outcome.get("selected", [])
                        or str(proposal.id) in outcome.get("added", {}))
            found.append({"id": str(proposal.id), "title": proposal.title,
                          "cycle_id": str(cycle.id), "cycle": cycle.name,
                          "status": proposal.status.value, "selected": selected})
    return found


def pots_voted_in(app: Medborgarbudget, resident: Resident) -> list[dict[str, str]]:
    """The areas (pots) in which the resident has a ballot or a mark in a station's roll:
    found from their own per-cycle pseudonym, which only they (signed in) can derive, and
    never with what the ballot says."""
    voter = Voter(resident.subject, resident.birth_date, resident.residence, resident.works_in)
    voted = []
    for cycle_id in app.cycle_ids():
        cycle = app.cycle(cycle_id)
        if cycle.phase not in VOTED_PHASES:
            continue
        for area_id, area in cycle.areas.items():
            try:
                ballot_id = app.ballots.ballot_id_of(cycle, area_id, voter)
            except InvalidInput:
                return []  # a subject that is no personnummer holds no ballot
            if app.recorder.select_events(ballot_id, lte=1):
                voted.append({"cycle": cycle.name, "cycle_id": str(cycle.id),
                              "area": area.name})
    return voted


def own_comments(app: Medborgarbudget, identity: str) -> list[dict[str, str]]:
    """The resident's comments, found through their per-cycle comment pseudonyms."""
    found = []
    for cycle_id in app.cycle_ids():
        author = app.resident_pseudonym(cycle_id, identity, comments.COMMENTER)
        for member in app.cycle_index.select_cycle_members(cycle_id, [COMMENT]):
            try:
                comment: Any = app.repository.get(member)
            except AggregateNotFoundError:
                continue
            if isinstance(comment, Comment) and comment.author == author:
                found.append({"id": str(comment.id), "proposal_id": str(comment.proposal_id),
                              "text": comment.text})
    return found


def _followed(app: Medborgarbudget, follows: dict[str, bool]) -> list[dict[str, str]]:
    shown = []
    for proposal_id, following in follows.items():
        if not following:
            continue
        try:
            shown.append({"id": proposal_id, "title": app.proposal(proposal_id).title})
        except NotFound:
            continue
    return shown


@router.get("/my-pages", response_class=HTMLResponse)
def my_pages_english() -> Response:
    return RedirectResponse("/mina-sidor?lang=en", status_code=303)


@router.get("/mina-sidor", response_class=HTMLResponse)
def my_pages(request: Request, done: str | None = None) -> Response:
    lang = _lang(request)
    resident = require_resident(request, lang)
    return _page(request, lang, resident, done)


def _page(request: Request, lang: str, resident: Resident, done: str | None = None,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status: int = 200) -> Response:
    app = _app(request)
    residents = residents_of(request)
    pseudonym = residents.pseudonym(resident.subject)
    profile = residents.store.profile(pseudonym)
    return render(request, "my_pages.html", lang, status=status, profile=profile,
                  proposals=own_proposals(app, pseudonym),
                  followed=_followed(app, residents.store.follows(pseudonym)),
                  pots=pots_voted_in(app, resident), done=done, errors=errors or {},
                  values=values or {})


# ---- e-mail and name ------------------------------------------------------------------

@router.post("/mina-sidor/e-post", response_class=HTMLResponse)
def give_address(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    address = forms.first(form, "email")
    try:
        mine.residents.give_address(mine.pseudonym, address, mine.lang)
    except InvalidInput:
        message = _gettext(mine.lang)(
            "Give an e-mail address like namn@example.se, at most 254 characters.")
        return _page(request, mine.lang, mine.resident, errors={"email": message},
                     values={"email": address[:300]}, status=422)
    return _to_my_pages(mine.lang, "confirmation-sent")


@router.post("/mina-sidor/e-post/ta-bort", response_class=HTMLResponse)
def remove_address(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    mine.residents.store.remove_email(mine.pseudonym)
    return _to_my_pages(mine.lang, "email-removed")


@router.post("/mina-sidor/utskick", response_class=HTMLResponse)
def notifications(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    on = forms.first(form, "notify") == "on"
    mine.residents.store.set_notify(mine.pseudonym, on)
    return _to_my_pages(mine.lang, "notifications-on" if on else "notifications-off")


@router.post("/mina-sidor/namn", response_class=HTMLResponse)
def display_name(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    text = forms.first(form, "display_name")
    try:
        name = checked_display_name(text)
    except InvalidInput:
        message = _gettext(mine.lang)("A name can be at most 80 characters, on one line.")
        return _page(request, mine.lang, mine.resident, errors={"display_name": message},
                     values={"display_name": text[:200]}, status=422)
    mine.residents.store.set_display_name(mine.pseudonym, name, mine.lang)
    request.app.state.shared_pages.forget_all()  # the name shows on their proposals' pages
    return _to_my_pages(mine.lang, "name-saved")


# ---- following ------------------------------------------------------------------------

def _proposal_context(app: Medborgarbudget, proposal_id: str) -> dict[str, Any]:
    try:
        UUID(proposal_id)
        proposal = app.proposal(proposal_id)
    except (ValueError, NotFound):
        raise PageNotFound(proposal_id) from None
    hidden = moderation.hidden_reason(app, proposal.id) is not None
    return {"proposal": {"id": str(proposal.id), "cycle_id": str(proposal.cycle_id),
                         "title": None if hidden else proposal.title}}


@router.get("/proposals/{proposal_id}/follow", response_class=HTMLResponse)
def follow_page(request: Request, proposal_id: str) -> Response:
    lang = _lang(request)
    resident = require_resident(request, lang)
    residents = residents_of(request)
    context = _proposal_context(_app(request), proposal_id)
    pseudonym = residents.pseudonym(resident.subject)
    # A proposer follows their own proposal unless they stopped (service/personal/store.py).
    own = _app(request).proposal(proposal_id).proposer == pseudonym
    following = residents.store.follows(pseudonym).get(context["proposal"]["id"], own)
    return render(request, "follow.html", lang, following=following,
                  profile=residents.store.profile(pseudonym), error=None, **context)


@router.post("/proposals/{proposal_id}/follow", response_class=HTMLResponse)
def follow(request: Request, proposal_id: str, form: Form) -> Response:
    mine = _mine(request, form)
    context = _proposal_context(mine.app, proposal_id)
    wanted = forms.first(form, "follow") != "stop"
    try:
        mine.residents.follow(mine.pseudonym, proposal_id, forms.first(form, "cycle") or None,
                              wanted)
    except InvalidInput:
        return render(request, "follow.html", mine.lang, status=422, following=not wanted,
                      profile=mine.residents.store.profile(mine.pseudonym),
                      error=_gettext(mine.lang)("This proposal belongs to another cycle."),
                      **context)
    return _to_my_pages(mine.lang, "following" if wanted else "not-following")


# ---- the links of the mails -----------------------------------------------------------

def _email_link_page(request: Request, kind: str, token: str) -> Response:
    return render(request, "email_link.html", _lang(request), kind=kind, token=token,
                  outcome=None)


def _follow_email_link(request: Request, lang: str, kind: str,
                       act: Callable[[str], object], token: str) -> Response:
    try:
        act(token)
    except BadToken:
        return render(request, "email_link.html", lang, status=400, kind=kind, token=None,
                      outcome="refused")
    return render(request, "email_link.html", lang, kind=kind, token=None, outcome="done")


@router.get("/e-post/bekrafta/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> Response:
    return _email_link_page(request, "confirm", token)


@router.post("/e-post/bekrafta/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, form: Form) -> Response:
    lang = _lang(request, form)
    check_csrf(request, forms.first(form, "csrf"), lang)
    return _follow_email_link(request, lang, "confirm", residents_of(request).confirm, token)


@router.get("/avregistrera/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> Response:
    return _email_link_page(request, "unsubscribe", token)


@router.post("/avregistrera/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str, form: Form) -> Response:
    """RFC 8058's one click: the mail client posts `List-Unsubscribe=One-Click` here without
    a session, so the signed token is the only proof needed (and the page's own button posts
    the same). An address since changed: nothing is changed, and the answer says the same."""
    return _follow_email_link(request, _lang(request, form), "unsubscribe",
                              residents_of(request).unsubscribe, token)


# ---- download and erasure -------------------------------------------------------------

def everything_about(app: Medborgarbudget, residents: Residents,
                     resident: Resident) -> dict[str, Any]:
    pseudonym = residents.pseudonym(resident.subject)
    held = residents.store.everything(pseudonym)
    return {
        "format": 1,
        "about": "Everything the participatory budget holds about you (ADR 0028). Your "
                 "ballots' contents are secret and never shown, not even to you.",
        **held,
        "proposals": [{"id": p["id"], "title": p["title"], "cycle_id": p["cycle_id"]}
                      for p in own_proposals(app, pseudonym)],
        "comments": own_comments(app, resident.subject),
        "voted_in": pots_voted_in(app, resident),
    }


@router.post("/mina-sidor/hamta", response_class=Response)
def download(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    body = json.dumps(everything_about(mine.app, mine.residents, mine.resident),
                      ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": 'attachment; filename="mina-uppgifter.json"',
        "Cache-Control": "no-store"})


@router.get("/mina-sidor/radera", response_class=HTMLResponse)
def erase_page(request: Request) -> Response:
    lang = _lang(request)
    require_resident(request, lang)
    return render(request, "erase.html", lang, error=None)


@router.post("/mina-sidor/radera", response_class=HTMLResponse)
def erase(request: Request, form: Form) -> Response:
    mine = _mine(request, form)
    if forms.first(form, "confirm") != "yes":
        return render(request, "erase.html", mine.lang, status=422, error=_gettext(mine.lang)(
            "Tick the box to confirm that everything is to be erased."))
    mine.residents.store.erase(mine.pseudonym)
    request.app.state.shared_pages.forget_all()  # their proposals' pages say "a resident" now
    sign_out(request)
    return render(request, "erased.html", mine.lang)
