"""The results page of a cycle with a pot's minimum of votes, in a real browser (headless
Chromium, as tests/e2e/test_pages_browser.py): in Swedish and English, on a phone and a
desktop, it says each pot's minimum (or that it has none) and why a proposal without votes got
no money; axe-core finds no WCAG 2.0/2.1 A or AA violation; without JavaScript it says the same."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from service.api.app import create_app
from service.config import Settings
from service.read_models import ReadModels
from service.runtime import open_application
from tests.e2e.participation_support import (
    ROOT,
    axe_violations,
    browser_fixture,  # noqa: F401 (a fixture)
    screenshot,
    serve,
)
from tests.integration.builders import counted_with_minimums

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "pot-minimum"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
# (Swedish, English) texts the page must show.
SHOWN = (
    ("Minsta antal röster för att få pengar: 1.", "Minimum number of votes to be funded: 1."),
    ("Inget minsta antal röster: ett förslag kunde få pengar utan röster.",
     "No minimum number of votes: a proposal could be funded without votes."),
    ("under potens minsta antal på 1 röst: har 0 röster",
     "below the pot's minimum of 1 vote: it has 0 votes"),
)


@pytest.fixture(scope="module")
def results_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(tmp_path_factory.mktemp("pot-minimum") / "data")
    app = open_application(settings)
    cycle_id, _ = counted_with_minimums(app)
    api = create_app(settings, app=app)
    read_models: ReadModels = api.state.read_models
    head = app.recorder.max_notification_id() or 0
    for _ in range(3000):  # bounded: the follower folds the history within seconds
        if read_models.store.position() >= head:
            break
        time.sleep(0.01)
    assert read_models.store.position() >= head
    served = serve(api)
    try:
        yield f"{served.url}/cycles/{cycle_id}/results"
    finally:
        served.stop()
        app.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ("sv", "en"))
@pytest.mark.parametrize("javascript", (True, False), ids=("js", "no-js"))
def test_the_results_page_shows_the_minimums_accessibly(
        browser: Browser, results_url: str, lang: str, viewport: str,
        javascript: bool) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport],  # type: ignore[arg-type]
                                  java_script_enabled=javascript, locale="sv-SE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        response = page.goto(results_url if lang == "sv" else f"{results_url}?lang=en")
        assert response is not None and response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        for texts in SHOWN:
            expect(page.get_by_text(texts[0 if lang == "sv" else 1]).first).to_be_visible()
        if javascript:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            screenshot(page, SCREENSHOTS / f"results-{lang}-{viewport}.png")
            assert axe_violations(page) == []
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than the viewport"
    finally:
        context.close()
