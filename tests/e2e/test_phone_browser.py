"""Every public page on a 390 px phone, in headless Chromium: nothing scrolls sideways, no text
is rendered under 12 px (SVG text by the size it is drawn at), every table cell's text lies on
the screen (a table's Status and Reason are never hidden to the right), and axe-core finds no
violation of any impact (WCAG 2.x A and AA and the best practices).

Every page state is visited: a cycle in each phase (draft, ideas, review, support round, voting,
counting, results, implementation, evaluation, closed, and cancelled), its proposals, results,
progress and receipt check, proposals in each fate, the support round, the idea, comment and
report forms, the sign-in, the legal pages and a missing page; in Swedish and English, signed
in or not, with JavaScript and without.
One server and one browser page per mode keep it quick.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route

from domain.phases import Phase
from service import comments
from service.demo import run_demo
from tests.cycle_history import build_history
from tests.e2e.participation_support import (
    ADMIN,
    AREAS,
    PHONE,
    SCREENSHOTS,
    LiveService,
    axe_violations,
    birth_year_for,
    create_cycle,
    open_context,
    preload_axe,
    screenshot,
    sign_in_locally,
    unique,
    with_lang,
)
from tests.e2e.test_support_browser import cycle_in_support

pytestmark = pytest.mark.slow

SMALLEST_TEXT_PX = 12
MISSING = "00000000-0000-4000-8000-000000000000"

# What breaks the phone rules on the page now: the document wider than the screen, a visible
# text rendered under 12 px (an SVG's text by its size on screen: font-size times the scale of
# the SVG's drawing), and text of the main content outside the screen (hidden in a region that
# scrolls sideways, e.g. a table's last columns).
PHONE_PROBLEMS = """(smallest) => {
    const problems = [];
    // The layout viewport (the device's width, by the page's viewport meta): in a phone's
    // emulation window.innerWidth grows with a page that is too wide (the phone zooms out to
    // show it all, its text smaller), so it would hide the very overflow looked for.
    const width = document.documentElement.clientWidth;
    const scrolled = document.scrollingElement.scrollWidth;
    if (scrolled > width) problems.push(`the page is ${scrolled}px wide, the screen ${width}px`);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const text = node.textContent.trim();
        const element = node.parentElement;
        if (!text || !element) continue;
        range.selectNodeContents(node);
        const boxes = [...range.getClientRects()].filter(b => b.width > 0 && b.height > 0);
        const style = getComputedStyle(element);
        if (!boxes.length || style.visibility !== "visible" || style.opacity === "0") continue;
        if (element.closest(".visually-hidden, .skip")) continue;
        let size = parseFloat(style.fontSize);
        const drawn = element.closest("svg text, svg");
        if (drawn && drawn.getScreenCTM) {
            const m = drawn.getScreenCTM();
            if (m) size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
        }
        const where = `${element.tagName.toLowerCase()} "${text.slice(0, 40)}"`;
        if (size < smallest - 0.01) problems.push(`${size.toFixed(1)}px text: ${where}`);
        if (element.closest("main")) {
            const left = Math.min(...boxes.map(b => b.left));
            const right = Math.max(...boxes.map(b => b.right));
            if (left < -0.5 || right > width + 0.5) {
                const span = `${left.toFixed(0)}..${right.toFixed(0)}px`;
                problems.push(`off the screen (${span}): ${where}`);
            }
        }
    }
    return problems;
}"""


@dataclass(frozen=True)
class Mode:
    name: str
    signed_in: bool
    javascript: bool
    langs: tuple[str, ...]  # the languages whose pages are checked
    axe_lang: str           # the one axe-core scans (its rules look at structure and names)


# Without JavaScript these pages are the same HTML as with it (only the ballot, not checked here,
# runs a script), so one language is enough to prove it.
MODES = (Mode("visitor", False, True, ("sv", "en"), "sv"),
         Mode("signed-in", True, True, ("sv", "en"), "en"),
         Mode("no-javascript", False, False, ("sv",), "sv"))


@dataclass
class Site:
    service: LiveService
    public: dict[str, str]   # page state -> path, for everyone
    resident: dict[str, str]  # page state -> path, for a signed-in resident only


# Before the results the results and progress pages of every phase are alike ("not published
# yet", "nothing selected yet"): they are checked in the draft phase only.
BEFORE_RESULTS = ("ideas", "review", "support", "voting", "counting")


def _phase_pages(pages: dict[str, str], phase: str, cycle_id: object,
                 proposal_id: object | None = None) -> None:
    pages[f"cycle-{phase}"] = f"/cycles/{cycle_id}"
    pages[f"proposals-{phase}"] = f"/cycles/{cycle_id}/proposals"
    if phase not in BEFORE_RESULTS:
        pages[f"results-{phase}"] = f"/cycles/{cycle_id}/results"
        pages[f"progress-{phase}"] = f"/cycles/{cycle_id}/progress"
    if proposal_id is not None:
        pages[f"proposal-{phase}"] = f"/proposals/{proposal_id}"


@pytest.fixture(scope="module")
def site(live_service: LiveService) -> Site:
    """Cycles in every phase on one server: the municipality's history (closed, its successor
    in voting with a discussion and the comparison, a third collecting ideas) and one cycle
    stopped in each other phase, and one cancelled."""
    app = live_service.app
    history = build_history(app, voters_per_area=10)
    pages: dict[str, str] = {"home": "/"}

    draft = app.create_cycle(unique("Medborgarbudget Utkastby 2028"), "Testby kommun", ADMIN)
    app.record_decision(draft, "Kommunfullmäktige", "2027-11-26", "KF § 1/2027", ADMIN)
    for area in AREAS:
        app.add_area(draft, area, ADMIN)
    _phase_pages(pages, "draft", draft)
    _phase_pages(pages, "ideas", history.ideas, history.waiting_proposal)
    review = create_cycle(live_service, unique("Medborgarbudget Prövoby 2027"))
    app.trigger(review.id, "close_ideas", ADMIN, "Idéinsamlingen är slut")
    _phase_pages(pages, "review", review.id, next(iter(review.proposals.values())))
    support = cycle_in_support(live_service, unique("Medborgarbudget Stödby 2027"))
    _phase_pages(pages, "support", support.id, next(iter(support.proposals.values())))
    discussed = next(iter(history.voting_proposals.values()))
    _phase_pages(pages, "voting", history.voting, discussed)
    for phase in (Phase.COUNTING, Phase.RESULTS, Phase.IMPLEMENTATION, Phase.EVALUATION):
        demo = run_demo(app, stop_in=phase, voters_per_area=6)
        _phase_pages(pages, phase.value, demo.cycle_id, next(iter(demo.proposals.values())))
    closed = history.closed
    _phase_pages(pages, "closed", closed.cycle_id)
    cancelled = create_cycle(live_service, unique("Medborgarbudget Inställtby 2027"))
    app.trigger(cancelled.id, "cancel", ADMIN, "Fullmäktige drog tillbaka anslaget")
    _phase_pages(pages, "cancelled", cancelled.id)
    store = live_service.caught_up()
    for proposal in store.proposals_of(str(closed.cycle_id)):  # one of each fate
        pages.setdefault(f"proposal-{proposal['status']}", f"/proposals/{proposal['id']}")
    pages["proposals-found"] = f"/cycles/{closed.cycle_id}/proposals?q=utegym&status=completed"
    pages["receipt-check"] = f"/cycles/{history.voting}/receipt?code=ABCD-EFGH-JKLM"
    pages["receipt-form"] = f"/cycles/{closed.cycle_id}/receipt"
    pages["support"] = f"/cycles/{support.id}/support"
    pages["sign-in"] = "/sign-in"
    pages["accessibility"] = "/tillganglighetsredogorelse"
    pages["privacy"] = "/personuppgifter"
    pages["not-found"] = f"/cycles/{MISSING}"
    pages["map-voting"] = f"/cycles/{history.voting}/map"
    pages["map-closed"] = f"/cycles/{closed.cycle_id}/map"

    comment = comments.post_comment(app, discussed, "Var ska det ligga? " * 20, "phone-resident")
    resident = {
        "propose": f"/cycles/{history.ideas}/propose",
        "comment": f"/proposals/{discussed}/comment",
        "reply": f"/proposals/{discussed}/comment?reply_to={comment}",
        "report-comment": f"/report/comments/{comment}",
        "report-proposal": f"/report/proposals/{discussed}",
        "vote-areas": f"/cycles/{history.voting}/vote",
        "ballot": f"/cycles/{history.voting}/vote/norr",
        "my-pages": "/mina-sidor",
        "follow": f"/proposals/{discussed}/follow",
        "erase": "/mina-sidor/radera",
    }
    live_service.caught_up()
    return Site(live_service, pages, resident)


def _block_scripts(route: Route) -> None:
    route.abort()


@pytest.fixture
def phone(browser: Browser, site: Site, request: pytest.FixtureRequest) -> Iterator[Page]:
    mode: Mode = request.param
    # Without JavaScript the page's own scripts are refused at the network, so the page is what
    # a browser without JavaScript shows; the test's probes (and axe-core) still run.
    violations: list[str] = []
    context = open_context(browser, site.service.url, viewport=PHONE, violations=violations,
                           is_mobile=True, has_touch=True)
    preload_axe(context)
    if not mode.javascript:
        context.route("**/*.js", _block_scripts)
    page = context.new_page()
    try:
        if mode.signed_in:
            sign_in_locally(page, "Mobil Användare", birth_year_for(20), "norr")
        yield page
    finally:
        context.close()
    assert not violations, "\n".join(violations)


@pytest.mark.parametrize("phone", MODES, ids=[m.name for m in MODES], indirect=True)
def test_every_page_state_fits_a_phone_and_passes_axe(phone: Page, site: Site,
                                                     request: pytest.FixtureRequest) -> None:
    mode = request.node.callspec.params["phone"]
    pages = {**site.public, **(site.resident if mode.signed_in else {})}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for lang in mode.langs:
        for key, path in pages.items():
            response = phone.goto(with_lang(path, lang))
            assert response is not None
            assert response.status == (404 if key == "not-found" else 200), (key, lang)
            assert phone.locator("html").get_attribute("lang") == lang, (key, lang)
            # A page for residents only answers a visitor with the sign-in: it must be this one.
            assert urlsplit(phone.url).path == urlsplit(path).path, (key, lang, phone.url)
            found = phone.evaluate(PHONE_PROBLEMS, SMALLEST_TEXT_PX)
            if lang == mode.axe_lang:  # once per page state and mode
                found += axe_violations(phone)
            if found:
                problems[f"{key} ({path}, {lang})"] = found
                screenshot(phone, SCREENSHOTS.parent / f"phone-{mode.name}-{key}-{lang}.png")
    assert not problems, "\n".join(f"{state}:\n  " + "\n  ".join(lines)
                                   for state, lines in problems.items())
