"""The support round on the web: every feasible proposal with its supports, a support button
for a signed-in resident eligible in the area while the round is open (a form POST with the
session's CSRF token: no JavaScript needed), and once it closed, why each proposal went on the
ballot or not. Writes go through service/support_round.py, as the API's do (ADR 0020).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.cycle import BudgetCycle
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, PhaseError
from domain.phases import Phase
from service import support_round
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.pages import i18n
from service.pages.routes import PageNotFound, render
from service.web import forms
from service.web.routes import Form, _app, _cycle, _lang, _suffix, signed_in_post
from service.web.session import Resident, current_resident

router = APIRouter(include_in_schema=False)
ACTIONS = ("support", "withdraw")


def _voter(resident: Resident | None) -> Voter | None:
    return None if resident is None else Voter(resident.subject, resident.birth_date,
                                               resident.residence, resident.works_in)


def _cycle_view(cycle: BudgetCycle) -> dict[str, Any]:
    return {"id": str(cycle.id), "name": cycle.name, "phase": cycle.phase.value,
            "currency": cycle.currency, "support_round": cycle.support_round}


def _page(request: Request, lang: str, app: Medborgarbudget, cycle: BudgetCycle,
          status: int = 200, error: str | None = None) -> Response:
    resident = current_resident(request)
    rules = cycle.support_rules()
    decided = cycle.support_outcome is not None
    outcome_rows = {row["proposal"]: {**row, "rule": area["rule"], "value": area["value"]}
                    for area in (cycle.support_outcome or {"areas": {}})["areas"].values()
                    for row in area["proposals"]}
    standings = support_round.standings(app, cycle.id, _voter(resident)) if rules else []
    today = datetime.now(UTC).date()
    areas = []
    for area in cycle.areas.values():
        rows: list[dict[str, Any]] = [
            {"proposal_id": s.proposal_id, "title": s.title, "supports": s.supports,
             "supported_by_you": s.supported_by_you, "outcome": outcome_rows.get(s.proposal_id)}
            for s in standings if s.area == area.id]
        if decided:  # as the outcome lists them: most supported first
            rows.sort(key=lambda r: (r["outcome"] or {}).get("rank", 0))
        eligible = resident is not None and cycle.eligibility_refusal(
            area.id, resident.birth_date, resident.residence, today,
            resident.works_in) is None
        areas.append({"id": area.id, "name": area.name, "eligible": eligible, "rows": rows,
                      "rule": rules.rule_for(area.id).to_dict() if rules else None})
    return render(request, "support.html", lang, status=status, cycle=_cycle_view(cycle),
                  areas=areas, open=cycle.phase is Phase.SUPPORT, decided=decided, error=error)


@router.get("/cycles/{cycle_id}/support", response_class=HTMLResponse)
def support_page(request: Request, cycle_id: str) -> Response:
    lang = _lang(request)
    app = _app(request)
    return _page(request, lang, app, _cycle(app, cycle_id))


@router.post("/cycles/{cycle_id}/support/{proposal_id}", response_class=HTMLResponse)
def give_or_take_back(request: Request, cycle_id: str, proposal_id: str,
                      form: Form) -> Response:
    lang, resident, app = signed_in_post(request, form)
    cycle = _cycle(app, cycle_id)
    try:
        proposal = app.proposal(proposal_id)
    except NotFound:
        raise PageNotFound(proposal_id) from None
    if proposal.cycle_id != str(cycle.id):
        raise PageNotFound(proposal_id)
    _ = i18n.translations(lang).gettext
    action = forms.first(form, "action")
    if action not in ACTIONS:
        return _page(request, lang, app, cycle, 422, _("Choose to support or to take back."))
    voter = Voter(resident.subject, resident.birth_date, resident.residence, resident.works_in)
    try:
        if action == "support":
            support_round.support(app, proposal.id, voter)
        else:
            support_round.withdraw(app, proposal.id, voter)
    except PhaseError:
        return _page(request, lang, app, cycle, 409, _(
            "Supports are taken only while the support round is open. The cycle is in the "
            "phase: %(phase)s.") % {"phase": _(i18n.PHASE_LABELS[cycle.phase.value])})
    except InvalidInput as error:
        return _page(request, lang, app, cycle, 422, _(
            "You may not support proposals in this area: %(reason)s") % {"reason": error.reason})
    except Conflict:
        # A second tab or a double click: say so in the resident's words.
        message = (_("You already support this proposal.") if action == "support"
                   else _("You do not support this proposal."))
        if not app.proposal(proposal.id).on_ballot:
            message = _("Only a feasible proposal can be supported.")
        return _page(request, lang, app, cycle, 409, message)
    except DomainError as error:
        return _page(request, lang, app, cycle, 409, error.message)
    anchor = f"#proposal-{proposal.id}"
    return RedirectResponse(f"/cycles/{cycle.id}/support{_suffix(lang)}{anchor}",
                            status_code=303)
