"""The pot cap and the eligibility wording in headless Chromium (ADR 0025), in Swedish and in
English: the areas page telling the cap, the ballot refused beyond it, and the cycle page saying
who may vote each pass axe; the refusal stores nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.participation_support import (
    LiveService,
    NewPage,
    axe_violations,
    birth_year_for,
    sign_in_locally,
    unique,
)
from tests.integration.builders import ADMIN, REVIEWER, configured_cycle

pytestmark = pytest.mark.slow

AREAS = (
    {"id": "norr", "name": "Norr", "budget": 100_000, "eligibility": {"residence": "norr"}},
    {"id": "centrum", "name": "Centrum", "kind": "theme", "budget": 50_000,
     "eligibility": {"residence": ["norr", "soder"]}},
    {"id": "hela", "name": "Hela kommunen", "kind": "theme", "budget": 50_000,
     "eligibility": {"municipality_wide": True}},
    {"id": "soder", "name": "Söder", "budget": 100_000, "eligibility": {"residence": "soder"}},
)


def _capped_cycle(service: LiveService, name: str) -> str:
    app = service.app
    cycle_id = configured_cycle(app, areas=AREAS, name=name)
    app.set_pot_cap(cycle_id, {"max_pots": 1, "uncounted": ["hela"]}, ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "test")
    proposals = [app.submit_proposal(cycle_id, str(a["id"]), f"Förslag i {a['name']}",
                                     "En beskrivning.", 10_000, "test", f"proposer {a['id']}")
                 for a in AREAS]
    app.trigger(cycle_id, "close_ideas", ADMIN, "test")
    for proposal in proposals:
        app.review_proposal(proposal, True, 10_000, "", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "test")
    return str(cycle_id)


def _vote(page: Page, cycle_id: str, area: str, lang: str) -> int:
    suffix = "" if lang == "sv" else "?lang=en"
    page.goto(f"/cycles/{cycle_id}/vote/{area}{suffix}")
    page.locator("input[name=choice]").first.check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    with page.expect_navigation() as confirmed:
        page.locator("main form button[type=submit]").click()
    response = confirmed.value
    assert response is not None
    return response.status


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_cap_and_who_may_vote_pass_axe(live_service: LiveService, new_page: NewPage,
                                           lang: str) -> None:
    cycle_id = _capped_cycle(live_service, unique(f"Takomgången {lang}"))
    page = new_page()
    page.set_default_timeout(20_000)  # a missing element fails the test rather than hanging
    en = lang == "en"
    suffix = "" if lang == "sv" else "?lang=en"
    sign_in_locally(page, "Tove Tak", birth_year_for(30), "norr", lang=lang)
    found: dict[str, list[str]] = {}

    page.goto(f"/cycles/{cycle_id}{suffix}")
    expect(page.locator("main")).to_contain_text(
        "Living in Norr or Söder" if en else "Bosatt i Norr eller Söder")
    expect(page.locator("main")).to_contain_text(
        "Everyone living in the municipality" if en else "Alla som bor i kommunen")
    found["cycle"] = axe_violations(page)

    assert _vote(page, cycle_id, "norr", lang) == 200
    page.goto(f"/cycles/{cycle_id}/vote{suffix}")
    expect(page.locator("#pot-cap")).to_contain_text(
        "at most 1 of the areas" if en else "högst 1 av områdena")
    found["vote-areas"] = axe_violations(page)

    before = live_service.stored()
    assert _vote(page, cycle_id, "centrum", lang) == 409
    expect(page.get_by_role("alert")).to_contain_text(
        "already voted in Norr" if en else "redan röstat i Norr")
    assert live_service.stored() == before
    found["refused"] = axe_violations(page)

    page.goto(f"/cycles/{cycle_id}/vote/soder{suffix}")
    expect(page.locator("main")).to_contain_text(
        "Who may vote here: Living in Söder." if en else "Rösträtt här: Bosatt i Söder.")
    found["not-eligible"] = axe_violations(page)
    assert not any(found.values()), found
