"""The residents' feedback pages (DESIGN §8) in a real browser: headless Chromium driven by
Playwright against the service on a loopback port, with a history of cycles (one closed, its
successor in voting with the comparison to the year before, a third collecting ideas).

Every page, in Swedish and English, on a phone and on a desktop: axe-core finds no violation
(WCAG 2.x A and AA, best practices), `<html lang>` is right, nothing overflows sideways, no chart
draws text in SVG (it would shrink with the drawing on a phone), and nothing breaks the
Content-Security-Policy (no inline script or style). The
language switch works, and so does every page with JavaScript turned off (the server renders
everything). The API's docs (/docs) load Swagger UI from this site alone.
Screenshots of every page, language and viewport go to artifacts/screenshots/pages/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from projections.store import ReadModelStore
from service.config import Settings
from service.demo import IDEAS
from service.runtime import open_application
from tests.cycle_history import WAITING_TITLE, WITHDRAWN_TITLE, History, build_history
from tests.e2e.participation_support import (
    ROOT,
    VIEWPORTS,
    axe_violations,
    open_context,
    screenshot,
    serving,
    sideways_overflow,
    watch_content_security_policy,
    with_lang,
)

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "pages"
LANGUAGES = ("sv", "en")
MISSING_CYCLE = "00000000-0000-4000-8000-000000000000"
# Texts each page must show, in (Swedish, English): what proves it was rendered in full.
HEADINGS = {
    "home": ("Medborgarbudget", "Participatory budget"),
    "cycle-closed": ("Medborgarbudget Nässjö 2027", "Medborgarbudget Nässjö 2027"),
    "proposals-closed": ("Förslag", "Proposals"),
    "results-closed": ("Resultat", "Results"),
    "progress-closed": ("Genomförande", "Implementation"),
    "proposal-built": (None, None),
    "proposal-rejected": ("Ny simhall", "Ny simhall"),
    "proposal-merged": ("Utegym i norra Nässjö", "Utegym i norra Nässjö"),
    "cycle-voting": ("Medborgarbudget Nässjö 2028", "Medborgarbudget Nässjö 2028"),
    "proposals-voting": ("Förslag", "Proposals"),
    "results-voting": ("Resultat", "Results"),
    "proposal-withdrawn": (WITHDRAWN_TITLE, WITHDRAWN_TITLE),
    "proposal-waiting": (WAITING_TITLE, WAITING_TITLE),
    "not-found": ("Sidan hittades inte", "Page not found"),
}

# Text drawn inside a chart's SVG, which would shrink with the drawing on a phone: every word of
# a chart is HTML (service/pages/charts.py).
TEXT_IN_CHART_SVG = """() => [...document.querySelectorAll("figure.chart svg text")]
    .map(t => t.textContent)"""


@dataclass
class Site:
    url: str
    history: History
    paths: dict[str, str]
    built_title: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(tmp_path_factory.mktemp("pages") / "data")
    app = open_application(settings)
    history = build_history(app)
    with closing(app), serving(settings, app) as service:
        yield Site(service.url, history, *_paths(history, service.caught_up()))


def _paths(history: History, store: ReadModelStore) -> tuple[dict[str, str], str]:
    """The path of every page under test by its key, and the title of the proposal built."""
    closed, voting = str(history.closed.cycle_id), str(history.voting)
    built = next(p for p in store.proposals_of(closed) if p["status"] == "completed")
    paths = {
        "home": "/",
        "cycle-closed": f"/cycles/{closed}",
        "proposals-closed": f"/cycles/{closed}/proposals",
        "results-closed": f"/cycles/{closed}/results",
        "progress-closed": f"/cycles/{closed}/progress",
        "proposal-built": f"/proposals/{built['id']}",
        "proposal-rejected": f"/proposals/{history.closed.proposals['Ny simhall']}",
        "proposal-merged": "/proposals/" + next(
            p["id"] for p in store.proposals_of(closed) if p["status"] == "merged"),
        "cycle-voting": f"/cycles/{voting}",
        "proposals-voting": f"/cycles/{voting}/proposals",
        "results-voting": f"/cycles/{voting}/results",
        "proposal-withdrawn": f"/proposals/{history.voting_proposals[WITHDRAWN_TITLE]}",
        "proposal-waiting": f"/proposals/{history.waiting_proposal}",
        "not-found": f"/cycles/{MISSING_CYCLE}",
    }
    assert set(paths) == set(HEADINGS)
    return paths, str(built["title"])


def open_page(browser: Browser, site: Site, viewport: str = "desktop",
              javascript: bool = True) -> Page:
    return open_context(browser, site.url, javascript=javascript,
                        viewport=VIEWPORTS[viewport]).new_page()


def heading(site: Site, key: str, lang: str) -> str:
    expected = HEADINGS[key][LANGUAGES.index(lang)]
    return expected if expected is not None else site.built_title


# ---- every page, both languages, phone and desktop: accessible --------------------------

@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_is_accessible(browser: Browser, site: Site, lang: str,
                                  viewport: str) -> None:
    page = open_page(browser, site, viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    try:
        for key, path in site.paths.items():
            response = page.goto(with_lang(path, lang))
            assert response is not None
            assert response.status == (404 if key == "not-found" else 200), key
            assert page.locator("html").get_attribute("lang") == lang, key
            expect(page.locator("h1")).to_have_text(heading(site, key, lang))
            screenshot(page, SCREENSHOTS / f"{key}-{lang}-{viewport}.png")
            overflow = sideways_overflow(page)
            if overflow > 0:
                problems.setdefault(key, []).append(
                    f"the page is {overflow}px wider than the {viewport} viewport")
            for text in page.evaluate(TEXT_IN_CHART_SVG):
                problems.setdefault(key, []).append(f"text drawn in a chart's SVG: {text!r}")
            found = axe_violations(page)
            if found:
                problems.setdefault(key, []).extend(found)
    finally:
        page.context.close()
    assert not problems, "\n".join(
        f"{key} ({site.paths[key]}, {lang}, {viewport}):\n  " + "\n  ".join(lines)
        for key, lines in problems.items())


# ---- the language switch --------------------------------------------------------------

def test_the_language_switch_goes_to_the_same_page_in_the_other_language(
        browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    try:
        for key in ("home", "cycle-voting", "results-closed", "proposal-waiting", "not-found"):
            path = site.paths[key]
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == "sv"
            switch = page.get_by_role("link", name="In English")
            expect(switch).to_have_attribute("hreflang", "en")
            switch.click()
            page.wait_for_url(re.compile(re.escape(path) + r"\?lang=en$"))
            assert page.locator("html").get_attribute("lang") == "en"
            expect(page.locator("h1")).to_have_text(heading(site, key, "en"))
            page.get_by_role("link", name="På svenska").click()
            page.wait_for_url(re.compile(re.escape(path) + r"\?lang=sv$"))
            assert page.locator("html").get_attribute("lang") == "sv"
            expect(page.locator("h1")).to_have_text(heading(site, key, "sv"))

        # Links keep the chosen language: from the English home page to a cycle and its tabs.
        page.goto("/?lang=en")
        page.get_by_role("link", name="Medborgarbudget Nässjö 2027").click()
        page.get_by_role("navigation", name="About this cycle").get_by_role(
            "link", name="Results").click()
        page.wait_for_url(re.compile(r"/results\?lang=en$"))
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        page.context.close()


# ---- without JavaScript ---------------------------------------------------------------

def test_every_page_works_without_javascript(browser: Browser, site: Site) -> None:
    page = open_page(browser, site, "phone", javascript=False)
    closed, voting = site.history.closed, site.history.voting
    try:
        for key, path in site.paths.items():
            response = page.goto(path)
            assert response is not None and response.status in (200, 404), key
            expect(page.locator("h1")).to_have_text(heading(site, key, "sv"))

        # Everything is in the HTML the server sent: charts, tables, every proposal.
        page.goto(site.paths["results-closed"])
        assert page.locator("figure.chart ol.bars").count() == 3  # votes, 3 areas
        assert page.locator("figure.chart svg.budget-bar[role=img]").count() == 3
        on_ballot = sum(1 for idea in IDEAS if idea[5] is not None)  # those found feasible
        assert page.locator("main table tbody tr").count() == on_ballot
        page.goto(site.paths["proposals-closed"])
        for title in closed.proposals:
            expect(page.locator("main")).to_contain_text(title)
        page.goto(site.paths["cycle-voting"])
        comparison = page.locator("section", has=page.get_by_role(
            "heading", name="Jämfört med tidigare år"))
        expect(comparison.locator("tbody tr")).to_have_count(2)
        expect(comparison).to_contain_text("Medborgarbudget Nässjö 2027")
        page.goto(site.paths["proposal-waiting"])
        expect(page.locator("main")).to_contain_text("Mottaget")
        expect(page.locator("main")).to_contain_text("Väntar på kommunens prövning.")

        # Plain links lead everywhere: from the home page to a proposal and back.
        page.goto("/")
        page.get_by_role("link", name="Medborgarbudget Nässjö 2028").click()
        page.get_by_role("navigation", name="Om omgången").get_by_role(
            "link", name="Förslag").click()
        page.get_by_role("link", name="Utegym vid Runnerydsjön").click()
        expect(page.locator("h1")).to_have_text("Utegym vid Runnerydsjön")
        page.get_by_role("navigation", name="Du är här").get_by_role(
            "link", name="Alla omgångar").click()
        page.wait_for_url(re.compile(r"/$"))
        assert str(voting) in page.content()
    finally:
        page.context.close()


# ---- the keyboard ---------------------------------------------------------------------

def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
        browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    try:
        page.goto(site.paths["results-closed"])
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_text("Hoppa till innehållet")
        expect(focused).to_be_visible()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
    finally:
        page.context.close()



# ---- the Content-Security-Policy ------------------------------------------------------------

def test_no_page_breaks_the_content_security_policy(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    violations: list[str] = []
    watch_content_security_policy(page, violations)
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith((site.url, "data:"))
            else elsewhere.append(request.url))
    try:
        for lang in LANGUAGES:
            for key, path in site.paths.items():
                response = page.goto(with_lang(path, lang))
                assert response is not None
                policy = response.headers.get("content-security-policy", "")
                assert "script-src 'self';" in policy and "style-src 'self';" in policy, key
                expect(page.locator("h1")).to_have_text(heading(site, key, lang))

        # The API's docs: Swagger UI, from this site only, draws the operations and runs one.
        page.goto("/docs")
        cycles = page.locator(".opblock-get", has=page.locator(
            ".opblock-summary-path", has_text=re.compile(r"^/api/v1/cycles$")))
        cycles.locator(".opblock-summary-control").click()
        cycles.get_by_role("button", name="Try it out").click()
        cycles.get_by_role("button", name="Execute").click()
        expect(cycles.locator(".live-responses-table tbody .response-col_status").first
               ).to_have_text("200")
        expect(cycles.locator(".live-responses-table")).to_contain_text(
            "Medborgarbudget Nässjö 2027")
    finally:
        page.context.close()
    assert not violations, "\n".join(violations)
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
