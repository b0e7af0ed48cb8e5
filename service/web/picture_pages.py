"""The proposer adding a picture on the web, or taking one back (ADR 0030): plain forms,
without JavaScript.

The proposal page is shared by all its readers (ADR 0011) and links here; this page, behind
sign-in, carries the resident's CSRF token in a multipart form. The upload is read as it
streams in, within its limits (service/uploads.py), and the command is the API's
(service/pictures.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.cycle import COMMAND_PHASES
from domain.errors import Conflict, InvalidInput, NotFound, NotYours, PhaseError
from domain.pictures import MAX_PICTURES, MAX_UPLOAD_BYTES
from domain.proposal import Proposal
from domain.proposal_states import ProposalStatus
from domain.text import ALT_TEXT
from service import moderation, pictures
from service.application import Medborgarbudget
from service.pages import i18n
from service.pages.routes import render
from service.uploads import Upload, Uploaded, UploadRefused
from service.web.comment_pages import _proposal
from service.web.routes import Form, _app, _gettext, _lang, require_resident, signed_in_post
from service.web.session import Resident, check_csrf

router = APIRouter(include_in_schema=False)


def _context(app: Medborgarbudget, proposal: Proposal, resident: Resident) -> dict[str, Any]:
    cycle = app.cycle(proposal.cycle_id)
    hidden = moderation.hidden_reason(app, proposal.id) is not None
    mine = app.proposer_pseudonym(resident.subject) == proposal.proposer
    return {"proposal": {"id": str(proposal.id), "title": None if hidden else proposal.title,
                         "count": len(proposal.pictures)},
            # The proposer's own pictures, to take back (in any phase); only theirs are shown.
            "pictures": [{"digest": p.digest, "alt": p.alt, "width": min(p.widths),
                          "height": p.height * min(p.widths) // p.width}
                         for p in proposal.pictures.values()] if mine else [],
            "mine": mine, "max_pictures": MAX_PICTURES, "max_alt": ALT_TEXT,
            "max_mb": MAX_UPLOAD_BYTES // 2**20,
            "open": (cycle.phase in COMMAND_PHASES["add_picture"] and not hidden
                     and proposal.status is ProposalStatus.SUBMITTED
                     and len(proposal.pictures) < MAX_PICTURES)}


@router.get("/proposals/{proposal_id}/pictures", response_class=HTMLResponse)
def picture_page(request: Request, proposal_id: str) -> Response:
    lang = _lang(request)
    resident = require_resident(request, lang)
    app = _app(request)
    context = _context(app, _proposal(app, proposal_id), resident)
    return render(request, "picture.html", lang, status=200 if context["mine"] else 403,
                  errors={}, values={}, **context)


@router.post("/proposals/{proposal_id}/pictures", response_class=HTMLResponse)
def add_picture(request: Request, proposal_id: str, upload: Uploaded) -> Response:
    fields = upload.fields if isinstance(upload, Upload) else {}
    lang = i18n.language(fields.get("lang") or request.query_params.get("lang"))
    check_csrf(request, fields.get("csrf", "").strip(), lang)
    resident = require_resident(request, lang)
    app = _app(request)
    _ = _gettext(lang)
    proposal = _proposal(app, proposal_id)
    alt = fields.get("alt", "")
    errors: dict[str, str] = {}
    status = 422
    if isinstance(upload, UploadRefused):
        status = upload.status
        errors["picture"] = (_("The picture can be at most %(mb)s MB.") % {
            "mb": MAX_UPLOAD_BYTES // 2**20} if upload.status == 413
            else _("The form could not be read. Please try again."))
    elif upload.data is None:
        errors["picture"] = _("Choose a picture to upload.")
    if not alt.strip():
        errors["alt"] = _("Describe what the picture shows: the description is read to those "
                          "who cannot see it.")
    elif len(alt.strip()) > ALT_TEXT:
        errors["alt"] = _("The description can be at most %(max)s characters.") % {
            "max": ALT_TEXT}
    if not errors and isinstance(upload, Upload) and upload.data is not None:
        try:
            done = app.execute(pictures.AddPicture(proposal.id, upload.data, alt,
                                                   resident.subject))
        except InvalidInput as error:
            errors["alt" if error.field == "alt" else "picture"] = (
                _("The file is not a picture we can show: send a JPEG, PNG or WebP photo of "
                  "at most 40 megapixels.") if error.field == "picture" else error.reason)
        except NotYours:
            status, errors["picture"] = 403, _(
                "Only the proposer can add pictures to this proposal.")
        except PhaseError:
            status, errors["picture"] = 409, _(
                "Pictures are added while the cycle collects ideas.")
        except Conflict:
            status, errors["picture"] = 409, _(
                "This proposal cannot take this picture: it has %(max)s pictures already, "
                "has this one, or is no longer open.") % {"max": MAX_PICTURES}
        else:
            query = f"?position={done.position}" + (f"&lang={lang}" if lang != "sv" else "")
            return RedirectResponse(f"/proposals/{proposal.id}{query}#pictures-heading",
                                    status_code=303)
    context = _context(app, proposal, resident)
    return render(request, "picture.html", lang, status=status, errors=errors,
                  values={"alt": alt}, **context)


class _TakenBack(NamedTuple):
    app: Medborgarbudget
    lang: str
    proposal_id: str
    position: int | None


@router.post("/proposals/{proposal_id}/pictures/{digest}/withdraw", response_class=HTMLResponse)
async def withdraw_picture(request: Request, proposal_id: str, digest: str,
                           form: Form) -> Response:
    """The proposer takes a picture back. The command runs in a worker thread (the event store
    is synchronous); the bytes go once the read models include it (service/pictures.py)."""
    def take_back() -> Response | _TakenBack:
        lang, resident, app = signed_in_post(request, form)
        proposal = _proposal(app, proposal_id)
        _ = _gettext(lang)
        try:
            done = app.execute(pictures.WithdrawPicture(proposal.id, digest, resident.subject))
        except NotYours:
            status, error = 403, _("Only the proposer can take back a picture of this proposal.")
        except NotFound:
            status, error = 404, _("This picture is not on the proposal any more.")
        else:
            return _TakenBack(app, lang, str(proposal.id), done.position)
        return render(request, "picture.html", lang, status=status,
                      errors={"your-pictures": error}, values={},
                      **_context(app, proposal, resident))

    taken = await run_in_threadpool(take_back)
    if isinstance(taken, Response):
        return taken
    await pictures.erase_unless_shown(taken.app, request.app.state.read_models, digest,
                                      taken.position)
    query = f"?lang={taken.lang}" if taken.lang != i18n.DEFAULT else ""
    return RedirectResponse(f"/proposals/{taken.proposal_id}/pictures{query}#your-pictures",
                            status_code=303)
