"""Residents taking part on the web, in headless Chromium: sign in, submit an idea, follow it,
vote with every kind of ballot (with and without JavaScript, with the keyboard alone), be told
clearly when something is refused, and sign in through OpenID Connect.

The service runs on a loopback port; the municipality's staff act through the HTTP API. Every
refusal is checked to have stored nothing. Screenshots go to artifacts/screenshots/participation.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.participation_support import (
    AREA_NAMES,
    IDEAS,
    CheckedStates,
    CycleUnderTest,
    FakeIdentityProvider,
    LiveService,
    NewPage,
    Screenshots,
    birth_date_aged,
    birth_year_for,
    create_cycle,
    cycle_in_voting,
    lang_query,
    navigate,
    sign_in_locally,
    unique,
    voter_on_a_new_cycle,
)
from tests.identities import valid_personnummer

pytestmark = pytest.mark.slow

FORM = {"content-type": "application/x-www-form-urlencoded"}
ADULT_YOUNG = birth_year_for(18)  # may vote in every area of the test cycles (13-25 included)


def titles(area: str) -> list[str]:
    return [title for title, _ in IDEAS[area]]


def submit(page: Page) -> int:
    return navigate(page, page.locator("main form button[type=submit]").click)


def open_ballot(page: Page, cycle: CycleUnderTest, area: str, lang: str = "en") -> None:
    page.goto(f"/cycles/{cycle.id}/vote{lang_query(lang)}")
    link = {"en": f"Vote in {AREA_NAMES[area]}", "sv": f"Rösta i {AREA_NAMES[area]}"}[lang]
    navigate(page, page.get_by_role("link", name=link).click)
    expect(page.locator("h1")).to_contain_text(AREA_NAMES[area])


def choice(page: Page, title: str) -> Locator:
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


def points(page: Page, title: str) -> Locator:
    return page.get_by_role("spinbutton", name=re.compile(re.escape(title)))


def confirm_table(page: Page) -> list[list[str]]:
    rows = page.locator("main table tbody tr")
    return [[cell.strip() for cell in row.locator("th, td").all_inner_texts()]
            for row in rows.all()]


def counted(service: LiveService, cycle: CycleUnderTest, area: str,
            ) -> list[tuple[list[str], list[int] | None]]:
    """The ballots stored in an area, as titles (and points)."""
    by_id = {pid: title for title, pid in cycle.proposals.items()}
    return [([by_id[s] for s in b.selections], list(b.points) if b.points else None)
            for b in service.app.counted_ballots(cycle.id) if b.area == area]


# ---- 1. from an idea to the counted results ------------------------------------------------

def test_a_resident_proposes_votes_with_every_ballot_and_sees_it_counted(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("flow")
    cycle = create_cycle(live_service, unique("Medborgarbudget Testby 2027"))
    page = new_page()

    # Signing in on the way to the idea form, in English; the form returns to it.
    page.goto(f"/cycles/{cycle.id}/propose?lang=en")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.locator("h1")).to_have_text("Sign in")
    shots.take(page, "sign-in")
    page.fill("#name", "Alva Lind")
    page.fill("#birth_year", str(ADULT_YOUNG))
    page.select_option("#residence", "norr")
    assert submit(page) == 200
    expect(page).to_have_url(re.compile(rf"/cycles/{cycle.id}/propose\?lang=en$"))
    expect(page.locator("header")).to_contain_text("Signed in as Alva Lind")

    # An idea.
    expect(page.locator("h1")).to_have_text("Submit an idea")
    shots.take(page, "propose")
    page.get_by_label(re.compile(r"^Planeringsområde Norr")).check()
    page.get_by_label("Title").fill("Bänkar vid lekplatsen")
    page.get_by_label("Describe your idea").fill("Tre bänkar så att föräldrar kan sitta ned.")
    page.get_by_label("Estimated cost (kronor)").fill("25 000")
    page.get_by_label("Category").fill("mötesplats")
    page.get_by_label("Place (optional)").fill("Lekplatsen vid Brinnaparken")
    before = live_service.stored()
    assert submit(page) == 200
    assert live_service.stored() == before + 1

    # The feedback page thanks the resident and shows where the idea stands.
    found = re.search(r"/proposals/([0-9a-f-]{36})\?submitted=1", page.url)
    assert found, page.url
    idea_id = found.group(1)
    expect(page.get_by_role("status")).to_contain_text("Thank you for your idea!")
    expect(page.locator("h1")).to_have_text("Bänkar vid lekplatsen")
    expect(page.locator("main")).to_contain_text("Waiting for review by the municipality.")
    shots.take(page, "thank-you")

    # The municipality reviews every idea and opens voting, through the API.
    live_service.fire(cycle.id, "close_ideas")
    costs = {title: cost for ideas in IDEAS.values() for title, cost in ideas}
    for title, proposal_id in cycle.proposals.items():
        live_service.review(proposal_id, costs[title])
    reviewed = live_service.review(idea_id, 28_000)
    assert reviewed["status"] == "feasible"
    cycle.proposals["Bänkar vid lekplatsen"] = idea_id
    opened = live_service.fire(cycle.id, "open_voting")
    assert opened["phase"] == "voting"

    # Following the feedback link again: reviewed, on the ballot.
    page.goto(f"/proposals/{idea_id}?lang=en&position={opened['position']}")
    expect(page.locator("main")).to_contain_text("Feasible, at an official cost of 28,000 kr.")
    expect(page.locator("main")).to_contain_text("Residents could vote for this proposal.")
    shots.take(page, "feedback-reviewed")

    page.goto(f"/cycles/{cycle.id}/vote?lang=en")
    for area in AREA_NAMES.values():
        expect(page.get_by_role("link", name=f"Vote in {area}")).to_be_visible()
    shots.take(page, "vote-areas")

    # Approval: tick boxes (the resident's own idea among them).
    open_ballot(page, cycle, "norr")
    expect(page.locator("legend")).to_have_text("Choose at least 1 and at most 2 proposals.")
    shots.take(page, "approval-ballot")
    choice(page, "Bänkar vid lekplatsen").check()
    choice(page, "Belysning längs ån").check()
    assert submit(page) == 200
    expect(page.locator("h1")).to_have_text("Confirm your ballot")
    assert [row[1] for row in confirm_table(page)] == ["Belysning längs ån",
                                                       "Bänkar vid lekplatsen"]
    shots.take(page, "approval-confirm")
    before = live_service.stored()
    assert navigate(page, page.get_by_role("button", name="Confirm and cast my ballot").click) \
        == 200
    expect(page.locator("h1")).to_have_text("Your ballot is stored")
    expect(page.get_by_role("status")).to_contain_text(
        "Your ballot in Planeringsområde Norr has been stored and will be counted.")
    expect(page.locator("main code")).to_have_text(re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$"))
    shots.take(page, "approval-receipt")
    assert live_service.stored() == before + 1
    # The code proves the ballot is stored, on a public page, typed as a person would.
    code = page.locator("main code").inner_text().strip()
    receipt_page = page.url
    navigate(page, page.get_by_role("link", name="Check a receipt code").click)
    page.get_by_label("Receipt code").fill(code.lower().replace("-", " "))
    navigate(page, page.get_by_role("button", name="Check").click)
    expect(page.get_by_role("status")).to_contain_text("A ballot with this code is stored")
    shots.take(page, "receipt-checked")
    page.goto(receipt_page.removesuffix("/confirm"))

    # Knapsack: the budget meter follows the choices; what no longer fits cannot be ticked.
    open_ballot(page, cycle, "unga")
    meter = page.locator("#budget-meter")
    cafe, graffiti, studio = (choice(page, t) for t in titles("unga"))
    expect(meter).to_have_text("Chosen: 0\u00a0kr of 100,000\u00a0kr. Left: 100,000\u00a0kr.")
    shots.take(page, "knapsack-ballot")
    cafe.check()
    expect(meter).to_have_text(
        "Chosen: 60,000\u00a0kr of 100,000\u00a0kr. Left: 40,000\u00a0kr.")
    # 50 000 kr no longer fits: it says so, and stays where keyboard and screen reader find it.
    expect(studio).to_have_accessible_name(re.compile(r"does not fit: 40,000\u00a0kr left"))
    assert studio.evaluate("box => box.disabled") is False
    expect(graffiti).not_to_have_accessible_name(re.compile("does not fit"))
    shots.take(page, "knapsack-meter-60000")
    cafe.uncheck()
    expect(studio).not_to_have_accessible_name(re.compile("does not fit"))
    expect(meter).to_have_text("Chosen: 0\u00a0kr of 100,000\u00a0kr. Left: 100,000\u00a0kr.")
    cafe.check()
    graffiti.check()
    expect(meter).to_have_text(
        "Chosen: 90,000\u00a0kr of 100,000\u00a0kr. Left: 10,000\u00a0kr.")
    expect(studio).to_have_accessible_name(re.compile(r"does not fit: 10,000\u00a0kr left"))
    shots.take(page, "knapsack-meter-90000")
    assert submit(page) == 200
    expect(page.locator("main")).to_contain_text(
        "Total cost 90,000\u00a0kr of the budget 100,000\u00a0kr.")
    shots.take(page, "knapsack-confirm")
    navigate(page, page.get_by_role("button", name="Confirm and cast my ballot").click)
    expect(page.locator("h1")).to_have_text("Your ballot is stored")
    shots.take(page, "knapsack-receipt")

    # Cumulative: points, with the total shown as they are given.
    open_ballot(page, cycle, "kultur")
    total = page.locator("#points-total")
    expect(total).to_have_text("0")
    shots.take(page, "cumulative-ballot")
    concerts, books, _ = titles("kultur")
    points(page, concerts).fill("3")
    expect(total).to_have_text("3")
    points(page, books).fill("2")
    expect(page.locator("#points-meter")).to_have_text("Points given: 5 / 5")
    shots.take(page, "cumulative-points")
    assert submit(page) == 200
    assert [(row[1], row[3]) for row in confirm_table(page)] == [(concerts, "3"), (books, "2")]
    shots.take(page, "cumulative-confirm")
    navigate(page, page.get_by_role("button", name="Confirm and cast my ballot").click)
    expect(page.locator("h1")).to_have_text("Your ballot is stored")
    shots.take(page, "cumulative-receipt")

    # Ranked: a first, second and third choice.
    open_ballot(page, cycle, "idrott")
    shots.take(page, "ranked-ballot")
    pumptrack, boule, padel, _ = titles("idrott")
    page.get_by_label("Choice number 1").select_option(label=pumptrack)
    page.get_by_label("Choice number 2").select_option(label=boule)
    page.get_by_label("Choice number 3").select_option(label=padel)
    shots.take(page, "ranked-chosen")
    assert submit(page) == 200
    assert [row[:2] for row in confirm_table(page)] == [["1", pumptrack], ["2", boule],
                                                        ["3", padel]]
    shots.take(page, "ranked-confirm")
    navigate(page, page.get_by_role("button", name="Confirm and cast my ballot").click)
    expect(page.locator("h1")).to_have_text("Your ballot is stored")
    shots.take(page, "ranked-receipt")

    page.goto(f"/cycles/{cycle.id}/vote?lang=en")
    expect(page.locator("main")).to_contain_text("You have voted here. Thank you!")
    expect(page.locator(".card", has_text="You have voted here. Thank you!")).to_have_count(4)
    shots.take(page, "voted-everywhere")

    # The municipality closes voting and publishes the results, through the API.
    live_service.fire(cycle.id, "close_voting")
    published = live_service.fire(cycle.id, "publish_results")
    assert published["phase"] == "results"
    page.goto(f"/cycles/{cycle.id}/results?lang=en&position={published['position']}")
    expect(page.locator("h1")).to_have_text("Results")
    scores: dict[str, dict[str, float]] = {}
    for area in AREA_NAMES:
        section = page.locator(f"section[aria-labelledby=results-{area}]")
        expect(section).to_contain_text(re.compile(r"; 1 ballots\."))
        scores[area] = {}
        for row in section.locator("tbody tr").all():
            cells = row.locator("th, td").all_inner_texts()
            scores[area][cells[0].strip()] = float(cells[2])
    shots.take(page, "results")
    assert scores["norr"] == {"Bänkar vid lekplatsen": 1, "Belysning längs ån": 1,
                              **{t: 0 for t in titles("norr") if t != "Belysning längs ån"}}
    assert scores["unga"] == {titles("unga")[0]: 1, titles("unga")[1]: 1, titles("unga")[2]: 0}
    assert scores["kultur"] == {concerts: 3, books: 2, titles("kultur")[2]: 0}
    ranked = scores["idrott"]
    assert ranked[pumptrack] > ranked[boule] > ranked[padel] > ranked[titles("idrott")[3]]


# ---- 2. the keyboard alone ----------------------------------------------------------------

def focused(page: Page) -> str:
    return str(page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) { return "body"; }
        const label = el.id ? `#${el.id}` : (el.textContent || "").trim().slice(0, 40);
        return `${el.tagName.toLowerCase()} ${label}`;
    }"""))


def tab_to(page: Page, target: Locator, limit: int = 30) -> list[str]:
    """Press Tab until `target` has the focus, and check the focus is visible there; what the
    focus passed on the way."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            outline = page.evaluate("""() => {
                const style = getComputedStyle(document.activeElement);
                return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            }""")
            assert outline, f"no visible focus on {focused(page)}"
            return passed
        passed.append(focused(page))
    raise AssertionError(f"Tab never reached {target}; the focus went through {passed}")


def press(page: Page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def keyboard_approval(page: Page, cycle: CycleUnderTest) -> None:
    first, second, _ = titles("norr")
    tab_to(page, choice(page, first))
    press(page, "Space")
    tab_to(page, choice(page, second))
    press(page, "Space")
    expect(choice(page, first)).to_be_checked()
    expect(choice(page, second)).to_be_checked()


def keyboard_knapsack(page: Page, cycle: CycleUnderTest) -> None:
    cafe, graffiti, studio = titles("unga")
    tab_to(page, choice(page, cafe))
    press(page, "Space")
    expect(page.locator("#budget-meter")).to_contain_text("Kvar: 40\u00a0000\u00a0kr.")
    # It says it does not fit, and stays reachable (aria-disabled, never disabled).
    assert choice(page, studio).evaluate("box => box.disabled") is False
    expect(choice(page, studio)).to_have_accessible_name(re.compile("ryms inte"))
    tab_to(page, choice(page, graffiti))
    press(page, "Space")
    expect(page.locator("#budget-meter")).to_contain_text("Kvar: 10\u00a0000\u00a0kr.")
    # What no longer fits is still in the Tab order, and Space on it is refused in words.
    tab_to(page, choice(page, studio))
    press(page, "Space")
    expect(choice(page, studio)).not_to_be_checked()
    expect(page.locator("#budget-meter")).to_contain_text("ryms inte: 10\u00a0000\u00a0kr kvar")


def keyboard_cumulative(page: Page, cycle: CycleUnderTest) -> None:
    concerts, books, _ = titles("kultur")
    tab_to(page, points(page, concerts))
    press(page, "ArrowUp", 3)
    tab_to(page, points(page, books))
    press(page, "ArrowUp", 2)
    expect(points(page, concerts)).to_have_value("3")
    expect(page.locator("#points-total")).to_have_text("5")


def keyboard_ranked(page: Page, cycle: CycleUnderTest) -> None:
    for rank in (1, 2, 3):  # the n-th proposal as choice number n
        select = page.get_by_label(f"Val nummer {rank}")
        tab_to(page, select)
        press(page, "ArrowDown", rank)
        expect(select).to_have_value(cycle.proposals[titles("idrott")[rank - 1]])



def test_the_whole_vote_can_be_done_with_the_keyboard_alone(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("keyboard")
    cycle = cycle_in_voting(live_service, unique("Tangentbordsomgången"))
    page = new_page()
    sign_in_locally(page, "Kim Tangent", ADULT_YOUNG, next_path=f"/cycles/{cycle.id}/vote")
    expect(page.locator("h1")).to_have_text("Rösta")
    fill_in = {"norr": keyboard_approval, "unga": keyboard_knapsack,
               "kultur": keyboard_cumulative, "idrott": keyboard_ranked}
    for area, name in AREA_NAMES.items():
        tab_to(page, page.get_by_role("link", name=f"Rösta i {name}"))
        navigate(page, lambda: page.keyboard.press("Enter"))
        expect(page.locator("h1")).to_have_text(f"Röstsedel för {name}")
        fill_in[area](page, cycle)
        shots.take(page, f"{area}-filled")
        tab_to(page, page.get_by_role("button", name="Granska min röst"))
        assert navigate(page, lambda: page.keyboard.press("Enter")) == 200
        expect(page.locator("h1")).to_have_text("Bekräfta din röst")
        tab_to(page, page.get_by_role("button", name="Bekräfta och lägg min röst"))
        assert navigate(page, lambda: page.keyboard.press("Enter")) == 200
        expect(page.locator("h1")).to_have_text("Din röst är sparad")
        shots.take(page, f"{area}-receipt")
        tab_to(page, page.get_by_role("link", name="Tillbaka till dina röstsedlar"))
        navigate(page, lambda: page.keyboard.press("Enter"))
        expect(page.locator("h1")).to_have_text("Rösta")

    expect(page.locator(".card", has_text="Du har röstat här. Tack!")).to_have_count(4)
    norr, unga, kultur, idrott = (titles(a) for a in ("norr", "unga", "kultur", "idrott"))
    assert counted(live_service, cycle, "norr") == [(norr[:2], None)]
    assert counted(live_service, cycle, "unga") == [(unga[:2], None)]
    assert counted(live_service, cycle, "kultur") == [(kultur[:2], [3, 2])]
    assert counted(live_service, cycle, "idrott") == [(idrott[:3], None)]


# ---- 3. accessibility of every form and error state, in both languages ---------------------

@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_form_and_error_state_passes_axe(live_service: LiveService, new_page: NewPage,
                                              lang: str) -> None:
    ideas = create_cycle(live_service, unique(f"Idéomgången {lang}"))
    voting = cycle_in_voting(live_service, unique(f"Röstomgången {lang}"))
    page = new_page()
    states = CheckedStates(page, f"axe-{lang}", lang)
    en = lang == "en"

    def check(state: str, status: int | None = None, actual: int | None = None) -> None:
        if status is not None:
            assert actual == status, f"{state}: HTTP {actual}, expected {status}"
        states.check(state)

    def error_shown(text: str) -> None:
        expect(page.get_by_role("alert")).to_contain_text(text)

    # Signing in from the header of a cycle's page, then on to the idea form.
    page.goto(f"/cycles/{ideas.id}{lang_query(lang)}")
    navigate(page, page.locator("header").get_by_role(
        "link", name="Sign in" if en else "Logga in").click)
    check("sign-in")
    check("sign-in-errors", 422, submit(page))
    error_shown("Fill in your name" if en else "Fyll i ditt namn")
    page.fill("#name", "Sara Axe")
    page.fill("#birth_year", str(ADULT_YOUNG))
    page.select_option("#residence", "norr")
    submit(page)
    expect(page).to_have_url(re.compile(rf"/cycles/{ideas.id}{re.escape(lang_query(lang))}$"))
    navigate(page, page.get_by_role("link", name="Submit an idea" if en else "Lämna en idé")
             .first.click)
    check("propose")
    check("propose-errors", 422, submit(page))
    error_shown("Choose the area your idea is for." if en
                else "Välj vilket område din idé gäller.")

    page.goto(f"/cycles/{voting.id}/vote{lang_query(lang)}")
    check("vote-areas")
    for area in AREA_NAMES:
        open_ballot(page, voting, area, lang)
        check(f"ballot-{area}")

    open_ballot(page, voting, "norr", lang)
    first, second, third = titles("norr")
    choice(page, first).check()
    choice(page, second).check()
    # The script refuses a third in words; a page from before it ran can still send one.
    choice(page, third).click()
    expect(choice(page, third)).not_to_be_checked()
    expect(page.locator("#choice-meter")).to_have_text(
        "You have already chosen 2: remove one first." if en
        else "Du har redan valt 2: ta bort ett först.")
    choice(page, third).evaluate("box => { box.checked = true; }")
    check("ballot-too-many-choices", 422, submit(page))
    error_shown("You chose 3; at most 2 are allowed." if en else "Du valde 3")

    open_ballot(page, voting, "unga", lang)
    cafe, _, studio = titles("unga")
    choice(page, cafe).check()
    expect(choice(page, studio)).to_have_accessible_name(
        re.compile("does not fit" if en else "ryms inte"))
    # The script keeps a resident under budget; a page from before it ran (or without it)
    # can still send more, and the server explains.
    choice(page, studio).evaluate("box => { box.checked = true; }")
    check("ballot-over-budget", 422, submit(page))
    error_shown("Your choices cost 110,000\u00a0kr, 10,000\u00a0kr more than the budget of "
                "100,000\u00a0kr." if en else "Dina val kostar 110\u00a0000\u00a0kr")

    open_ballot(page, voting, "kultur", lang)
    concerts, books, _ = titles("kultur")
    points(page, concerts).fill("3")
    points(page, books).fill("3")
    check("ballot-too-many-points", 422, submit(page))
    error_shown("You gave 6 points; at most 5 in total." if en else "Du gav 6 poäng")

    open_ballot(page, voting, "idrott", lang)
    first = titles("idrott")[0]
    page.locator("#rank-1").select_option(label=first)
    page.locator("#rank-2").select_option(label=first)
    check("ballot-same-choice-twice", 422, submit(page))

    open_ballot(page, voting, "norr", lang)
    choice(page, titles("norr")[0]).check()
    check("confirm", 200, submit(page))
    check("receipt", 200, navigate(page, page.locator("main form button").click))
    expect(page.get_by_role("status")).to_be_visible()

    open_ballot(page, voting, "kultur", lang)
    points(page, concerts).fill("1")
    page.locator("main form input[name=csrf]").evaluate("field => field.remove()")
    check("csrf-refused", 403, submit(page))
    expect(page.locator("h1")).to_have_text(
        "The form could not be accepted" if en else "Formuläret kunde inte tas emot")

    assert list(states.found) == [
        "sign-in", "sign-in-errors", "propose", "propose-errors", "vote-areas",
        *(f"ballot-{area}" for area in AREA_NAMES), "ballot-too-many-choices",
        "ballot-over-budget", "ballot-too-many-points", "ballot-same-choice-twice", "confirm",
        "receipt", "csrf-refused"]
    states.assert_accessible()


# ---- 4. refusals a resident understands, storing nothing -----------------------------------

def test_a_forged_form_without_the_csrf_token_is_refused(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("refused-csrf")
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "CSRF-omgången", "Mira Form",
                                       ADULT_YOUNG)
    for forge, label in (("field => field.remove()", "missing"),
                         ("field => { field.value = 'x'.repeat(43); }", "wrong")):
        open_ballot(page, cycle, "norr", "sv")
        choice(page, titles("norr")[0]).check()
        assert submit(page) == 200
        confirm_form = page.locator("main form")
        confirm_form.locator("input[name=csrf]").evaluate(forge)
        before = live_service.stored()
        assert navigate(page, confirm_form.locator("button").click) == 403
        assert live_service.stored() == before
        expect(page.locator("h1")).to_have_text("Formuläret kunde inte tas emot")
        expect(page.locator("main")).to_contain_text("Inget sparades")
        shots.take(page, label)
    assert counted(live_service, cycle, "norr") == []
    # A fresh form from the same session is accepted.
    open_ballot(page, cycle, "norr", "sv")
    choice(page, titles("norr")[0]).check()
    submit(page)
    navigate(page, page.locator("main form button").click)
    expect(page.locator("h1")).to_have_text("Din röst är sparad")


def test_the_knapsack_ballot_works_without_javascript_and_explains_going_over_budget(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("no-javascript")
    cycle, page = voter_on_a_new_cycle(live_service, new_page, "Utan JavaScript",
                                       "Noa Skriptlös", ADULT_YOUNG, javascript=False)
    open_ballot(page, cycle, "unga", "sv")
    cafe, graffiti, studio = titles("unga")
    choice(page, cafe).check()
    choice(page, studio).check()  # nothing disables it without the script
    before = live_service.stored()
    assert submit(page) == 422
    assert live_service.stored() == before
    message = ("Dina val kostar 110\u00a0000\u00a0kr, 10\u00a0000\u00a0kr mer än budgeten på "
               "100\u00a0000\u00a0kr. Ta bort något och försök igen.")
    expect(page.get_by_role("alert")).to_contain_text(message)
    # The page as the server drew it: the choices kept, and a meter that adds them up.
    expect(choice(page, cafe)).to_be_checked()
    expect(choice(page, studio)).to_be_checked()
    expect(page.locator("#budget-meter")).to_contain_text("Valt: 110\u00a0000\u00a0kr")
    shots.take(page, "over-budget")

    # Straight to the storing step, skipping the review: refused the same way.
    csrf = page.locator("main form input[name=csrf]").input_value()
    ids = [cycle.proposal_id(cafe), cycle.proposal_id(studio)]
    response = page.request.post(
        f"/cycles/{cycle.id}/vote/unga/confirm", headers=FORM,
        data=urlencode([("csrf", csrf), ("lang", "sv"), *(("choice", i) for i in ids)]),
        max_redirects=0)
    assert response.status == 422
    assert "Dina val kostar 110\u00a0000\u00a0kr" in response.text()
    assert live_service.stored() == before

    choice(page, studio).uncheck()
    choice(page, graffiti).check()
    assert submit(page) == 200
    expect(page.locator("main")).to_contain_text(
        "Total kostnad 90\u00a0000\u00a0kr av budgeten 100\u00a0000\u00a0kr.")
    assert navigate(page, page.locator("main form button").click) == 200
    expect(page.locator("h1")).to_have_text("Din röst är sparad")
    shots.take(page, "receipt")
    assert counted(live_service, cycle, "unga") == [([cafe, graffiti], None)]


def test_a_second_ballot_is_refused_when_the_cycle_does_not_allow_changes(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("refused-second-ballot")
    cycle, first_tab = voter_on_a_new_cycle(live_service, new_page, "En röst per område",
                                            "Elis Dubbel", ADULT_YOUNG)
    second_tab = first_tab.context.new_page()  # the same resident, in a second tab
    first, second, _ = titles("norr")
    for tab, title in ((first_tab, first), (second_tab, second)):
        open_ballot(tab, cycle, "norr", "sv")
        choice(tab, title).check()
        assert submit(tab) == 200
    assert navigate(first_tab, first_tab.locator("main form button").click) == 200
    expect(first_tab.locator("h1")).to_have_text("Din röst är sparad")

    before = live_service.stored()
    assert navigate(second_tab, second_tab.locator("main form button").click) == 409
    assert live_service.stored() == before
    expect(second_tab.get_by_role("alert")).to_contain_text(
        "Du har redan röstat i det här området.")
    expect(second_tab.locator("main form")).to_have_count(0)
    shots.take(second_tab, "already-voted")
    assert counted(live_service, cycle, "norr") == [([first], None)]


def test_a_vote_is_refused_when_the_cycle_is_not_in_voting(
        live_service: LiveService, new_page: NewPage) -> None:
    shots = Screenshots("refused-not-voting")
    ideas = create_cycle(live_service, unique("Ännu inte röstning"))
    voting, page = voter_on_a_new_cycle(live_service, new_page, "Röstningen stänger", "Vide Sen",
                                        ADULT_YOUNG)

    page.goto(f"/cycles/{ideas.id}/vote")
    expect(page.locator("main")).to_contain_text(
        "Röstningen är inte öppen. Omgången är i fasen: Idéinsamling.")
    page.goto(f"/cycles/{ideas.id}/vote/norr")
    expect(page.locator("main")).to_contain_text("Röstningen är inte öppen.")
    expect(page.locator("main form")).to_have_count(0)
    shots.take(page, "ideas-phase")

    # The confirmation page is open when the municipality closes voting.
    open_ballot(page, voting, "norr", "sv")
    choice(page, titles("norr")[0]).check()
    assert submit(page) == 200
    live_service.fire(voting.id, "close_voting")
    before = live_service.stored()
    assert navigate(page, page.locator("main form button").click) == 409
    assert live_service.stored() == before
    expect(page.get_by_role("alert")).to_contain_text(
        "Röstningen är inte öppen i den här omgången.")
    expect(page.locator("main")).to_contain_text("Omgången är i fasen: Rösträkning.")
    shots.take(page, "closed-meanwhile")
    assert counted(live_service, voting, "norr") == []


# ---- 5. OpenID Connect ----------------------------------------------------------------------

def test_sign_in_through_openid_connect_applies_the_verified_claims(
        live_service: LiveService, new_page: NewPage,
        identity_provider: FakeIdentityProvider) -> None:
    shots = Screenshots("oidc")
    cycle = cycle_in_voting(live_service, unique("E-legitimation"))
    identity_provider.next_claims = {
        # The personnummer as the e-ID gives it: twelve digits, no separator.
        "sub": valid_personnummer(123, birth_date_aged(17)).replace("-", ""),
        "given_name": "Ebba", "name": "Ebba Eid",
        "birthdate": birth_date_aged(17).isoformat(), "residence": "norr"}
    page = new_page()
    page.goto(f"/cycles/{cycle.id}/vote")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    # Only the e-ID sign-in is offered.
    expect(page.locator("#name")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Lokal testinloggning")
    shots.take(page, "sign-in")
    navigate(page, page.get_by_role("link", name="Logga in med e-legitimation").click)

    # Back from the provider, signed in, on the page the resident wanted.
    expect(page).to_have_url(f"{live_service.url}/cycles/{cycle.id}/vote")
    expect(page.locator("header")).to_contain_text("Inloggad som Ebba")
    assert len(identity_provider.challenges_seen) == 1
    assert identity_provider.verified_codes == identity_provider.challenges_seen
    assert identity_provider.jwks_requests >= 1  # the id_token's signature was checked
    # Residence (norr) and age (17: unga) both come from the claims.
    for name in AREA_NAMES.values():
        expect(page.get_by_role("link", name=f"Rösta i {name}")).to_be_visible()
    shots.take(page, "signed-in")

    open_ballot(page, cycle, "unga", "sv")
    choice(page, titles("unga")[1]).check()
    submit(page)
    navigate(page, page.locator("main form button").click)
    expect(page.locator("h1")).to_have_text("Din röst är sparad")
    assert counted(live_service, cycle, "unga") == [([titles("unga")[1]], None)]

    # The local sign-in is switched off, even for a hand-made post.
    csrf = page.locator("header form input[name=csrf]").input_value()
    before = live_service.stored()
    refused = page.request.post("/sign-in/local", form={
        "csrf": csrf, "name": "Falsk", "birth_year": "1990", "residence": "norr", "next": "/"},
        max_redirects=0)
    assert refused.status == 422
    assert live_service.stored() == before
    page.goto(f"/cycles/{cycle.id}/vote")
    expect(page.locator("header")).to_contain_text("Inloggad som Ebba")

