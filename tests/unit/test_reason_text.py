"""Every reason the counting rules give is worded in Swedish and English from the catalogs, with
numbers, amounts and plurals written the way each language writes them (ADR 0017)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import RULES, Election, Project, allocate, eligibility
from domain.allocation.election import TIE_BREAKS
from domain.allocation.reasons import Reason, ReasonCode, ScoreUnit, Tie, TieKind
from domain.cycle_tally import RESULTS_FORMAT, AreaRules, CountedBallot, CountedProposal, tally
from domain.pabulib import read_pabulib, to_election
from service.pages import i18n
from service.reason_text import reason_json, reason_text
from tests.paths import PABULIB_DIR as FILES

NBSP = "\u00a0"

# One reason of every code, with parameters that need a plural form and a thousands separator.
EXAMPLES: dict[ReasonCode, Reason] = {
    ReasonCode.SELECTED: Reason(ReasonCode.SELECTED),
    ReasonCode.DID_NOT_FIT: Reason(ReasonCode.DID_NOT_FIT, {"left": 800025, "cost": 1200000},
                                   "SEK"),
    ReasonCode.DID_NOT_FIT_COUNTING_STOPS: Reason(
        ReasonCode.DID_NOT_FIT_COUNTING_STOPS, {"left": 800000, "cost": 1200000}, "SEK"),
    ReasonCode.NOT_REACHED: Reason(ReasonCode.NOT_REACHED),
    ReasonCode.BELOW_THRESHOLD: Reason(ReasonCode.BELOW_THRESHOLD,
                                       counts={"threshold": 3, "score": 1}, unit=ScoreUnit.VOTE),
    ReasonCode.SELECTED_IN_ROUND: Reason(ReasonCode.SELECTED_IN_ROUND, {"price": 1200},
                                         "SEK", counts={"round": 3, "supporters": 1400}),
    ReasonCode.NO_BALLOTS: Reason(ReasonCode.NO_BALLOTS),
    ReasonCode.NO_SUPPORT: Reason(ReasonCode.NO_SUPPORT),
    ReasonCode.COSTS_NOTHING: Reason(ReasonCode.COSTS_NOTHING),
    ReasonCode.NOT_AFFORDABLE: Reason(
        ReasonCode.NOT_AFFORDABLE,
        {"left": 733200, "cost": 6000000, "share": 1166600, "added": 166600}, "SEK"),
    ReasonCode.BELOW_MIN_VOTES: Reason(ReasonCode.BELOW_MIN_VOTES,
                                       counts={"min_votes": 1, "votes": 0}),
    ReasonCode.INCOMPATIBLE_FUNDED: Reason(ReasonCode.INCOMPATIBLE_FUNDED,
                                           projects=("p-1", "p-2")),
    ReasonCode.EXCLUDED_AFTER_COUNT: Reason(ReasonCode.EXCLUDED_AFTER_COUNT,
                                            note="Förorenad mark."),
    ReasonCode.FUNDED_OUTSIDE_RULE: Reason(ReasonCode.FUNDED_OUTSIDE_RULE,
                                           note="Beslut i KS § 12."),
}


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_code_is_worded_in_both_languages(code: ReasonCode) -> None:
    reason = EXAMPLES[code]  # a new code fails here until it has an example and words
    swedish, english = reason_text(reason, "sv"), reason_text(reason, "en")
    assert swedish and english and swedish != english, (code, swedish, english)
    for text in (swedish, english):
        assert "%(" not in text and ")s" not in text, text
    assert Reason.from_dict(reason.to_dict()) == reason


@pytest.mark.parametrize("kind", list(TieKind))
@pytest.mark.parametrize("tie_break", TIE_BREAKS)
def test_every_tie_and_tie_break_is_worded_in_both_languages(kind: TieKind,
                                                             tie_break: str) -> None:
    reason = Reason(ReasonCode.SELECTED, tie=Tie(kind, ("Utegym", "Bänkar"), tie_break))
    swedish, english = reason_text(reason, "sv"), reason_text(reason, "en")
    assert swedish.startswith("vald (") and "Utegym, Bänkar" in swedish
    assert english.startswith("selected (") and "Utegym, Bänkar" in english
    assert swedish != english
    # The tie-break is named in the reader's language, whichever it is.
    words = {"lower-cost": ("lägre kostnad", "lower cost"),
             "project-id": ("lägre förslags-id", "lower project id"),
             "file-order": ("står först", "listed first")}[tie_break]
    assert words[0] in swedish and words[1] in english


def test_tied_projects_are_named_by_title_when_titles_are_given() -> None:
    reason = Reason(ReasonCode.SELECTED, tie=Tie(TieKind.WON_ON_SCORE, ("p-1",), "lower-cost"))
    assert "Utegym" in reason_text(reason, "sv", {"p-1": "Utegym"})
    assert "p-1" in reason_text(reason, "sv")


def test_amounts_and_numbers_as_each_language_writes_them() -> None:
    did_not_fit = EXAMPLES[ReasonCode.DID_NOT_FIT]
    assert reason_text(did_not_fit, "sv") == (
        f"fick inte plats: 8{NBSP}000,25{NBSP}kr kvar, kostar 12{NBSP}000{NBSP}kr")
    assert reason_text(did_not_fit, "en") == (
        f"did not fit: 8,000.25{NBSP}kr left, costs 12,000{NBSP}kr")
    euro = Reason(ReasonCode.DID_NOT_FIT, {"left": 80025, "cost": 90000}, "EUR")
    assert reason_text(euro, "en") == f"did not fit: 800.25{NBSP}EUR left, costs 900{NBSP}EUR"
    rounds = EXAMPLES[ReasonCode.SELECTED_IN_ROUND]
    assert reason_text(rounds, "sv") == (
        f"vald i omgång 3: 1{NBSP}400 anhängare delade på kostnaden och betalade högst "
        f"12{NBSP}kr var")
    assert reason_text(rounds, "en") == (
        f"selected in round 3: 1,400 supporters shared the cost, paying at most 12{NBSP}kr each")


def test_finer_decimals_of_an_imported_file_are_kept() -> None:
    reason = Reason(ReasonCode.DID_NOT_FIT, {"left": 125, "cost": 1000}, "PLN", places=3)
    assert reason.amount("left") == Decimal("0.125")
    assert reason_text(reason, "sv") == f"fick inte plats: 0,125{NBSP}PLN kvar, kostar 1{NBSP}PLN"


@pytest.mark.parametrize(("threshold", "score", "swedish", "english"), [
    (3, 1, "under tröskeln på 3 röster: har 1 röst",
     "below the threshold of 3 votes: it has 1 vote"),
    (1, 0, "under tröskeln på 1 röst: har 0 röster",
     "below the threshold of 1 vote: it has 0 votes"),
    (5, 2, "under tröskeln på 5 röster: har 2 röster",
     "below the threshold of 5 votes: it has 2 votes"),
])
def test_a_threshold_and_a_score_each_with_its_own_plural(threshold: int, score: int,
                                                          swedish: str, english: str) -> None:
    reason = Reason(ReasonCode.BELOW_THRESHOLD, counts={"threshold": threshold, "score": score},
                    unit=ScoreUnit.VOTE)
    assert reason_text(reason, "sv") == swedish
    assert reason_text(reason, "en") == english


@pytest.mark.parametrize(("minimum", "votes", "swedish", "english"), [
    (1, 0, "under potens minsta antal på 1 röst: har 0 röster",
     "below the pot's minimum of 1 vote: it has 0 votes"),
    (5, 1, "under potens minsta antal på 5 röster: har 1 röst",
     "below the pot's minimum of 5 votes: it has 1 vote"),
    (1200, 3, f"under potens minsta antal på 1{NBSP}200 röster: har 3 röster",
     "below the pot's minimum of 1,200 votes: it has 3 votes"),
])
def test_a_pots_minimum_and_a_proposals_votes_each_with_its_own_plural(
        minimum: int, votes: int, swedish: str, english: str) -> None:
    # As every rule gives it for a project below the minimum.
    election = Election([Project("p", Decimal(1))], [["p"]] * votes, Decimal(1), "approval",
                        min_votes=minimum)
    reason = eligibility.min_votes_reason(election, 0)
    assert reason == Reason(ReasonCode.BELOW_MIN_VOTES,
                            counts={"min_votes": minimum, "votes": votes})
    assert reason_text(reason, "sv") == swedish
    assert reason_text(reason, "en") == english


def test_an_incompatible_project_names_the_funded_ones_by_title_with_a_plural() -> None:
    one = Reason(ReasonCode.INCOMPATIBLE_FUNDED, projects=("p-1",))
    names = {"p-1": "Utegym", "p-2": "Bänkar"}
    assert reason_text(one, "en", names) == (
        "not funded: incompatible with Utegym, which was funded")
    assert reason_text(one, "sv", names) == "fick inga pengar: utesluter Utegym, som fick pengar"
    two = EXAMPLES[ReasonCode.INCOMPATIBLE_FUNDED]
    assert reason_text(two, "en", names) == (
        "not funded: incompatible with Utegym, Bänkar, which were funded")
    assert reason_text(two, "en") == (
        "not funded: incompatible with p-1, p-2, which were funded")


def test_exceptions_to_the_winners_keep_the_municipalitys_own_words() -> None:
    excluded = EXAMPLES[ReasonCode.EXCLUDED_AFTER_COUNT]
    added = EXAMPLES[ReasonCode.FUNDED_OUTSIDE_RULE]
    assert reason_text(excluded, "sv") == "undantaget efter räkningen: Förorenad mark."
    assert reason_text(excluded, "en") == "excluded after the count: Förorenad mark."
    assert reason_text(added, "sv") == "finansierat utanför regeln: Beslut i KS § 12."
    assert reason_text(added, "en") == "funded outside the rule: Beslut i KS § 12."
    assert added.to_dict() == {"code": "funded-outside-rule", "note": "Beslut i KS § 12."}


def test_points_and_a_decimal_threshold() -> None:
    reason = Reason(ReasonCode.BELOW_THRESHOLD,
                    counts={"threshold": Decimal("2.5"), "score": 1}, unit=ScoreUnit.POINT)
    assert reason_text(reason, "sv") == "under tröskeln på 2,5 poäng: har 1 poäng"
    assert reason_text(reason, "en") == "below the threshold of 2.5 points: it has 1 point"
    assert Reason.from_dict(reason.to_dict()) == reason


def test_one_supporter_pays_alone_in_both_languages() -> None:
    one = Reason(ReasonCode.SELECTED_IN_ROUND, {"price": 500000}, "SEK",
                 counts={"round": 2, "supporters": 1})
    assert reason_text(one, "sv") == f"vald i omgång 2: dess enda anhängare betalade högst " \
                                     f"5{NBSP}000{NBSP}kr"
    assert reason_text(one, "en") == f"selected in round 2: its only supporter paid at most " \
                                     f"5,000{NBSP}kr"


@pytest.mark.parametrize("recorded", [
    {"code": "no-such-code"},
    {"code": "did-not-fit", "amounts": {"left": 1.5, "cost": 2}, "currency": "SEK"},
    {"code": "did-not-fit", "amounts": {"left": 1}, "currency": "SEK"},
    {"code": "did-not-fit", "amounts": {"left": 1, "cost": 2}},
    {"code": "selected", "tie": {"kind": "won-on-score", "others": [], "tie_break": "x"}},
    {"code": "below-threshold", "counts": {"threshold": True, "score": 1}, "unit": "vote"},
    {"code": "below-threshold", "counts": {"threshold": "abc", "score": 1}, "unit": "vote"},
    {"code": "selected", "places": 10**6},
    {"code": "below-min-votes", "counts": {"min_votes": 1}},
    {"code": "incompatible-funded"},
    {"code": "incompatible-funded", "projects": "p-1"},
    {"code": "incompatible-funded", "projects": [""]},
    {"code": "selected", "projects": ["p-1"]},
    {"code": "excluded-after-count"},
    {"code": "excluded-after-count", "note": 12},
    {"code": "selected", "note": "why"},
])
def test_a_malformed_recorded_reason_is_refused_and_shown_as_recorded(recorded: dict) -> None:
    with pytest.raises(ValueError):
        Reason.from_dict(recorded)
    shown = reason_json(recorded, "sv")
    assert shown["code"] is None and "code" in shown["text"]


def test_the_api_form_gives_the_code_and_the_words() -> None:
    recorded = EXAMPLES[ReasonCode.DID_NOT_FIT].to_dict()
    assert recorded == {"code": "did-not-fit", "amounts": {"left": 800025, "cost": 1200000},
                        "currency": "SEK"}
    assert reason_json(recorded, "en") == {
        "code": recorded, "text": f"did not fit: 8,000.25{NBSP}kr left, costs 12,000{NBSP}kr"}


def test_an_unknown_language_is_swedish_as_on_the_pages() -> None:
    assert i18n.language("de") == "sv"
    assert reason_text(Reason(ReasonCode.SELECTED), "de") == "vald"


SMALL = ["Poland_Gdansk_2020_Oliwa.pb", "Poland_Gdynia_2020_Dabrowa__small.pb",
         "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb"]


@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("rule", RULES)
def test_real_elections_give_codes_worded_in_both_languages(name: str, rule: str) -> None:
    if not (FILES / name).exists():
        pytest.skip(f"the published Pabulib file {name} is absent from {FILES}")
    with (FILES / name).open(encoding="utf-8", newline="") as file:
        election = to_election(read_pabulib(file))
    if rule == "greedy-threshold" and election.min_project_score_threshold is None:
        pytest.skip("no threshold in this file")
    for reason in allocate(election, rule).reasons.values():
        assert isinstance(reason, Reason)
        assert Reason.from_dict(reason.to_dict()) == reason
        assert reason_text(reason, "sv") != reason_text(reason, "en"), reason


def test_the_results_record_codes_and_no_sentence() -> None:
    results = tally(
        {"norr": AreaRules(budget=10_000_000, vote_type="approval", allocation_rule="greedy")},
        [CountedProposal("a", "norr", "Utegym", 8_000_000),
         CountedProposal("b", "norr", "Bänkar", 4_000_000)],
        [CountedBallot("1", "norr", ("a", "b"), None), CountedBallot("2", "norr", ("a",), None)])
    assert results["format"] == RESULTS_FORMAT == 3
    assert results["areas"]["norr"]["reasons"] == {
        "a": {"code": "selected"},
        "b": {"code": "did-not-fit", "amounts": {"left": 2_000_000, "cost": 4_000_000},
              "currency": "SEK"}}
