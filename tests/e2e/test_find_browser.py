"""Finding proposals and the legal pages in a real browser (headless Chromium, Playwright):
axe-core finds no WCAG 2.0/2.1 A or AA violation on the proposals page with its search form and
filters in use, on a search that finds nothing, on a refused search, and on the accessibility
statement and privacy notice, in Swedish and English; the form works without JavaScript and
with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from service.config import Settings
from service.runtime import open_application
from tests.e2e.participation_support import (
    ADMIN,
    ROOT,
    axe_violations,
    open_context,
    screenshot,
    serving,
)

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "find"
AREAS = ({"id": "norr", "name": "Norr", "kind": "territorial", "budget": 200_000},
         {"id": "unga", "name": "Unga", "kind": "group", "budget": 100_000})
CATEGORIES = [{"id": "natur", "name": "Natur och miljö"}, {"id": "lek", "name": "Lek och idrott"}]
IDEAS = (
    ("norr", "Bryggan vid sjön", "En ny brygga där barnen kan bada.", 80_000, "natur"),
    ("norr", "Utegym vid sjön", "Redskap för styrka och rörlighet.", 60_000, "lek"),
    ("unga", "Graffitivägg", "En vägg där det är tillåtet att måla.", 15_000, "lek"),
)


@dataclass
class Site:
    url: str
    proposals: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(tmp_path_factory.mktemp("find") / "data")
    app = open_application(settings)
    cycle_id = app.create_cycle("Medborgarbudget Sjöby 2027", "Sjöby kommun", ADMIN)
    for area in AREAS:
        app.add_area(cycle_id, area, ADMIN)
    app.set_categories(cycle_id, CATEGORIES, ADMIN)
    app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 2},
                        ADMIN)
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Idéinsamlingen öppnar")
    for n, (area, title, text, cost, category) in enumerate(IDEAS):
        app.submit_proposal(cycle_id, area, title, text, cost, category, f"19800101123{n}")
    with closing(app), serving(settings, app) as service:
        yield Site(service.url, f"/cycles/{cycle_id}/proposals")


def open_page(browser: Browser, site: Site, javascript: bool = True) -> Page:
    return open_context(browser, site.url, javascript=javascript).new_page()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_search_and_legal_pages_are_accessible(browser: Browser, site: Site, lang: str) -> None:
    suffix = "" if lang == "sv" else "&lang=en"
    pages = {
        "proposals": (f"{site.proposals}?lang={lang}", 200),
        "filtered": (f"{site.proposals}?q=sj%C3%B6n&area=norr&category=lek&status=submitted"
                     f"&max_cost=70000{suffix}", 200),
        "nothing": (f"{site.proposals}?q=simhall{suffix}", 200),
        "refused": (f"{site.proposals}?status=approved{suffix}", 400),
        "accessibility": (f"/tillganglighetsredogorelse?lang={lang}", 200),
        "privacy": (f"/personuppgifter?lang={lang}", 200),
    }
    page = open_page(browser, site)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    try:
        for key, (path, status) in pages.items():
            response = page.goto(path)
            assert response is not None and response.status == status, key
            assert page.locator("html").get_attribute("lang") == lang, key
            screenshot(page, SCREENSHOTS / f"{key}-{lang}.png")
            found = axe_violations(page)
            if found:
                problems[key] = found
    finally:
        page.context.close()
    assert not problems, "\n".join(f"{key}:\n  " + "\n  ".join(lines)
                                   for key, lines in problems.items())


def test_the_form_works_without_javascript_and_filters_are_removable(
        browser: Browser, site: Site) -> None:
    page = open_page(browser, site, javascript=False)
    try:
        page.goto(site.proposals)
        form = page.get_by_role("search", name="Hitta förslag")
        form.get_by_label("Sök").fill("sjön")
        form.get_by_label("Kategori").select_option("lek")
        form.get_by_role("button", name="Hitta förslag").click()
        page.wait_for_url(re.compile(r"q=sj%C3%B6n"))
        results = page.locator("main table tbody tr")
        expect(results).to_have_count(1)
        expect(results).to_contain_text("Utegym vid sjön")
        expect(page.get_by_role("heading", name="Hittade förslag: 1")).to_be_visible()
        in_use = page.locator("section.current-filters")
        expect(in_use).to_contain_text("Lek och idrott")
        in_use.get_by_role("link", name="Ta bort filtret kategori").click()
        expect(page.locator("main table tbody tr")).to_have_count(2)
        expect(page.get_by_label("Kategori")).to_have_value("")
        expect(page.get_by_label("Sök")).to_have_value("sjön")
        page.get_by_role("link", name="Visa alla förslag").click()
        expect(page.get_by_role("heading", name="Norr")).to_be_visible()
        # The footer leads to both legal pages, in the language of the page.
        page.goto(f"{site.proposals}?lang=en")
        page.get_by_role("link", name="Accessibility statement").click()
        expect(page.locator("h1")).to_have_text("Accessibility statement")
        page.get_by_role("link", name="Personal data and cookies").click()
        expect(page.locator("h1")).to_have_text("How we process personal data")
    finally:
        page.context.close()


def test_the_form_is_reached_and_sent_with_the_keyboard(browser: Browser, site: Site) -> None:
    page = open_page(browser, site)
    try:
        page.goto(site.proposals)
        order = []
        for _ in range(40):  # the skip link, the header, the tabs, then the form
            page.keyboard.press("Tab")
            focused = page.evaluate("() => document.activeElement.id || "
                                    "document.activeElement.textContent.trim()")
            order.append(focused)
            if focused == "Hitta förslag":
                break
        fields = [f for f in order if f.startswith("search-")] + order[-1:]
        assert fields == ["search-q", "search-area", "search-category", "search-status",
                          "search-max-cost", "Hitta förslag"], order
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        expect(page.locator("#search-q")).to_be_focused()
        page.keyboard.type("brygga")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"q=brygga"))
        expect(page.locator("main table tbody tr")).to_have_count(1)
        expect(page.locator("main table")).to_contain_text("Bryggan vid sjön")
    finally:
        page.context.close()
