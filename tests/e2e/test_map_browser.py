"""The map page in a real browser (headless Chromium, Playwright; issue 18, ADR 0031): Leaflet,
served by the service itself, draws the areas' boundaries and a marker for every proposal of the
list, on tiles from a local stub tile server (the only other origin the Content-Security-Policy
admits); axe-core finds nothing of any impact in Swedish and English; the markers are reached
and opened with the keyboard; nothing scrolls sideways on a 390 px phone; without JavaScript
the list is the page."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.config import Settings
from service.runtime import open_application
from tests.e2e.participation_support import (
    ADMIN,
    ROOT,
    BrowserPages,
    axe_violations,
    screenshot,
    serve,
    serving,
)

pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "map"
# One grey pixel, stretched over each 256 px tile: enough to show that tiles load.
TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4BwAA"
                        "3QDcSAB7hQAAAABJRU5ErkJggg==")


def box(west: float, south: float, east: float, north: float) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                [west, north], [west, south]]]}


AREAS = ({"id": "norr", "name": "Norr", "budget": 200_000,
          "boundary": box(14.62, 57.65, 14.78, 57.70)},
         {"id": "soder", "name": "Söder", "budget": 200_000,
          "boundary": box(14.62, 57.60, 14.78, 57.65)},
         {"id": "unga", "name": "Unga", "kind": "group", "budget": 100_000})
IDEAS = (  # area, title, place (None: no place, so on neither list nor map)
    ("norr", "Bryggan vid sjön", {"name": "Runnerydsjön", "lat": "57.6641", "lon": "14.7012"}),
    ("soder", "Pumptrack <vid> skolan", {"name": "Kvarnarp", "lat": "57.6402",
                                         "lon": "14.6921"}),
    ("unga", "Graffitivägg", {"name": "Stationen", "lat": "57.6527", "lon": "14.6968"}),
    ("norr", "Fler bänkar", None),
)
MAPPED = ["Bryggan vid sjön", "Pumptrack <vid> skolan", "Graffitivägg"]


@dataclass
class Site:
    url: str
    map: str
    tiles_asked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    asked: list[str] = []

    def tile(request: Request) -> Response:
        asked.append(request.url.path)
        return Response(TILE, media_type="image/png")

    tiles = serve(Starlette(routes=[Route("/{z:int}/{x:int}/{y:int}.png", tile)]))
    settings = Settings(tmp_path_factory.mktemp("map") / "data", None,
                        map_tiles=tiles.url + "/{z}/{x}/{y}.png",
                        map_attribution="© Stub-kartan")
    app = open_application(settings)
    cycle_id = app.create_cycle("Medborgarbudget Kartby 2027", "Kartby kommun", ADMIN)
    for area in AREAS:
        app.add_area(cycle_id, area, ADMIN)
    app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 2},
                        ADMIN)
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Idéinsamlingen öppnar")
    for n, (area, title, place) in enumerate(IDEAS):
        app.submit_proposal(cycle_id, area, title, "Beskrivning.", 10_000, None,
                            f"19800101123{n}", place)
    try:
        with closing(app), serving(settings, app) as service:
            yield Site(service.url, f"/cycles/{cycle_id}/map", asked)
    finally:
        tiles.stop()


@pytest.fixture
def open_page(browser: Browser, site: Site) -> Iterator[Callable[..., Page]]:
    """Pages of the site in fresh browser contexts; none may break the
    Content-Security-Policy."""
    pages = BrowserPages(browser, site.url)

    def make(javascript: bool = True, width: int = 1280) -> Page:
        return pages.open(javascript, viewport={"width": width, "height": 900})

    yield make
    pages.close()


def markers(page: Page) -> list[str]:
    """The proposals drawn, once every cluster of markers too close to tell apart is opened
    (a click zooms in to it, or spreads it out at the closest zoom)."""
    clusters = page.locator("#map .marker-cluster")
    for _ in range(len(MAPPED)):
        expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
        page.wait_for_timeout(800)  # the clustering's zoom animation settles
        if not clusters.count():
            break
        clusters.first.dispatch_event("click")
    icons = page.locator("#map .leaflet-marker-icon:not(.marker-cluster)")
    expect(icons).to_have_count(len(MAPPED))
    return [str(icons.nth(i).get_attribute("alt")) for i in range(len(MAPPED))]


def drawn(page: Page) -> int:
    """The proposals on the map as first drawn: single markers and the counts of clusters."""
    expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
    page.wait_for_timeout(400)
    single = page.locator("#map .leaflet-marker-icon:not(.marker-cluster)").count()
    counts = page.locator("#map .marker-cluster span").all_inner_texts()
    return single + sum(int(count) for count in counts)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_map_draws_the_list_and_is_accessible(open_page: Callable[..., Page], site: Site,
                                                   lang: str) -> None:
    page = open_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for key, query in (("map", f"?lang={lang}"), ("filtered", f"?lang={lang}&area=norr")):
        response = page.goto(site.map + query)
        assert response is not None and response.status == 200
        expect(page.locator("#map")).to_be_visible()
        if key == "map":
            assert drawn(page) == len(MAPPED)
            assert sorted(markers(page)) == sorted(MAPPED)
            # Two areas have a boundary; the group pot has none.
            expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(2)
            expect(page.locator("#map .leaflet-control-attribution")).to_have_text(
                "© Stub-kartan")
        else:
            expect(page.locator("#map .leaflet-marker-icon")).to_have_count(1)
            expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)
        expect(page.locator("#map .leaflet-tile-loaded").first).to_be_visible()
        screenshot(page, SCREENSHOTS / f"{key}-{lang}.png")
        found = axe_violations(page)
        if found:
            problems[key] = found
    page.locator("#map .leaflet-marker-icon").first.click()  # a popup open, checked too
    expect(page.locator(".leaflet-popup-content a")).to_be_visible()
    found = axe_violations(page)
    if found:
        problems["popup"] = found
    assert not problems, "\n".join(f"{key}:\n  " + "\n  ".join(lines)
                                   for key, lines in problems.items())
    assert site.tiles_asked, "no tile was loaded from the tile server"


def test_a_marker_is_reached_and_opened_with_the_keyboard(open_page: Callable[..., Page],
        site: Site) -> None:
    page = open_page()
    page.goto(site.map)
    drawn(page)
    reached = []
    for _ in range(120):  # the skip link, header, tabs, the filter form, the map, its markers
        page.keyboard.press("Tab")
        alt = page.evaluate("() => document.activeElement.getAttribute('alt')")
        if page.evaluate("() => document.activeElement.classList.contains('marker-cluster')"):
            page.keyboard.press("Enter")  # a cluster opens with the keyboard too
            page.wait_for_timeout(400)
            continue
        if alt:
            reached.append(alt)
            if alt == "Bryggan vid sjön":
                break
    assert "Bryggan vid sjön" in reached, reached
    page.keyboard.press("Enter")
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text("Bryggan vid sjön")
    href = link.get_attribute("href")
    assert href is not None and href.startswith("/proposals/")
    close = page.locator(".leaflet-popup-close-button")
    expect(close).to_have_attribute("aria-label", "Stäng")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    expect(page.locator("h1")).to_have_text("Bryggan vid sjön")


def test_nothing_scrolls_sideways_on_a_phone(open_page: Callable[..., Page],
        site: Site) -> None:
    page = open_page(width=390)
    for lang in ("sv", "en"):
        page.goto(f"{site.map}?lang={lang}")
        markers(page)
        screenshot(page, SCREENSHOTS / f"phone-{lang}.png")
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= 390, wide
        small = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.offsetParent !== null && e.childNodes.length
                    && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                    && parseFloat(getComputedStyle(e).fontSize) < 12)
            .map(e => e.className || e.tagName)""")
        assert small == [], small


def test_without_javascript_the_list_is_the_page(open_page: Callable[..., Page],
        site: Site) -> None:
    page = open_page(javascript=False)
    page.goto(site.map)
    expect(page.locator("#map")).to_be_hidden()
    items = page.locator("#map-proposals li")
    expect(items).to_have_count(len(MAPPED))
    expect(page.get_by_role("heading", name="Förslag med en plats: 3")).to_be_visible()
    expect(items.nth(0)).to_contain_text("Norr · Runnerydsjön")
    page.get_by_label("Område").select_option("soder")
    page.get_by_role("button", name="Visa på kartan").click()
    page.wait_for_url("**area=soder**")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Pumptrack <vid> skolan")
    items.first.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Pumptrack <vid> skolan")
    # The cycle's tabs lead to the map (a proposal has a place).
    page.get_by_role("link", name="Karta").click()
    expect(page.locator("h1")).to_have_text("Karta över förslagen")
