"""Pictures in headless Chromium (issue 18, ADR 0030), in Swedish and English: the proposer
uploads a photo through the plain form without JavaScript, sees it on the proposal page with its
alt text and as a thumbnail in the list; a picture without a description is refused clearly;
after the ideas closed the proposer takes a picture back with the keyboard alone, and neither a
forged form nor another resident can; axe-core finds no violation on the forms or the pages,
and nothing scrolls sideways at 390 px."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from domain.identity import personnummer_of
from service import pictures
from tests import picture_files as files
from tests.e2e.participation_support import (
    ADMIN,
    CheckedStates,
    LiveService,
    NewPage,
    birth_year_for,
    create_cycle,
    navigate,
    sideways_overflow,
    sign_in_locally,
    unique,
    with_lang,
)

pytestmark = pytest.mark.slow

YEAR = birth_year_for(40)
WORDS = {
    "sv": {"add": "Lägg till en bild", "submit": "Lägg till bilden",
           "describe": "Beskriv vad bilden visar", "page": "Förslagets bilder"},
    "en": {"add": "Add a picture", "submit": "Add the picture",
           "describe": "Describe what the picture shows", "page": "The proposal's pictures"},
}
ALT = {"sv": "Den gamla bryggan vid sjön, med trasiga plankor",
       "en": "The old jetty at the lake, with broken planks"}


def _identity(name: str) -> str:
    """The personnummer the local test sign-in gives `name` (service/web/routes.py)."""
    serial = int.from_bytes(hashlib.sha256(name.casefold().encode()).digest()[:4]) % 1000
    return str(personnummer_of(date(YEAR, 7, 1), serial))


def _no_sideways_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a 390px phone"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_proposer_uploads_a_picture_through_the_form(
        live_service: LiveService, new_page: NewPage, lang: str, tmp_path: Path) -> None:
    words = WORDS[lang]
    name = unique("Bildar Bengtsson")
    cycle = create_cycle(live_service, unique(f"Bildomgången {lang}"))
    proposal = str(live_service.app.submit_proposal(
        cycle.id, "norr", f"Ny brygga {lang}", "Bryggan vid sjön behöver bytas.", 80_000,
        "test", _identity(name)))
    photo = tmp_path / "brygga.jpg"
    photo.write_bytes(files.photo(1600, 1200, gps=True))

    # Without JavaScript: the form is a plain multipart POST.
    page = new_page(javascript=False)
    sign_in_locally(page, name, YEAR, next_path=f"/proposals/{proposal}", lang=lang)
    navigate(page, page.get_by_role("link", name=words["add"]).click)
    expect(page.locator("h1")).to_have_text(words["page"])
    before = live_service.stored()
    page.set_input_files("#picture", str(photo))
    assert navigate(page, page.get_by_role("button", name=words["submit"]).click) == 422
    expect(page.get_by_role("alert")).to_contain_text(words["describe"])
    assert live_service.stored() == before
    page.set_input_files("#picture", str(photo))
    page.fill("#alt", ALT[lang])
    assert navigate(page, page.get_by_role("button", name=words["submit"]).click) == 200
    assert f"/proposals/{proposal}" in page.url
    picture = page.get_by_role("img", name=ALT[lang])
    expect(picture).to_be_visible()
    assert "/960.webp 960w" in (picture.get_attribute("srcset") or "")
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")

    # A forged form (another site posting with the resident's cookie, no CSRF token) stores
    # nothing.
    before = live_service.stored()
    forged = page.request.post(f"/proposals/{proposal}/pictures", multipart={
        "alt": "Förfalskad", "picture": {"name": "x.png", "mimeType": "image/png",
                                         "buffer": files.png(200, 100)}})
    assert forged.status == 403
    assert live_service.stored() == before

    # With JavaScript, for axe-core, on a phone's width.
    checked = new_page()
    sign_in_locally(checked, name, YEAR, next_path=f"/proposals/{proposal}", lang=lang)
    states = CheckedStates(checked, f"pictures-{lang}", lang)
    for step, path in (("proposal", f"/proposals/{proposal}"),
                       ("form", f"/proposals/{proposal}/pictures"),
                       ("list", f"/cycles/{cycle.id}/proposals")):
        checked.goto(with_lang(path, lang))
        _no_sideways_scroll(checked)
        states.check(step)
    thumbnail = checked.locator(f"a[href^='/proposals/{proposal}'] img.thumb")
    expect(thumbnail).to_have_count(1)
    states.assert_accessible()


def test_someone_elses_proposal_shows_no_form(live_service: LiveService,
                                              new_page: NewPage) -> None:
    cycle = create_cycle(live_service, unique("Bildomgången främling"))
    proposal = next(iter(cycle.proposals.values()))
    page = new_page(javascript=False)
    sign_in_locally(page, unique("Främling"), YEAR, next_path=f"/proposals/{proposal}/pictures")
    response = page.goto(f"/proposals/{proposal}/pictures")
    assert response is not None and response.status == 403
    expect(page.locator("form[enctype='multipart/form-data']")).to_have_count(0)


def test_the_proposer_takes_a_picture_back_with_the_keyboard_after_the_ideas_closed(
        live_service: LiveService, new_page: NewPage) -> None:
    name = unique("Tove Tillbaka")
    cycle = create_cycle(live_service, unique("Bildomgången tillbaka"))
    app = live_service.app
    proposal = str(app.submit_proposal(cycle.id, "norr", "Ny lekplats", "Gungor och rutschkana.",
                                       50_000, "test", _identity(name)))
    alt, kept_alt = "Den gamla lekplatsen med trasiga gungor", "Skiss av den nya lekplatsen"
    added = app.execute(pictures.AddPicture(proposal, files.png(640, 480), alt,
                                            _identity(name))).value
    kept = app.execute(pictures.AddPicture(proposal, files.png(320, 240), kept_alt,
                                           _identity(name))).value
    app.trigger(cycle.id, "close_ideas", ADMIN, "Idéfasen slut")
    live_service.caught_up()

    # With JavaScript, for axe-core: the proposal page links the pictures page, which lists
    # the proposer's pictures, each with its button.
    checked = new_page()
    sign_in_locally(checked, name, YEAR, next_path=f"/proposals/{proposal}")
    states = CheckedStates(checked, "pictures-back", "sv")
    checked.goto(f"/proposals/{proposal}")
    states.check("proposal")
    checked.goto(f"/proposals/{proposal}/pictures")
    _no_sideways_scroll(checked)
    states.check("pictures")
    states.assert_accessible()

    # Without JavaScript, with the keyboard alone.
    page = new_page(javascript=False)
    sign_in_locally(page, name, YEAR, next_path=f"/proposals/{proposal}")
    page.get_by_role("link", name="Ta bort en bild").focus()
    assert navigate(page, lambda: page.keyboard.press("Enter")) == 200
    expect(page.locator("h1")).to_have_text("Förslagets bilder")
    expect(page.get_by_role("img", name=alt)).to_be_visible()
    before = live_service.stored()
    page.get_by_role("button", name=f"Ta bort bilden {alt}").focus()
    assert navigate(page, lambda: page.keyboard.press("Enter")) == 200
    assert page.url.endswith("#your-pictures")
    expect(page.get_by_role("img", name=alt)).to_have_count(0)
    expect(page.get_by_role("img", name=kept_alt)).to_be_visible()
    assert live_service.stored() == before + 1
    assert app.picture_blobs.get(added.digest, 480) is None
    assert list(app.proposal(proposal).pictures) == [kept.digest]

    # A forged form (no CSRF token), and another resident with a token of their own, take
    # nothing back.
    before = live_service.stored()
    withdraw = f"/proposals/{proposal}/pictures/{kept.digest}/withdraw"
    assert page.request.post(withdraw, form={"lang": "sv"}).status == 403
    stranger = new_page(javascript=False)
    sign_in_locally(stranger, unique("Främling"), YEAR, next_path="/mina-sidor")
    csrf = stranger.locator("input[name=csrf]").first.get_attribute("value") or ""
    refused = stranger.request.post(withdraw, form={"csrf": csrf, "lang": "sv"})
    assert refused.status == 403
    assert "Bara förslagsställaren kan ta bort en bild" in refused.text()
    assert live_service.stored() == before
    assert app.picture_blobs.get(kept.digest, kept.widths[0]) is not None
