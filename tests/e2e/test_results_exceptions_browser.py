"""The results pages issue 17 changed, in a real browser (headless Chromium, as
tests/e2e/test_pages_browser.py): a cycle with pots' minimums of votes (each pot's minimum, or
that it has none, and why a proposal without votes got no money) and a cycle with exceptions to
its winners (each with its reason beside the rule's outcome) and a cycle with proposals that
exclude each other. In Swedish and English, on a phone
and a desktop, axe-core finds no WCAG 2.0/2.1 A or AA violation and nothing overflows; without
JavaScript the pages say the same."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from playwright.sync_api import Browser, expect

from service.config import Settings
from service.runtime import open_application
from tests.e2e.participation_support import (
    ROOT,
    VIEWPORTS,
    axe_violations,
    open_context,
    screenshot,
    serving,
    sideways_overflow,
    with_lang,
)
from tests.integration.builders import (
    ADMIN,
    SAME_SITE,
    counted_for_exceptions,
    counted_with_incompatible,
    counted_with_minimums,
)

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "results-exceptions"
LEGAL = "Marken är förorenad; bygglov kan inte ges."
DECIDED = "Kommunstyrelsen beslutade att bygga den ändå."
# (Swedish, English) texts each page must show.
MINIMUM_SHOWN = (
    ("Minsta antal röster för att få pengar: 1.", "Minimum number of votes to be funded: 1."),
    ("Inget minsta antal röster: ett förslag kunde få pengar utan röster.",
     "No minimum number of votes: a proposal could be funded without votes."),
    ("Under potens minsta antal på 1 röst: har 0 röster.",
     "Below the pot's minimum of 1 vote: it has 0 votes."),
)
EXCEPTIONS_SHOWN = (
    ("Undantag från regelns utfall", "Exceptions to the rule's outcome"),
    (f"Undantaget efter räkningen: {LEGAL}", f"Excluded after the count: {LEGAL}"),
    (f"Finansierat utanför regeln: {DECIDED}", f"Funded outside the rule: {DECIDED}"),
)
INCOMPATIBLE_SHOWN = (
    ("Förslag som utesluter varandra", "Proposals that exclude each other"),
    ("Av varje par får högst ett pengar enligt regeln.",
     "Of each pair the rule funds at most one."),
    (SAME_SITE, SAME_SITE),
)


@pytest.fixture(scope="module")
def results_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    settings = Settings(tmp_path_factory.mktemp("pot-minimum") / "data")
    app = open_application(settings)
    minimums, _ = counted_with_minimums(app)
    amended, ids = counted_for_exceptions(app)
    app.amend_winners(amended, "exclude", ids["Utegym"], LEGAL, ADMIN)
    app.amend_winners(amended, "add", ids["Boulebana"], DECIDED, ADMIN)
    incompatible, _ = counted_with_incompatible(app)
    with closing(app), serving(settings, app) as service:
        yield {"minimums": f"{service.url}/cycles/{minimums}/results",
               "exceptions": f"{service.url}/cycles/{amended}/results",
               "incompatible": f"{service.url}/cycles/{incompatible}/results"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ("sv", "en"))
@pytest.mark.parametrize("javascript", (True, False), ids=("js", "no-js"))
@pytest.mark.parametrize("page_kind", ("minimums", "exceptions", "incompatible"))
def test_the_results_page_shows_minimums_and_exceptions_accessibly(
        browser: Browser, results_urls: dict[str, str], page_kind: str, lang: str,
        viewport: str, javascript: bool) -> None:
    results_url = results_urls[page_kind]
    shown = {"minimums": MINIMUM_SHOWN, "exceptions": EXCEPTIONS_SHOWN,
             "incompatible": INCOMPATIBLE_SHOWN}[page_kind]
    context = open_context(browser, javascript=javascript, viewport=VIEWPORTS[viewport])
    page = context.new_page()
    try:
        response = page.goto(with_lang(results_url, lang))
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        for texts in shown:
            expect(page.get_by_text(texts[0 if lang == "sv" else 1]).first).to_be_visible()
        if javascript:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            screenshot(page, SCREENSHOTS / f"results-{page_kind}-{lang}-{viewport}.png")
            assert axe_violations(page) == []
            overflow = sideways_overflow(page)
            assert overflow <= 0, f"the page is {overflow}px wider than the viewport"
    finally:
        context.close()
