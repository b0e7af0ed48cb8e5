"""My pages, following and the mails' links in headless Chromium (ADR 0028), in Swedish and
English, with the keyboard alone: an address refused then given and confirmed through its
link, a proposal followed, a display name shown and then erased behind its confirmation form;
the one-click unsubscribe page; no sideways scroll on a phone; axe-core finds no violation of
any impact on any of the pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from service.personal.mailing import Residents
from tests.e2e.participation_support import (
    CheckedStates,
    LiveService,
    NewPage,
    birth_year_for,
    create_cycle,
    lang_query,
    navigate,
    sign_in_locally,
    unique,
)

pytestmark = pytest.mark.slow

ADULT = birth_year_for(40)
LINK = re.compile(r"https?://[^/]+(/(?:e-post/bekrafta|avregistrera)/[A-Za-z0-9_\-]+\."
                  r"[A-Za-z0-9_\-]+)")
WORDS = {
    "sv": {"send_link": "Skicka bekräftelselänken", "confirm": "Bekräfta adressen",
           "confirmed": "Din e-postadress är bekräftad", "bad_address": "Ange en e-postadress",
           "follow_link": "Följ förslaget via e-post", "follow": "Följ",
           "following": "Du följer nu förslaget.", "save_name": "Spara namnet",
           "erase": "Radera mina uppgifter", "tick": "Kryssa i rutan",
           "erased": "Dina uppgifter är raderade", "resident": "Föreslaget av en invånare",
           "stop": "Stoppa all e-post", "my_pages": "Mina sidor"},
    "en": {"send_link": "Send the confirmation link", "confirm": "Confirm the address",
           "confirmed": "Your e-mail address is confirmed", "bad_address": "Give an e-mail",
           "follow_link": "Follow this proposal by e-mail", "follow": "Follow",
           "following": "You follow the proposal now.", "save_name": "Save the name",
           "erase": "Erase my data", "tick": "Tick the box",
           "erased": "Your data is erased", "resident": "Proposed by a resident",
           "stop": "Stop all mail", "my_pages": "My pages"},
}


def submit_with_keyboard(page: Page, name: str) -> int:
    """Focus the button by its name and press Enter; the answer's status."""
    page.get_by_role("button", name=name, exact=True).focus()
    return navigate(page, lambda: page.keyboard.press("Enter"))


def type_and_submit(page: Page, field: str, text: str, button: str) -> int:
    """Type `text` into the field (a CSS selector) and submit with the button named `button`,
    with the keyboard alone; the answer's status."""
    page.locator(field).focus()
    page.keyboard.type(text)
    return submit_with_keyboard(page, button)


def tab_to(page: Page, name: str) -> None:
    link = page.get_by_role("link", name=name)
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"'{name}' cannot be reached with Tab")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_resident_manages_mail_follows_and_erases_with_the_keyboard_alone(
        live_service: LiveService, new_page: NewPage, lang: str) -> None:
    words = WORDS[lang]
    residents: Residents = live_service.api.state.residents
    cycle = create_cycle(live_service, unique(f"Utskicksomgången {lang}"))
    proposal = next(iter(cycle.proposals.values()))
    page = new_page()
    states = CheckedStates(page, f"my-pages-{lang}", lang)
    check = states.check

    address = f"{unique('kim').replace(' ', '.')}@example.se"
    sign_in_locally(page, unique("Kim Följare"), ADULT, next_path="/mina-sidor", lang=lang)
    expect(page.locator("h1")).to_have_text(words["my_pages"])
    check("my-pages")

    assert type_and_submit(page, "#email", "inte en adress", words["send_link"]) == 422
    expect(page.get_by_role("alert")).to_contain_text(words["bad_address"])
    check("address-refused")

    page.locator("#email").fill("")
    assert type_and_submit(page, "#email", address, words["send_link"]) == 200
    check("confirmation-sent")
    mail = [m for m in residents.store.outbox() if m.address == address][-1]
    link = LINK.search(mail.body)
    assert link is not None
    page.goto(link.group(1) + lang_query(lang))
    check("confirm-link")
    assert submit_with_keyboard(page, words["confirm"]) == 200
    expect(page.get_by_role("status")).to_contain_text(words["confirmed"])
    check("confirmed")

    page.goto(f"/proposals/{proposal}{lang_query(lang)}")
    tab_to(page, words["follow_link"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check("follow")
    assert submit_with_keyboard(page, words["follow"]) == 200
    expect(page.get_by_role("status")).to_contain_text(words["following"])
    check("following")

    assert type_and_submit(page, "#display_name", "Kim K", words["save_name"]) == 200

    page.goto(f"/mina-sidor/radera{lang_query(lang)}")
    check("erase")
    assert submit_with_keyboard(page, words["erase"]) == 422
    expect(page.get_by_role("alert")).to_contain_text(words["tick"])
    check("erase-unticked")
    page.locator("#confirm").focus()
    page.keyboard.press("Space")
    assert submit_with_keyboard(page, words["erase"]) == 200
    expect(page.locator("h1")).to_have_text(words["erased"])
    check("erased")

    unsubscribe = residents.writer.unsubscribe_url("someone", "someone@example.se")
    page.goto("/" + unsubscribe.split("/", 3)[3] + lang_query(lang))
    expect(page.get_by_role("button", name=words["stop"])).to_be_visible()
    check("unsubscribe")

    phone = new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    sign_in_locally(phone, unique("Kim Telefon"), ADULT, next_path="/mina-sidor", lang=lang)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    states.assert_accessible()
