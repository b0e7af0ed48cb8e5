"""Residents taking part on the web: sign in, submit an idea, vote.

Both forms call the same application service as the API; nothing here writes to the store by
another path. Every POST checks the session's CSRF token first. Works without JavaScript.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, NamedTuple
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.areas import Ineligible, residence_names
from domain.ballot import Ballot
from domain.categories import as_dicts
from domain.cycle import BudgetCycle
from domain.documents import Category
from domain.errors import DomainError, DuplicateBallot, InvalidInput, NotFound, PhaseError
from domain.identity import personnummer_of
from domain.phases import Phase
from domain.pot_cap import PotCapReached
from service import moderation
from service.application import Medborgarbudget
from service.ballot_intake import CastBallot, ChangeBallot, Voter
from service.commands import SubmitProposal
from service.pages import i18n
from service.pages.routes import PageNotFound, render
from service.web import forms
from service.web.ineligible import ineligible_text
from service.web.oidc import OidcSettings, client, resident_from_claims
from service.web.session import (
    SESSION_MAX_AGE,
    CsrfRefused,
    Resident,
    check_csrf,
    csrf_token,
    current_resident,
    sign_in,
    sign_out,
)
from service.web.sign_in_mode import SignIn, sign_in_mode

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> dict[str, list[str]]:
    """The posted form, read before the (synchronous) endpoint runs."""
    form = await request.form()
    return {key: [str(v) for v in form.getlist(key)] for key in form}


Form = Annotated[dict[str, list[str]], Depends(form_data)]


def _app(request: Request) -> Medborgarbudget:
    app: Medborgarbudget = request.app.state.medborgarbudget
    return app


def _lang(request: Request, form: Form | None = None) -> str:
    chosen = (form or {}).get("lang", [None])[0] or request.query_params.get("lang")
    return i18n.language(chosen)


def _gettext(lang: str) -> forms.Gettext:
    return i18n.translations(lang).gettext


def _suffix(lang: str) -> str:
    return "" if lang == i18n.DEFAULT else f"?lang={lang}"


def _cycle(app: Medborgarbudget, cycle_id: str) -> BudgetCycle:
    try:
        return app.cycle(cycle_id)
    except NotFound:
        raise PageNotFound(cycle_id) from None


class SignInNeeded(Exception):
    """A resident's page or form reached without a session: answered by the way to sign in,
    back to this page afterwards (`install`)."""

    def __init__(self, sign_in: str) -> None:
        super().__init__(sign_in)
        self.sign_in = sign_in


def require_resident(request: Request, lang: str) -> Resident:
    resident = current_resident(request)
    if resident is None:
        target = quote(str(request.url.path) + _suffix(lang), safe="")
        raise SignInNeeded(f"/sign-in?next={target}&lang={lang}")
    return resident


class SignedInPost(NamedTuple):
    lang: str
    resident: Resident
    app: Medborgarbudget


def signed_in_post(request: Request, form: Form) -> SignedInPost:
    """What every resident's form POST starts with: the page's language, its CSRF token
    checked (a forged form stores nothing), and the signed-in resident, or the way to sign in."""
    lang = _lang(request, form)
    check_csrf(request, forms.first(form, "csrf"), lang)
    return SignedInPost(lang, require_resident(request, lang), _app(request))


def _safe_next(target: str | None) -> str:
    # Only paths on this site: never redirect a resident elsewhere after signing in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _in_language(target: str, lang: str) -> str:
    """The target in the resident's language: the page they came from may have named it only
    in the sign-in page's own address (e.g. the header's sign-in link)."""
    if lang == i18n.DEFAULT or "lang=" in target.partition("?")[2]:
        return target
    return f"{target}{'&' if '?' in target else '?'}lang={lang}"


# ---- sign-in ---------------------------------------------------------------------------

def _residence_codes(app: Medborgarbudget) -> dict[str, str]:
    """Every residence code an area asks for, with what the areas call it."""
    names: dict[str, str] = {}
    for cycle_id in app.cycle_ids():
        for code, name in residence_names(app.cycle(cycle_id).areas.values()).items():
            names.setdefault(code, name)
    return dict(sorted(names.items(), key=lambda item: item[1]))


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> Response:
    lang = _lang(request)
    mode = sign_in_mode(request)
    # Only the test sign-in lists the areas: its form asks where the resident lives.
    residences = _residence_codes(_app(request)) if mode is SignIn.TEST else {}
    return render(request, "sign_in.html", lang, next=_safe_next(next), mode=mode.value,
                  residences=residences, errors={}, values={})


REFUSED_TEST_SIGN_IN = {
    SignIn.OIDC: "the test sign-in is switched off: use the e-ID sign-in",
    SignIn.NONE: "the test sign-in is switched off: residents sign in through the "
                 "municipality's identity provider",
}


@router.post("/sign-in/local", response_class=HTMLResponse)
def local_sign_in(request: Request, form: Form) -> Response:
    lang = _lang(request, form)
    _ = _gettext(lang)
    mode = sign_in_mode(request)
    if mode is not SignIn.TEST:
        raise InvalidInput("sign-in", REFUSED_TEST_SIGN_IN[mode])
    check_csrf(request, forms.first(form, "csrf"), lang)
    name, year, residence = (forms.first(form, k) for k in ("name", "birth_year", "residence"))
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = _("Fill in your name (at most 100 characters).")
    this_year = datetime.now(UTC).year
    if not (year.isdigit() and this_year - 120 <= int(year) <= this_year):
        errors["birth_year"] = _("Give your birth year with four digits, for example 1990.")
    residences = _residence_codes(_app(request))
    if residence not in residences:
        errors["residence"] = _("Choose the area where you live.")
    if errors:
        return render(request, "sign_in.html", lang, status=422, errors=errors,
                      values={"name": name, "birth_year": year, "residence": residence},
                      next=_safe_next(forms.first(form, "next")), mode=mode.value,
                      residences=residences)
    # Local test sign-in: the middle of the year is the birthday, and the name stands for a
    # made-up personnummer of that day (votes are keyed by personnummer, ADR 0004).
    born = date(int(year), 7, 1)
    serial = int.from_bytes(hashlib.sha256(name.casefold().encode()).digest()[:4]) % 1000
    resident = Resident(str(personnummer_of(born, serial)), name, born, residence,
                        "local")
    sign_in(request, resident)
    return RedirectResponse(_in_language(_safe_next(forms.first(form, "next")), lang),
                            status_code=303)


@router.get("/sign-in/oidc")
async def oidc_sign_in(request: Request, next: str | None = None) -> Response:
    settings = OidcSettings.from_env()
    if settings is None:
        raise PageNotFound("sign-in/oidc")
    request.session["after_sign_in"] = _in_language(_safe_next(next), _lang(request))
    redirect_uri = str(request.url_for("oidc_callback"))
    response: Response = await client(settings).authorize_redirect(request, redirect_uri)
    return response


@router.get("/sign-in/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    settings = OidcSettings.from_env()
    if settings is None:
        raise PageNotFound("sign-in/callback")
    oidc = client(settings)
    token = await oidc.authorize_access_token(request)
    claims = token.get("userinfo") or await oidc.userinfo(token=token)
    target = _safe_next(request.session.get("after_sign_in"))
    # Signing in ends the session before it in the database: off the event loop.
    await run_in_threadpool(sign_in, request, resident_from_claims(claims, settings))
    return RedirectResponse(target, status_code=303)


@router.post("/sign-out")
def sign_out_page(request: Request, form: Form) -> Response:
    lang = _lang(request, form)
    check_csrf(request, forms.first(form, "csrf"), lang)
    sign_out(request)
    return RedirectResponse("/" + _suffix(lang), status_code=303)


# ---- ideas -----------------------------------------------------------------------------

def _categories(cycle: BudgetCycle) -> list[Category]:
    return as_dicts(cycle.categories)


def _areas_open_to(cycle: BudgetCycle) -> list[dict[str, Any]]:
    return [{"id": a.id, "name": a.name, "budget": a.budget} for a in cycle.areas.values()]


@router.get("/cycles/{cycle_id}/propose", response_class=HTMLResponse)
def propose_page(request: Request, cycle_id: str, area: str | None = None) -> Response:
    lang = _lang(request)
    require_resident(request, lang)
    cycle = _cycle(_app(request), cycle_id)
    return render(request, "propose.html", lang, cycle=_cycle_view(cycle),
                  areas=_areas_open_to(cycle), open=cycle.phase is Phase.IDEAS, errors={},
                  values={"area": area or ""}, categories=_categories(cycle))


@router.post("/cycles/{cycle_id}/propose", response_class=HTMLResponse)
def submit_idea(request: Request, cycle_id: str, form: Form) -> Response:
    lang, resident, app = signed_in_post(request, form)
    _ = _gettext(lang)
    cycle = _cycle(app, cycle_id)
    checked = forms.check_proposal(form, list(cycle.areas), _,
                                   [c.id for c in cycle.categories])
    values = {**checked.values, "area": checked.values.get("area"),
              "estimated_cost": forms.first(form, "estimated_cost")}
    if checked.ok:
        place = {"name": checked.values["place"]} if checked.values["place"] else None
        try:
            submitted = app.execute(SubmitProposal(
                cycle.id, str(checked.values["area"]), str(checked.values["title"]),
                str(checked.values["description"]), checked.values["estimated_cost"],
                str(checked.values["category"]), resident.subject, place))
        except InvalidInput as error:
            checked.errors[error.field if error.field in values else "form"] = error.reason
        except PhaseError:
            checked.errors["form"] = _("Ideas can no longer be submitted in this cycle.")
        else:
            query = f"?submitted=1&position={submitted.position}" + (
                f"&lang={lang}" if lang != "sv" else "")
            return RedirectResponse(f"/proposals/{submitted.value}{query}", status_code=303)
    return render(request, "propose.html", lang, status=422, cycle=_cycle_view(cycle),
                  areas=_areas_open_to(cycle), open=cycle.phase is Phase.IDEAS,
                  errors=checked.errors, values=values, categories=_categories(cycle))


def _cycle_view(cycle: BudgetCycle) -> dict[str, Any]:
    return {"id": str(cycle.id), "name": cycle.name, "phase": cycle.phase.value,
            "allow_ballot_changes": cycle.allow_ballot_changes, "currency": cycle.currency,
            "support_round": cycle.support_round}


# ---- voting ----------------------------------------------------------------------------

def _voter(resident: Resident) -> Voter:
    return Voter(resident.subject, resident.birth_date, resident.residence, resident.works_in)


def _existing_ballot(app: Medborgarbudget, cycle: BudgetCycle, area: str,
                     resident: Resident) -> Any | None:
    """The resident's own ballot in the area (or their mark in a station's roll)."""
    try:
        the_id = app.ballots.ballot_id_of(cycle, area, _voter(resident))
    except InvalidInput:
        return None  # a subject that is no personnummer holds no ballot
    try:
        return app.repository.get(the_id)
    except Exception as error:
        if type(error).__name__ == "AggregateNotFoundError":
            return None
        raise


@router.get("/cycles/{cycle_id}/vote", response_class=HTMLResponse)
def vote_areas(request: Request, cycle_id: str) -> Response:
    lang = _lang(request)
    resident = require_resident(request, lang)
    app = _app(request)
    cycle = _cycle(app, cycle_id)
    names = residence_names(cycle.areas.values())
    _ = _gettext(lang)
    areas = []
    for area in cycle.areas.values():
        why = _ineligibility(cycle, area.id, resident)
        voted = _existing_ballot(app, cycle, area.id, resident) is not None
        areas.append({"id": area.id, "name": area.name, "budget": area.budget,
                      "eligible": why is None, "voted": voted,
                      "why_not": None if why is None else ineligible_text(why, names, _)})
    return render(request, "vote_areas.html", lang, cycle=_cycle_view(cycle), areas=areas,
                  open=cycle.phase is Phase.VOTING, cap=_cap_view(cycle, areas))


def _ineligibility(cycle: BudgetCycle, area_id: str, resident: Resident) -> Ineligible | None:
    return cycle.ineligibility(area_id, resident.birth_date, resident.residence,
                               datetime.now(UTC).date(), resident.works_in)


def _cap_view(cycle: BudgetCycle, areas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The cycle's cap on pots per voter as the resident's page tells it (ADR 0025): how
    many, which areas do not count, and whether the resident has used every place (their own
    ballots and roll marks are what took them). Marks each area that the cap now closes."""
    cap = cycle.pot_cap
    if cap is None:
        return None
    used = [a for a in areas if a["voted"] and cap.counts(a["id"])]
    full = len(used) >= cap.max_pots
    for area in areas:
        area["capped"] = full and not area["voted"] and cap.counts(area["id"])
    return {"max_pots": cap.max_pots, "full": full,
            "uncounted": [cycle.areas[a].name for a in cap.uncounted if a in cycle.areas]}


def _ballot_context(app: Medborgarbudget, cycle: BudgetCycle, area_id: str,
                    lang: str = i18n.DEFAULT) -> dict[str, Any]:
    area = cycle.area(area_id)
    rule = cycle.voting_rule_for(area_id)
    options = app.ballots.options(cycle, area_id)
    proposals = [p for p in app.proposals(cycle.id) if str(p.id) in options]
    # A proposal the moderator hid stays on the ballot (hiding does not change the election)
    # but shows only the notice (ADR 0024).
    hidden = moderation.hidden_in_cycle(app, cycle.id)
    _ = _gettext(lang)
    return {"area": {"id": area.id, "name": area.name, "budget": area.budget,
                     "eligibility": area.to_dict()["eligibility"]},
            "residences": residence_names(cycle.areas.values()),
            "rule": rule.to_dict(), "proposals": [
                {"id": str(p.id), "cost": p.cost,
                 "title": p.title if str(p.id) not in hidden else _(
                     "Hidden by the moderator: %(reason)s") % {"reason": hidden[str(p.id)]},
                 "description": p.description if str(p.id) not in hidden else ""}
                for p in proposals],
            "costs": options}


def _ballot_page(request: Request, lang: str, app: Medborgarbudget, cycle: BudgetCycle,
                 area_id: str, resident: Resident, status: int = 200, error: str | None = None,
                 chosen: dict[str, Any] | None = None) -> Response:
    existing = _existing_ballot(app, cycle, area_id, resident)
    if chosen is None and isinstance(existing, Ballot):
        chosen = {"selections": existing.selections, "points": existing.points or []}
    why = _ineligibility(cycle, area_id, resident)
    refusal = None if why is None else ineligible_text(
        why, residence_names(cycle.areas.values()), _gettext(lang))
    # Where the resident may vote instead: the way back from an area closed to them.
    elsewhere = [{"id": a.id, "name": a.name} for a in cycle.areas.values()
                 if a.id != area_id and _ineligibility(cycle, a.id, resident) is None] \
        if why is not None else []
    return render(request, "ballot.html", lang, status=status, cycle=_cycle_view(cycle),
                  open=cycle.phase is Phase.VOTING, refusal=refusal, elsewhere=elsewhere,
                  already=existing is not None, error=error,
                  chosen=chosen or {"selections": [], "points": []},
                  **_ballot_context(app, cycle, area_id, lang))


def _area_or_404(cycle: BudgetCycle, area_id: str) -> None:
    if area_id not in cycle.areas:
        raise PageNotFound(area_id)


@router.get("/cycles/{cycle_id}/vote/{area_id}", response_class=HTMLResponse)
def ballot_page(request: Request, cycle_id: str, area_id: str) -> Response:
    lang = _lang(request)
    resident = require_resident(request, lang)
    app = _app(request)
    cycle = _cycle(app, cycle_id)
    _area_or_404(cycle, area_id)
    return _ballot_page(request, lang, app, cycle, area_id, resident)


def _read_ballot(request: Request, form: Form, lang: str, app: Medborgarbudget,
                 cycle: BudgetCycle, area_id: str, resident: Resident,
                 ) -> tuple[list[str], list[int] | None] | Response:
    _ = _gettext(lang)
    rule = cycle.voting_rule_for(area_id)
    costs = app.ballots.options(cycle, area_id)
    selections, points = forms.ballot_from_form(rule, form, list(costs))
    message = forms.check_ballot(rule, selections, points, costs, cycle.area(area_id).budget,
                                 _, lambda amount: i18n.money(amount, cycle.currency, lang))
    if message is not None:
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=422,
                            error=message, chosen={"selections": selections,
                                                   "points": points or []})
    return selections, points


@dataclass(frozen=True)
class _PostedBallot:
    lang: str
    resident: Resident
    app: Medborgarbudget
    cycle: BudgetCycle
    selections: list[str]
    points: list[int] | None


def _posted_ballot(request: Request, cycle_id: str, area_id: str,
                   form: Form) -> _PostedBallot | Response:
    """What both steps of voting by form start with: a form with its CSRF token, from a signed-in
    resident, for an area of the cycle, with choices valid under the area's rule; otherwise the
    response to give instead."""
    lang, resident, app = signed_in_post(request, form)
    cycle = _cycle(app, cycle_id)
    _area_or_404(cycle, area_id)
    if _ineligibility(cycle, area_id, resident) is not None:
        # A form posted for an area closed to the resident (from an old tab, or forged): the
        # page that says why, in their words, rather than the intake's refusal in English.
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=403)
    read = _read_ballot(request, form, lang, app, cycle, area_id, resident)
    if isinstance(read, Response):
        return read
    return _PostedBallot(lang, resident, app, cycle, *read)


@router.post("/cycles/{cycle_id}/vote/{area_id}", response_class=HTMLResponse)
def review_ballot(request: Request, cycle_id: str, area_id: str, form: Form) -> Response:
    """Show the ballot back to the resident before anything is stored."""
    posted = _posted_ballot(request, cycle_id, area_id, form)
    if isinstance(posted, Response):
        return posted
    lang, app, cycle = posted.lang, posted.app, posted.cycle
    selections, points = posted.selections, posted.points
    context = _ballot_context(app, cycle, area_id, lang)
    titles = {p["id"]: p for p in context["proposals"]}
    return render(request, "confirm.html", lang, cycle=_cycle_view(cycle),
                  area=context["area"], rule=context["rule"],
                  chosen=[{"proposal": titles[s], "points": points[i] if points else None}
                          for i, s in enumerate(selections)],
                  total=sum(titles[s]["cost"] for s in selections), form=form)


@router.post("/cycles/{cycle_id}/vote/{area_id}/confirm", response_class=HTMLResponse)
def cast_ballot(request: Request, cycle_id: str, area_id: str, form: Form) -> Response:
    posted = _posted_ballot(request, cycle_id, area_id, form)
    if isinstance(posted, Response):
        return posted
    lang, resident, app, cycle = posted.lang, posted.resident, posted.app, posted.cycle
    selections, points = posted.selections, posted.points
    _ = _gettext(lang)
    existing = _existing_ballot(app, cycle, area_id, resident)
    if existing is not None and not cycle.allow_ballot_changes \
            and cycle.phase is Phase.VOTING:
        # E.g. confirmed in a second tab: say so in the resident's words, not the domain's.
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=409,
                            error=_("You have already voted in this area."))
    try:
        if existing is None:
            stored = app.ballots.cast(CastBallot(cycle.id, area_id, _voter(resident),
                                                 selections, points))
        else:
            stored = app.ballots.change(ChangeBallot(cycle.id, area_id, _voter(resident),
                                                     selections, points))
    except DuplicateBallot:
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=409,
                            error=_("You have already voted in this area."))
    except PotCapReached as reached:
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=409,
                            error=_("You may vote in at most %(count)s of this cycle's areas "
                                    "and have already voted in %(areas)s.") % {
                                "count": reached.max_pots, "areas": ", ".join(reached.used)})
    except PhaseError:
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=409,
                            error=_("Voting is not open in this cycle."))
    except DomainError as error:
        return _ballot_page(request, lang, app, cycle, area_id, resident, status=409,
                            error=_("Your ballot could not be stored: %(reason)s") % {
                                "reason": error.message})
    return render(request, "receipt.html", lang, cycle=_cycle_view(cycle),
                  area=_ballot_context(app, cycle, area_id)["area"], receipt=stored.receipt,
                  changed=existing is not None)


class WebVisitor:
    """The pages' `Visitor` (service/pages/routes.py): who is signed in, their CSRF token,
    whether the test sign-in is on."""

    def resident(self, request: Request) -> Resident | None:
        return current_resident(request)

    def csrf_token(self, request: Request) -> str:
        return csrf_token(request)

    def test_sign_in(self, request: Request) -> bool:
        return sign_in_mode(request) is SignIn.TEST

    @property
    def session_hours(self) -> int:
        return SESSION_MAX_AGE // 3600


def install(api: Any) -> None:
    api.state.visitor = WebVisitor()

    @api.exception_handler(SignInNeeded)
    def on_sign_in_needed(request: Request, needed: SignInNeeded) -> Response:
        return RedirectResponse(needed.sign_in, status_code=303)

    @api.exception_handler(CsrfRefused)
    def on_csrf(request: Request, error: CsrfRefused) -> Response:
        return render(request, "form_refused.html",
                      error.lang or request.query_params.get("lang"), status=403,
                      message=error.message)
