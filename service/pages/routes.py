"""Residents' feedback pages, built from the read models only.

`?lang=en` for English (Swedish by default). `?position=N` waits until the read models include
the write at position N (returned by every API write), so a page shows what was just done.
Otherwise a feedback page is built once for all its readers of the moment (`shared`; ADR 0011).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from domain.areas import residence_names
from domain.categories import category_names
from domain.cycle import COMMAND_PHASES, web_address
from domain.errors import InvalidInput
from domain.money import currency_of
from domain.phases import Phase
from domain.pictures import MAX_PICTURES
from domain.proposal_states import CLOSED, ProposalStatus
from domain.receipts import normalised_code, receipt_digest
from domain.statistics import suppressed
from projections.rows import CycleRow
from service import comparison
from service.api.deps import Reached
from service.map_tiles import MapTiles
from service.pages import charts, find_proposals, i18n, map_view
from service.pages.branding import brand_of
from service.pages.shared_pages import SharedPages
from service.read_models import ReadModels
from service.reason_text import reason_text

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
PHASE_ORDER = tuple(p.value for p in Phase if p is not Phase.CANCELLED)
# A proposal never on the ballot: not reviewed feasible, or merged or withdrawn.
OFF_THE_BALLOT = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.INFEASIBLE, *CLOSED})
Lang = Annotated[str | None, Query(max_length=5)]
# The home page's order: open for taking part (voting, then ideas, support, ...), then the
# rounds being counted, built and evaluated, drafts, and the closed ones last.
HOME_ORDER = (Phase.VOTING, Phase.IDEAS, Phase.SUPPORT, Phase.REVIEW, Phase.COUNTING,
              Phase.RESULTS, Phase.IMPLEMENTATION, Phase.EVALUATION, Phase.DRAFT, Phase.CLOSED)


def _environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = lambda v, currency: i18n.money(v, currency, lang)
    env.filters["number"] = lambda v: i18n.number(v, lang)
    env.filters["day"] = lambda v: i18n.day(v, lang)
    gettext = i18n.translations(lang).gettext
    env.globals["phase_label"] = lambda p: gettext(i18n.PHASE_LABELS.get(p) or str(p))
    env.globals["status_label"] = lambda s: gettext(i18n.STATUS_LABELS.get(s) or str(s))
    # A proposal's status with its result (a row of the results, or None before the count).
    env.globals["shown_status"] = lambda p, r: i18n.shown_status(
        p["status"], None if r is None else bool(r["selected"]))
    # A tie names the other proposals by title (`titles`: the results' proposal id -> title).
    # On a page a reason stands alone: a sentence with a capital and a full stop.
    env.globals["reason"] = lambda r, titles=None: i18n.sentence(reason_text(r, lang, titles))
    env.globals["score_label"] = lambda kind: gettext(i18n.score_label(kind))
    return env


ENVIRONMENTS = {lang: _environment(lang) for lang in i18n.LANGUAGES}


class PageNotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _read_models(request: Request) -> ReadModels:
    # A page's ?position was waited for before the page ran (service/api/deps.py `reached`).
    read_models: ReadModels = request.app.state.read_models
    return read_models


def render(request: Request, template: str, lang: str | None, status: int = 200,
           **context: Any) -> HTMLResponse:
    lang = i18n.language(lang)
    return HTMLResponse(_html(request, template, lang, **_reader(request), **context),
                        status_code=status)


def _html(request: Request, template: str, lang: str, **context: Any) -> str:
    other = "en" if lang == "sv" else "sv"
    path = str(request.url.path)
    if request.method == "POST":
        # A page shown after a form post switches language on the form's own page.
        path = "/sign-in" if path == "/sign-in/local" else path.removesuffix("/confirm")
    # The same page in the other language: a search's parameters are kept (position is not).
    kept = [(k, v) for k, v in request.query_params.multi_items()
            if k in find_proposals.PARAMETERS] if request.method == "GET" else []
    switch_url = f"{path}?{urlencode([*kept, ('lang', other)])}"
    return ENVIRONMENTS[lang].get_template(template).render(
        lang=lang, other_lang=other, switch_url=switch_url, path=request.url.path,
        brand=brand_of(request),
        lang_query="" if lang == i18n.DEFAULT else f"?lang={lang}", query=request.query_params,
        test_sign_in=_test_sign_in(request), **context)


class Visitor(Protocol):
    """Who reads a page, as the part of the site that signs residents in knows it
    (service/web installs one on the application as `state.visitor`): the pages show it
    without depending on how sign-in and sessions work."""

    def resident(self, request: Request) -> object | None: ...
    def csrf_token(self, request: Request) -> str: ...
    def test_sign_in(self, request: Request) -> bool: ...
    @property
    def session_hours(self) -> int:
        """How long a sign-in lasts, which the privacy notice tells."""


def visitor(request: Request) -> Visitor:
    installed: Visitor = request.app.state.visitor
    return installed


def _test_sign_in(request: Request) -> bool:
    """Whether every page warns that anyone can sign in as anyone here."""
    return visitor(request).test_sign_in(request)


def _reader(request: Request) -> dict[str, Any]:
    """What of a page is the reader's own: who is signed in, and their CSRF token."""
    has_session = "session" in request.scope
    return {"resident": visitor(request).resident(request) if has_session else None,
            "csrf": LazyCsrf(request) if has_session else ""}


Page = tuple[str, dict[str, Any]]  # a template, and what it shows
VISITOR_MARK = Markup("<!-- the reader's account corner -->")


def shared(request: Request, lang: str | None, position: int | None,
           page: Callable[[ReadModels, str], Page]) -> HTMLResponse:
    """A feedback page built once for all its readers of the moment (service/pages/
    shared_pages.py), with the reader's own account corner put in."""
    lang_code = i18n.language(lang)
    query = tuple(sorted((name, value) for name, value in request.query_params.multi_items()
                         if name != "position"))

    def build() -> tuple[int, str]:
        read_models = _read_models(request)
        included = read_models.store.position()  # read before the page: it includes at least this
        template, context = page(read_models, lang_code)
        return included, _html(request, template, lang_code, resident=None, csrf="",
                               visitor_mark=VISITOR_MARK, **context)

    pages: SharedPages = request.app.state.shared_pages
    # The test sign-in's banner is part of the page: a page kept from before it was switched
    # (an identity provider configured meanwhile) is not served after.
    key = (request.url.path, lang_code, query, _test_sign_in(request))
    html = pages.page(key, position, build)
    corner = ENVIRONMENTS[lang_code].get_template("visitor.html").render(
        lang=lang_code, path=request.url.path, **_reader(request))
    return HTMLResponse(html.replace(VISITOR_MARK, corner, 1))


class LazyCsrf:
    """The visitor's CSRF token, made only if the page has a form that needs it: merely reading
    a page must not start a session (and set a cookie) for an anonymous visitor."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return visitor(self._request).csrf_token(self._request)

    def __html__(self) -> str:
        return str(Markup.escape(str(self)))


def _cycle(read_models: ReadModels, cycle_id: str) -> dict[str, Any]:
    doc = read_models.store.cycle(cycle_id)
    if doc is None:
        raise PageNotFound(cycle_id)
    # The cycle's navigation links the map only when it would show something.
    return _with_currency(doc, mapped=read_models.store.has_places(cycle_id))


def _with_currency(doc: CycleRow, **extra: object) -> dict[str, Any]:
    """A cycle's read model, as a page shows it, with the currency every amount of it is in."""
    return {**doc, **extra,
            "currency": currency_of(doc.get("currency"), doc["areas"].values())}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, position: Reached, lang: Lang = None) -> HTMLResponse:
    return shared(request, lang, position, _home)


def _home(read_models: ReadModels, lang: str) -> Page:
    cycles = [_with_currency(c) for c in read_models.store.cycles()]
    for cycle in cycles:
        cycle["budget"] = sum(a["budget"] for a in cycle["areas"].values())
        cycle["proposal_count"] = sum(cycle["proposals"].values())
        cycle["ballot_count"] = sum(cycle["ballots"].values())
    # Where a resident can take part now first, then what follows up on earlier rounds, the
    # closed last; the newest first within a phase. Cancelled cycles are no longer taking part
    # in anything: listed apart, below.
    ordered = sorted((c for c in cycles if c["phase"] != "cancelled"),
                     key=lambda c: str(c.get("created_at") or ""), reverse=True)
    ordered.sort(key=lambda c: HOME_ORDER.index(c["phase"]) if c["phase"] in HOME_ORDER
                 else len(HOME_ORDER))
    return "index.html", {"cycles": ordered,
                          "cancelled": [c for c in cycles if c["phase"] == "cancelled"]}


def _timeline(cycle: dict[str, Any], lang: str) -> list[charts.Step]:
    entered = {h["to_phase"]: h["at"] for h in cycle["history"]}
    entered.setdefault("draft", cycle["created_at"])
    translate = i18n.translations(lang).gettext
    # The support phase only on the timeline of a cycle with a support round (ADR 0020).
    phases = [p for p in PHASE_ORDER
              if p != "support" or cycle.get("support_round") or p in entered]
    if cycle["phase"] == "cancelled":
        phases = [p for p in phases if p in entered] + ["cancelled"]
    current = phases.index(cycle["phase"]) if cycle["phase"] in phases else 0
    steps = []
    for index, phase in enumerate(phases):
        planned, when = cycle["timeline"].get(phase, ""), entered.get(phase, "")
        state = "done" if index < current else "current" if index == current else "todo"
        steps.append(charts.Step(translate(i18n.PHASE_LABELS[phase]),
                                 i18n.day(str(planned)[:10], lang) if planned else "",
                                 i18n.day(str(when)[:10], lang) if when else "", state))
    return steps


CyclePage = Callable[[ReadModels, str, str], Page]  # (read models, language, cycle id)


def cycle_route(path: str, name: str) -> Callable[[CyclePage], CyclePage]:
    """Serve `page` at `path` (naming a `cycle_id`) as a shared page (`shared`), in the
    language asked and including the write at `?position=N`."""

    def register(page: CyclePage) -> CyclePage:
        def endpoint(request: Request, cycle_id: str, position: Reached,
                     lang: Lang = None) -> HTMLResponse:
            return shared(request, lang, position, lambda rm, lc: page(rm, lc, cycle_id))

        endpoint.__name__ = endpoint.__qualname__ = name
        router.get(path, response_class=HTMLResponse, name=name)(endpoint)
        return page

    return register


@cycle_route("/cycles/{cycle_id}", "cycle_page")
def _cycle_page(read_models: ReadModels, lang_code: str, cycle_id: str) -> Page:
    cycle = _cycle(read_models, cycle_id)
    translate = i18n.translations(lang_code).gettext
    turnout = read_models.store.turnout_of(cycle_id)
    by_area: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    by_age: dict[str, int] = {}
    by_day: dict[str, int] = {}
    for row in turnout:
        by_area[row["area"]] = by_area.get(row["area"], 0) + row["ballots"]
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["ballots"]
        by_age[row["age_band"]] = by_age.get(row["age_band"], 0) + row["ballots"]
        by_day[row["day"]] = by_day.get(row["day"], 0) + row["ballots"]
    area_names = {a["id"]: a["name"] for a in cycle["areas"].values()}
    residences = residence_names(cycle["areas"].values())
    turnout_chart = charts.votes_chart(
        "turnout", translate("Ballots per area"),
        translate("Number of ballots cast in each area."),
        [charts.Bar(area_names.get(a, a), n) for a, n in sorted(by_area.items())],
        [charts.LegendItem("plain", translate("Ballots"))])
    timeline = charts.timeline("phases", translate("The phases of the cycle"),
                               _timeline(cycle, lang_code), charts.TimelineWords(
                                   translate("Planned"), translate("Started"),
                                   translate("current phase")))
    lineage = comparison.lineage(read_models.store, cycle)
    return "cycle.html", {
        "cycle": cycle, "timeline": timeline, "turnout_chart": turnout_chart, "by_area": by_area,
        "evaluation_link": _web_link((cycle.get("evaluation") or {}).get("url")),
        # Breakdowns that could single a voter out hide their small cells (domain/statistics).
        "by_channel": suppressed(by_channel), "by_age": suppressed(by_age),
        "by_day": suppressed(by_day), "area_names": area_names, "residences": residences,
        "lineage": lineage, "pots": comparison.pots(lineage)}


def support_row(cycle: Mapping[str, Any], proposal: Mapping[str, Any]
                ) -> dict[str, Any] | None:
    """The proposal's row of the support round's outcome (supports, rank, on the ballot or not,
    the area's rule), or None before the round closed or in a cycle without one."""
    outcome = cycle.get("support_outcome")
    if not outcome:
        return None
    area = outcome["areas"].get(proposal["area"], {})
    row = next((r for r in area.get("proposals", []) if r["proposal"] == proposal["id"]), None)
    if row is None:
        return None
    return {**row, "rule": area["rule"], "value": area["value"]}


def _web_link(url: object) -> str | None:
    """An http(s) address to link to; anything else (stored before addresses were checked:
    javascript:, data:) is no link."""
    try:
        return web_address(url, "url")
    except InvalidInput:
        return None


@router.get("/cycles/{cycle_id}/proposals", response_class=HTMLResponse)
def proposals_page(request: Request, cycle_id: str, position: Reached,
                   lang: Lang = None) -> HTMLResponse:
    """Every proposal by area; with `?q=`, `?area=`, `?category=`, `?status=` or `?max_cost=`
    (service/pages/find_proposals.py) those that match, the best match first."""
    params = dict(request.query_params)
    refused = _refused_search(request, lang, cycle_id, params, "proposals", found=None)
    return refused or shared(request, lang, position,
                             lambda rm, lc: _proposals_page(rm, lc, cycle_id, params))


def _refused_search(request: Request, lang: str | None, cycle_id: str, params: dict[str, str],
                    page: str, **nothing_found: Any) -> HTMLResponse | None:
    """`page` (proposals or map) refusing its search parameters (400, saying why in the
    reader's language, with `nothing_found` for what it would have shown); None when it can
    use them."""
    if not find_proposals.asked(params):
        return None
    lang_code = i18n.language(lang)
    cycle = _cycle(_read_models(request), cycle_id)
    refused = find_proposals.refusal(params, cycle, lang_code)
    if refused is None:
        return None
    return render(request, f"{page}.html", lang, status=400,
                  **_search_context(cycle, params, lang_code, page), refused=refused,
                  **nothing_found)


def _search_context(cycle: dict[str, Any], params: dict[str, str],
                    lang: str, page: str = "proposals") -> dict[str, Any]:
    gettext = i18n.translations(lang).gettext
    return {"cycle": cycle, "values": find_proposals.form_values(params),
            "choices": find_proposals.choices(cycle, gettext),
            "filters": find_proposals.shown_filters(f"/cycles/{cycle['id']}/{page}", params,
                                                    cycle, lang),
            "category_names": category_names(cycle.get("categories"))}


def _proposals_page(read_models: ReadModels, lang: str, cycle_id: str,
                    params: dict[str, str]) -> Page:
    cycle = _cycle(read_models, cycle_id)
    results = {r["proposal_id"]: r for r in read_models.store.results_of(cycle_id)}
    context = _search_context(cycle, params, lang)
    if find_proposals.asked(params):
        ids = read_models.store.search_proposals(
            cycle_id, find_proposals.condition(params, cycle))
        by_id = {p["id"]: p for p in read_models.store.proposals_of(cycle_id)}
        found = [by_id[i] for i in ids if i in by_id]
        return "proposals.html", {**context, "found": found, "results": results,
                                  "refused": None, "titles": _titles(results.values())}
    proposals = read_models.store.proposals_of(cycle_id)
    areas = [(a, [p for p in proposals if p["area"] == a["id"]]) for a in cycle["areas"].values()]
    return "proposals.html", {**context, "areas": areas, "results": results, "found": None,
                              "refused": None, "titles": _titles(results.values())}


@router.get("/cycles/{cycle_id}/map", response_class=HTMLResponse)
def map_page(request: Request, cycle_id: str, position: Reached,
             lang: Lang = None) -> HTMLResponse:
    """The proposals that have a point, listed and (with JavaScript) on a map with the areas'
    boundaries; the proposals page's filters apply (ADR 0031)."""
    params = dict(request.query_params)
    tiles: MapTiles = request.app.state.map_tiles
    refused = _refused_search(request, lang, cycle_id, params, "map", markers=[],
                              boundaries=map_view.boundaries(()), tiles=tiles)
    return refused or shared(request, lang, position,
                             lambda rm, lc: _map_page(rm, lc, cycle_id, params, tiles))


def _map_page(read_models: ReadModels, lang: str, cycle_id: str, params: dict[str, str],
              tiles: MapTiles) -> Page:
    cycle = _cycle(read_models, cycle_id)
    proposals = read_models.store.proposals_of(cycle_id)
    areas = list(cycle["areas"].values())
    if find_proposals.asked(params):
        condition = find_proposals.condition(params, cycle)
        by_id = {p["id"]: p for p in proposals}
        proposals = [by_id[i] for i in read_models.store.search_proposals(cycle_id, condition)
                     if i in by_id]
        if condition.area is not None:  # the area asked for, not its neighbours
            areas = [a for a in areas if a["id"] == condition.area]
    selected = {r["proposal_id"]: r["selected"] for r in read_models.store.results_of(cycle_id)}
    return "map.html", {**_search_context(cycle, params, lang, "map"), "refused": None,
                        "markers": map_view.markers(proposals, cycle["areas"], selected),
                        "boundaries": map_view.boundaries(areas), "tiles": tiles}


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(request: Request, proposal_id: str, position: Reached,
                  lang: Lang = None) -> HTMLResponse:
    # The proposer's display name, if they gave one (service/personal, ADR 0028): erased,
    # the page says "a resident" again.
    name_of: Callable[[str], str | None] = getattr(request.app.state, "proposer_name",
                                                   lambda _: None)
    comment_names: Callable[[list[str]], dict[str, str]] = getattr(
        request.app.state, "comment_names", lambda _: {})

    def page(read_models: ReadModels, _: str) -> Page:
        template, context = _proposal_page(read_models, proposal_id)
        ids = [str(c["id"]) for top in context["comments"]
               for c in (top, *top.get("replies", []))]
        return template, {**context, "proposer_name": name_of(proposal_id),
                          "comment_names": comment_names(ids) if ids else {}}

    return shared(request, lang, position, page)


# The phases a cycle takes comments in (domain.cycle.COMMAND_PHASES), as the read models name them.
COMMENT_PHASES = frozenset(p.value for p in COMMAND_PHASES["comment"])
PICTURE_PHASES = frozenset(p.value for p in COMMAND_PHASES["add_picture"])


def _proposal_page(read_models: ReadModels, proposal_id: str) -> Page:
    proposal = read_models.store.proposal(proposal_id)
    if proposal is None:
        raise PageNotFound(proposal_id)
    cycle = _cycle(read_models, proposal["cycle_id"])
    rows = read_models.store.results_of(cycle["id"])
    result = next((r for r in rows if r["proposal_id"] == proposal_id), None)
    phase_index = PHASE_ORDER.index(cycle["phase"]) if cycle["phase"] in PHASE_ORDER else -1
    on_ballot = proposal["status"] not in OFF_THE_BALLOT \
        and phase_index >= PHASE_ORDER.index(Phase.VOTING)
    support = support_row(cycle, proposal)
    if support is not None and not support["on_ballot"]:
        on_ballot = False  # the support round left it off the ballot
    latest = proposal["progress"][-1]["percent"] if proposal["progress"] else 0
    bar = charts.progress_bar("progress", proposal["title"], latest)
    comments = read_models.store.comments_of(proposal_id)
    return "proposal.html", {
        "proposal": proposal, "cycle": cycle, "result": result, "on_ballot": on_ballot,
        "ballot_kind": _ballot_kind(cycle, proposal["area"]),
        "titles": _titles(rows), "support": support,
        "comments": comments, "comment_count": sum(1 + len(c["replies"]) for c in comments),
        "comments_open": cycle["phase"] in COMMENT_PHASES,
        # The link to add a picture (whose the proposal is, the form's page checks).
        "pictures_open": cycle["phase"] in PICTURE_PHASES and not proposal.get("hidden")
        and proposal["status"] == ProposalStatus.SUBMITTED
        and len(proposal.get("pictures", [])) < MAX_PICTURES,
        "max_pictures": MAX_PICTURES,
        "progress_chart": bar, "percent": latest,
        # A category of the cycle's list by its name; free text (or none) as it was given.
        "category": category_names(cycle.get("categories")).get(proposal["category"],
                                                                proposal["category"]),
        "area": cycle["areas"].get(proposal["area"], {"name": proposal["area"]})}


def _ballot_kind(cycle: dict[str, Any], area_id: str) -> str | None:
    """The kind of ballot an area voted with (its own rule, else the cycle's)."""
    rule = cycle["areas"].get(area_id, {}).get("voting_rule") or cycle.get("voting_rule") or {}
    kind: str | None = rule.get("kind")
    return kind


def _titles(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {r["proposal_id"]: r["title"] for r in rows if r.get("title")}


@cycle_route("/cycles/{cycle_id}/results", "results_page")
def _results_page(read_models: ReadModels, lang_code: str, cycle_id: str) -> Page:
    cycle = _cycle(read_models, cycle_id)
    translate = i18n.translations(lang_code).gettext
    rows = read_models.store.results_of(cycle_id)
    titles = _titles(rows)
    currency = cycle["currency"]
    areas = []
    for area in cycle["areas"].values():
        area_rows = [r for r in rows if r["area"] == area["id"]]
        ordered = sorted(area_rows, key=lambda r: -float(r["score"]))
        chosen = [r for r in area_rows if r["selected"]]
        spent = sum(r["cost"] for r in chosen)
        votes = charts.votes_chart(
            f"votes-{area['id']}", translate("Votes per proposal in %(area)s") % {
                "area": area["name"]},
            translate("Selected proposals are marked with a check and drawn in green."),
            [charts.Bar(r["title"], float(r["score"]), r["selected"]) for r in ordered],
            [charts.LegendItem("selected", translate("Selected")),
             charts.LegendItem("not-selected", translate("Not selected"))])
        budget = charts.budget_chart(
            f"budget-{area['id']}", translate("Cost of the selected proposals against the "
                                              "budget in %(area)s") % {"area": area["name"]},
            translate("The selected proposals laid end to end by cost; the red line is the "
                      "budget."),
            [charts.Bar(r["title"], r["cost"], True, i18n.money(r["cost"], currency, lang_code))
             for r in chosen],
            area["budget"],
            [charts.LegendItem("selected", translate("Selected proposals")),
             charts.LegendItem("budget", translate("Budget %(amount)s") % {
                 "amount": i18n.money(area["budget"], currency, lang_code)})])
        areas.append({"area": area, "rows": ordered, "votes_chart": votes,
                      "ballot_kind": _ballot_kind(cycle, area["id"]),
                      "budget_chart": budget, "spent": spent,
                      "left": area["budget"] - spent, "ballots": cycle["ballots"].get(
                          area["id"], 0),
                      # An area stored before pots had a minimum was counted without one.
                      "min_votes": area.get("min_votes") or 0,
                      "exceptions": [{**e, "title": titles.get(e["proposal_id"], "")}
                                     for e in cycle.get("winner_exceptions", [])
                                     if e["area"] == area["id"]],
                      "incompatible": [{**p, "first_title": titles.get(p["first"], ""),
                                        "second_title": titles.get(p["second"], "")}
                                       for p in cycle.get("incompatible", [])
                                       if p["area"] == area["id"]
                                       and p["first"] in titles and p["second"] in titles]})
    return "results.html", {"cycle": cycle, "areas": areas, "titles": titles,
                            "published": cycle.get("results_published_at")}


@router.get("/cycles/{cycle_id}/receipt", response_class=HTMLResponse)
def receipt_check_page(request: Request, cycle_id: str, lang: Lang = None,
                       code: Annotated[str | None, Query(max_length=64)] = None,
                       ) -> HTMLResponse:
    """A resident checks that the ballot with their receipt code is stored and counted; the
    code says nothing of the vote, and this page says nothing more than yes or no."""
    read_models = _read_models(request)
    cycle = _cycle(read_models, cycle_id)
    checked: dict[str, Any] | None = None
    if code:
        try:
            normalised = normalised_code(code)
        except InvalidInput:
            checked = {"code": code, "valid": False}
        else:
            stored = read_models.store.receipt_stored(cycle_id, receipt_digest(normalised))
            checked = {"code": normalised, "valid": True, "stored": stored,
                       "counted": stored and cycle.get("results_published_at") is not None}
    return render(request, "receipt_check.html", lang, status=200, cycle=cycle,
                  checked=checked)


@cycle_route("/cycles/{cycle_id}/progress", "progress_page")
def _progress_page(read_models: ReadModels, _: str, cycle_id: str) -> Page:
    cycle = _cycle(read_models, cycle_id)
    selected = {r["proposal_id"] for r in read_models.store.results_of(cycle_id)
                if r["selected"]}
    projects = []
    for proposal in read_models.store.proposals_of(cycle_id):
        if proposal["id"] not in selected:
            continue
        latest = proposal["progress"][-1] if proposal["progress"] else None
        percent = latest["percent"] if latest else 0
        projects.append({"proposal": proposal, "percent": percent, "latest": latest,
                         "bar": charts.progress_bar(f"progress-{proposal['id']}",
                                                    proposal["title"], percent)})
    return "progress.html", {"cycle": cycle, "projects": projects}
