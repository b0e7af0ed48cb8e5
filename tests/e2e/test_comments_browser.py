"""Comments on a proposal in headless Chromium (issue 18, ADR 0024), in Swedish and English:
a resident comments, replies and reports with the keyboard alone and without JavaScript; a
reply to a reply, a blank comment and a second report are refused clearly; a forged form is
refused storing nothing; what the moderator hid shows only "hidden by the moderator: reason";
axe-core finds no violation on any of the pages."""

from __future__ import annotations

from uuid import UUID

import pytest
from playwright.sync_api import expect

from service import moderation
from service.cycle_index import COMMENT
from tests.e2e.participation_support import (
    REVIEWER,
    CheckedStates,
    LiveService,
    NewPage,
    birth_year_for,
    create_cycle,
    lang_query,
    navigate,
    sign_in_locally,
    unique,
    with_lang,
)

pytestmark = pytest.mark.slow

ADULT = birth_year_for(30)
WORDS = {
    "sv": {"write": "Skriv en kommentar", "send": "Skicka kommentaren", "reply": "Svara",
           "send_reply": "Skicka svaret", "report": "Anmäl", "hidden": "Dold av moderatorn",
           "empty": "den kan inte vara tom", "resident": "En invånare",
           "already": "Du har redan anmält", "forged": "Formuläret kunde inte tas emot"},
    "en": {"write": "Write a comment", "send": "Send the comment", "reply": "Reply",
           "send_reply": "Send the reply", "report": "Report", "hidden": "Hidden by the moderator",
           "empty": "it cannot be empty", "resident": "A resident",
           "already": "You have reported this already", "forged": "The form could not be "},
}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_resident_comments_replies_and_reports_with_the_keyboard_alone(
        live_service: LiveService, new_page: NewPage, lang: str) -> None:
    words = WORDS[lang]
    cycle = create_cycle(live_service, unique(f"Kommentarsomgången {lang}"))
    proposal = next(iter(cycle.proposals.values()))
    page = new_page()
    states = CheckedStates(page, f"comments-{lang}", lang)
    check = states.check

    sign_in_locally(page, "Kim Kommentar", ADULT, next_path=f"/proposals/{proposal}", lang=lang)
    check("proposal-without-comments")
    # Keyboard only: focus the link by tabbing to it and follow it with Enter.
    link = page.get_by_role("link", name=words["write"])
    for _ in range(60):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the comment link cannot be reached with Tab")
    navigate(page, lambda: page.keyboard.press("Enter"))
    check("comment-form")

    before = live_service.stored()
    assert navigate(page, page.get_by_role("button", name=words["send"]).click) == 422
    expect(page.get_by_role("alert")).to_contain_text(words["empty"])
    assert live_service.stored() == before
    check("comment-blank-refused")

    page.locator("#text").focus()
    page.keyboard.type("Bra idé! Kan det stå nära badplatsen?")
    page.keyboard.press("Tab")
    navigate(page, lambda: page.keyboard.press("Enter"))
    expect(page.locator("main")).to_contain_text("Bra idé! Kan det stå nära badplatsen?")
    expect(page.locator(".comment-meta").first).to_contain_text(words["resident"])
    check("proposal-with-a-comment")

    navigate(page, page.get_by_role("link", name=words["reply"]).first.click)
    page.fill("#text", "Ja, vid bryggan.")
    navigate(page, page.get_by_role("button", name=words["send_reply"]).click)
    expect(page.locator(".replies")).to_contain_text("Ja, vid bryggan.")
    # A reply has no reply link of its own; a forged reply to it is refused.
    expect(page.locator(".replies").get_by_role("link", name=words["reply"])).to_have_count(0)
    reply_id = page.locator(".replies li").first.get_attribute("id")
    assert reply_id is not None
    page.goto(with_lang(f"/proposals/{proposal}/comment?reply_to="
                        f"{reply_id.removeprefix('comment-')}", lang))
    page.fill("#text", "Svar på svar")
    before = live_service.stored()
    assert navigate(page, page.get_by_role("button", name=words["send_reply"]).click) == 422
    assert live_service.stored() == before
    check("reply-to-a-reply-refused")

    page.goto(f"/proposals/{proposal}{lang_query(lang)}")
    navigate(page, page.locator(".comment-actions").first.get_by_role(
        "link", name=words["report"]).click)
    check("report-confirm")
    navigate(page, page.get_by_role("button", name=words["report"]).click)
    page.go_back()
    page.reload()
    before = live_service.stored()
    assert navigate(page, page.get_by_role("button", name=words["report"]).click) == 409
    expect(page.get_by_role("alert")).to_contain_text(words["already"])
    assert live_service.stored() == before
    check("report-twice-refused")

    # A forged form (no CSRF token) stores nothing.
    page.goto(f"/proposals/{proposal}/comment{lang_query(lang)}")
    page.fill("#text", "Förfalskad")
    page.locator("main form input[name=csrf]").evaluate("field => field.remove()")
    before = live_service.stored()
    assert navigate(page, page.get_by_role("button", name=words["send"]).click) == 403
    assert live_service.stored() == before
    expect(page.locator("h1")).to_contain_text(words["forged"])

    # The moderator hides the comment and then the proposal: only the notice is left.
    first_comment = live_service.app.cycle_index.select_cycle_members(UUID(cycle.id),
                                                                      [COMMENT])[0]
    moderation.hide(live_service.app, first_comment, "Personangrepp", REVIEWER)
    moderation.hide(live_service.app, proposal, "Kränkande titel", REVIEWER)
    page.goto(with_lang(f"/proposals/{proposal}?position={live_service.stored()}", lang))
    main = page.locator("main")
    expect(main).to_contain_text(f"{words['hidden']}: Personangrepp")
    expect(main).to_contain_text(f"{words['hidden']}: Kränkande titel")
    expect(main).not_to_contain_text("Bra idé! Kan det stå nära badplatsen?")
    title = next(t for t, i in cycle.proposals.items() if i == proposal)
    assert title not in page.content()
    page.goto(f"/cycles/{cycle.id}/proposals{lang_query(lang)}")
    assert title not in page.content()
    check("hidden")

    states.assert_accessible()
