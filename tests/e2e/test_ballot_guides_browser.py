"""A ballot that guides, in Chromium (issue 19): every proposal stays reachable by keyboard
and screen reader, one that no longer fits says so in words and the summary announces it, each
proposal's page opens beside the ballot without losing the choices; an area closed to the
resident says why and leads back; the municipality's colours reach the page (ADR 0027)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from service.config import Settings
from service.runtime import open_application
from tests.e2e.participation_support import (
    AREA_NAMES,
    IDEAS,
    CycleUnderTest,
    LiveService,
    NewPage,
    Screenshots,
    axe_violations,
    birth_year_for,
    serving,
    voter_on_a_new_cycle,
)

pytestmark = pytest.mark.slow

YOUNG = birth_year_for(18)  # may vote in the youth area (13-25) and in Norr
ADULT = birth_year_for(40)  # too old for the youth area
CAFE, GRAFFITI, STUDIO = (title for title, _ in IDEAS["unga"])  # 60 000, 30 000, 50 000 kr
NBSP = "\u00a0"


def _ballot(page: Page, cycle: CycleUnderTest, area: str, lang: str = "sv") -> None:
    page.goto(f"/cycles/{cycle.id}/vote/{area}" + ("?lang=en" if lang == "en" else ""))


def _box(page: Page, title: str) -> Locator:
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


def _focus_order(page: Page, until: str, limit: int = 60) -> list[str]:
    """Press Tab from the top of the main content until the element `until` (a CSS selector)
    has the focus; what got the focus on the way, as "checkbox <id>" or "link <href>"."""
    page.locator("main").focus()  # focusable (tabindex -1), as the skip link leaves it
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(str(page.evaluate("""() => {
            const el = document.activeElement;
            if (el.tagName === "A") { return "link " + el.getAttribute("href"); }
            return (el.type || el.tagName.toLowerCase()) + " " + (el.id || el.value || "");
        }""")))
        if page.locator(until).evaluate("el => el === document.activeElement"):
            return seen
    raise AssertionError(f"Tab never reached {until}: {seen}")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_keyboard_reaches_every_proposal_and_is_told_what_no_longer_fits(
        live_service: LiveService, new_page: NewPage, lang: str) -> None:
    shots = Screenshots(f"ballot-guides-{lang}")
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "Guidande röstsedel", "Alva Tangent",
                                       YOUNG, lang)
    _ballot(page, cycle, "unga", lang)
    summary = page.locator("#budget-meter")
    expect(summary).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("meter")).to_have_count(1)
    expect(page.locator(".budget-bar .legend li")).to_have_count(2)

    _box(page, CAFE).focus()
    page.keyboard.press("Space")
    left = f"40{NBSP}000{NBSP}kr" if lang == "sv" else f"40,000{NBSP}kr"
    words = f"ryms inte: {left} kvar" if lang == "sv" else f"does not fit: {left} left"
    # The label itself says it: a screen reader hears it on the checkbox.
    expect(_box(page, STUDIO)).to_have_accessible_name(re.compile(re.escape(words)))
    # Unavailable to a screen reader (aria-disabled), yet never disabled: it keeps the focus.
    expect(_box(page, STUDIO)).to_have_attribute("aria-disabled", "true")
    assert _box(page, STUDIO).evaluate("box => box.disabled") is False
    expect(_box(page, GRAFFITI)).not_to_have_accessible_name(re.compile(re.escape(words)))
    shots.take(page, "studio-does-not-fit")

    # Tab passes every proposal, and every proposal's link, on the way to the button.
    order = _focus_order(page, "main form button[type=submit]")
    for title in (CAFE, GRAFFITI, STUDIO):
        proposal_id = cycle.proposal_id(title)
        assert f"checkbox choice-{proposal_id}" in order, order
        assert any(step.startswith(f"link /proposals/{proposal_id}") for step in order), order

    # Space on what does not fit is refused, and the summary says why (aria-live).
    _box(page, STUDIO).focus()
    page.keyboard.press("Space")
    expect(_box(page, STUDIO)).not_to_be_checked()
    expect(summary).to_contain_text(f"{STUDIO} {words}", ignore_case=True)
    assert axe_violations(page) == []

    # What fits still goes in, and the rest is told the new amount.
    _box(page, GRAFFITI).focus()
    page.keyboard.press("Space")
    expect(_box(page, GRAFFITI)).to_be_checked()
    ten = f"10{NBSP}000{NBSP}kr" if lang == "sv" else f"10,000{NBSP}kr"
    expect(_box(page, STUDIO)).to_have_accessible_name(re.compile(re.escape(ten)))


def test_a_proposals_page_opens_beside_the_ballot_and_the_choices_stay(
        live_service: LiveService, new_page: NewPage) -> None:
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "Länkar till förslagen", "Bo Länk",
                                       YOUNG)
    _ballot(page, cycle, "unga")
    _box(page, CAFE).check()
    link = page.get_by_role("link", name=re.compile(f"Mer om {re.escape(STUDIO)}"))
    expect(link).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        link.click()
    proposal = opened.value
    proposal.wait_for_load_state()
    assert proposal.url.endswith(f"/proposals/{cycle.proposal_id(STUDIO)}")
    expect(proposal.locator("h1")).to_have_text(STUDIO)
    expect(_box(page, CAFE)).to_be_checked()  # the ballot is as it was
    proposal.close()


def test_without_javascript_the_ballot_says_what_does_not_fit_and_by_how_much_it_is_over(
        live_service: LiveService, new_page: NewPage) -> None:
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "Utan skript, med ord", "Noa Ordrik",
                                       YOUNG, javascript=False)
    _ballot(page, cycle, "unga")
    _box(page, CAFE).check()
    _box(page, STUDIO).check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"10{NBSP}000{NBSP}kr mer än budgeten på 100{NBSP}000{NBSP}kr")
    expect(page.locator("#budget-meter")).to_contain_text(
        f"{10}{NBSP}000{NBSP}kr över budgeten")
    # As the server drew it: what is not chosen and does not fit says so.
    expect(_box(page, GRAFFITI)).to_have_accessible_name(
        re.compile(f"ryms inte: 0{NBSP}kr kvar"))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_area_closed_to_the_resident_says_why_and_leads_back(
        live_service: LiveService, new_page: NewPage, lang: str) -> None:
    shots = Screenshots(f"ineligible-{lang}")
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "Fel område", "Sune Vuxen", ADULT,
                                       lang)
    page.goto(f"/cycles/{cycle.id}/vote" + ("?lang=en" if lang == "en" else ""))
    young = page.locator(".card", has_text=AREA_NAMES["unga"])
    # birth_year_for(40): 40 or 41 years old, by the day of the year.
    expect(young).to_contain_text(re.compile(r"Du är 4[01] år" if lang == "sv"
                                             else r"You are 4[01] years old"))
    _ballot(page, cycle, "unga", lang)
    notice = page.locator("#ineligible")
    if lang == "sv":
        expect(notice).to_contain_text("Du får inte rösta i det här området")
        expect(notice).to_contain_text(re.compile(
            r"Du är 4[01] år\. Den som röstar i området får vara högst 25 år\."))
        back = page.get_by_role("link", name=f"Rösta i {AREA_NAMES['norr']}")
    else:
        expect(notice).to_contain_text("You may not vote in this area")
        expect(notice).to_contain_text(re.compile(
            r"You are 4[01] years old\. Voters in this area must be at most 25\."))
        back = page.get_by_role("link", name=f"Vote in {AREA_NAMES['norr']}")
    expect(page.locator("main form")).to_have_count(0)
    assert axe_violations(page) == []
    shots.take(page, "closed")
    with page.expect_navigation():
        back.click()
    expect(page.locator("main form button[type=submit]")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(AREA_NAMES["norr"])


@pytest.fixture(name="branded_url")
def branded_url_fixture(tmp_path: Path) -> Iterator[str]:
    settings = Settings(tmp_path / "data", None, brand_colour="#7a1f3d",
                        municipality="Nässjö kommun")
    with closing(open_application(settings)) as app, \
            serving(settings, app, test_sign_in=False) as service:
        yield service.url


def test_the_municipalitys_colour_reaches_the_page(browser: Browser, branded_url: str) -> None:
    context = browser.new_context(base_url=branded_url)
    try:
        page = context.new_page()
        page.goto("/")
        header = page.locator("header.site")
        expect(header).to_have_css("background-color", "rgb(122, 31, 61)")
        expect(header).to_contain_text("Nässjö kommun")
        assert axe_violations(page) == []
    finally:
        context.close()
