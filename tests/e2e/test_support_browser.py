"""The support round on the residents' pages, in headless Chromium: support and take back with
a plain form (also without JavaScript), a double or forged post refused storing nothing, no
button in an area the resident may not vote in, and once the round closed, each proposal's
reason; every state checked with axe-core (which needs JavaScript to run), in Swedish and
English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from service import support_round
from tests.e2e.participation_support import (
    APPROVAL_RULE,
    AREAS,
    IDEAS,
    CycleUnderTest,
    LiveService,
    NewPage,
    Screenshots,
    axe_violations,
    birth_year_for,
    sign_in_locally,
    unique,
)
from tests.integration.builders import ADMIN, REVIEWER

pytestmark = pytest.mark.slow
FORM = {"content-type": "application/x-www-form-urlencoded"}


def cycle_in_support(service: LiveService, name: str) -> CycleUnderTest:
    """A cycle with a support round (the most supported proposal of each area goes on the
    ballot), every idea reviewed feasible, the round open."""
    app = service.app
    cycle_id = app.create_cycle(name, "Testby kommun", ADMIN)
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 8/2026", ADMIN)
    for area in AREAS:
        app.add_area(cycle_id, area, ADMIN)
    app.set_voting_rule(cycle_id, APPROVAL_RULE, ADMIN)
    support_round.configure(app, cycle_id, {"default": {"kind": "top", "value": 1}}, ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut i kommunfullmäktige")
    cycle = CycleUnderTest(str(cycle_id), name)
    for area, ideas in IDEAS.items():
        for number, (title, cost) in enumerate(ideas):
            cycle.proposals[title] = str(app.submit_proposal(
                cycle_id, area, title, f"Förslaget: {title}.", cost, "test",
                f"proposer-{area}-{number}"))
    app.trigger(cycle_id, "close_ideas", ADMIN, "Idéinsamlingen är slut")
    costs = {title: cost for ideas in IDEAS.values() for title, cost in ideas}
    for title, proposal_id in cycle.proposals.items():
        app.review_proposal(proposal_id, True, costs[title], "", REVIEWER)
    app.trigger(cycle_id, "open_support", ADMIN, "Alla förslag är prövade")
    return cycle


def row(page: Page, title: str) -> str:
    return page.get_by_role("row", name=re.compile(re.escape(title))).inner_text()


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n".join(violations)


def test_a_resident_supports_takes_back_and_reads_the_outcome(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("support")
    cycle = cycle_in_support(live_service, unique("Medborgarbudget Stödby 2027"))
    utegym, belysning = cycle.proposal_id("Utegym vid sjön"), cycle.proposal_id(
        "Belysning längs ån")
    page = new_page()
    path = f"/cycles/{cycle.id}/support"

    # Before signing in: the counts, and a way to sign in; no buttons.
    page.goto(f"{path}?lang=en")
    expect(page.locator("h1")).to_have_text("Support round")
    expect(page.get_by_role("link", name="Sign in to support proposals")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(0)
    assert_accessible(page)

    sign_in_locally(page, "Siv Stöd", birth_year_for(40), "norr", next_path=path, lang="en")
    expect(page).to_have_url(re.compile(rf"{path}\?lang=en"))
    expect(page.locator("main")).to_contain_text("You may not support proposals in this area.")
    assert_accessible(page)
    shots.take(page, "open")

    before = live_service.stored()
    with page.expect_navigation():
        page.get_by_role("button", name="Support Utegym vid sjön").click()
    assert live_service.stored() == before + 1
    expect(page).to_have_url(re.compile(rf"{path}\?lang=en#proposal-{utegym}$"))
    assert "You support this proposal." in row(page, "Utegym vid sjön")
    assert row(page, "Utegym vid sjön").split("\t")[1].strip() == "1"
    assert_accessible(page)
    shots.take(page, "supported")

    # The same form posted again (a second tab, a double click): refused, nothing stored.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    again = page.request.post(f"{path}/{utegym}", headers=FORM,
                              data=f"csrf={csrf}&lang=en&action=support")
    assert again.status == 409 and "You already support this proposal." in again.text()
    forged = page.request.post(f"{path}/{utegym}", headers=FORM,
                               data="csrf=forged&lang=en&action=withdraw")
    assert forged.status == 403
    unknown = page.request.post(f"{path}/{utegym}", headers=FORM,
                                data=f"csrf={csrf}&lang=en&action=support-twice")
    assert unknown.status == 422
    # A form forged for an area the resident may not vote in, or for another cycle's proposal.
    cafe = cycle.proposal_id("Ungdomscafé på fredagar")
    not_eligible = page.request.post(f"{path}/{cafe}", headers=FORM,
                                     data=f"csrf={csrf}&lang=en&action=support")
    assert not_eligible.status == 422
    assert "You may not support proposals in this area" in not_eligible.text()
    elsewhere = cycle_in_support(live_service, unique("Annan omgång"))
    before = live_service.stored()
    other = page.request.post(
        f"{path}/{elsewhere.proposal_id('Utegym vid sjön')}", headers=FORM,
        data=f"csrf={csrf}&lang=en&action=support")
    assert other.status == 404
    assert live_service.stored() == before
    assert live_service.app.proposal(utegym).supports == 1

    # Taken back, and given to another proposal.
    with page.expect_navigation():
        page.get_by_role("button", name="Take back your support for Utegym vid sjön").click()
    assert live_service.app.proposal(utegym).supports == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Support Belysning längs ån").click()
    assert live_service.app.proposal(belysning).supports == 1

    # Without JavaScript the form is the same plain POST.
    plain = new_page(javascript=False)
    sign_in_locally(plain, "Per Utan Skript", birth_year_for(50), "norr", next_path=path)
    with plain.expect_navigation():
        plain.get_by_role("button", name="Stöd Belysning längs ån").click()
    assert live_service.app.proposal(belysning).supports == 2
    assert "Du stöder det här förslaget." in row(plain, "Belysning längs ån")

    # The round closes: the page gives each proposal's reason, in Swedish by default.
    live_service.fire(cycle.id, "close_support")
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Stödinsamling")
    assert "Med på röstsedeln: plats 1 med 2 stöd." in row(page, "Belysning längs ån")
    assert "Inte med på röstsedeln: plats 2 med 0 stöd" in row(page, "Utegym vid sjön")
    expect(page.get_by_role("button", name=re.compile("^Stöd "))).to_have_count(0)
    assert_accessible(page)
    shots.take(page, "outcome")
    late = page.request.post(f"{path}/{utegym}", headers=FORM,
                             data=f"csrf={csrf}&action=support")
    assert late.status == 409 and "Röstning" in late.text()
    page.goto(f"{path}?lang=en")
    assert "Not on the ballot: place 2 with 0 supports" in row(page, "Utegym vid sjön")
    assert_accessible(page)
