"""The Swedish wording of the counting rules' reasons agrees in number: "1 röst", "2 röster";
one supporter does not "share" a cost nor pay an amount "var" (each)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import Election, Project
from domain.allocation.greedy import _amount
from domain.allocation.rules import _count
from service.pages.reasons import translate_reason


@pytest.mark.parametrize(("threshold", "score", "swedish"), [
    (3, 1, "under tröskeln på 3 röster: har 1 röst"),
    (1, 0, "under tröskeln på 1 röst: har 0 röster"),
    (5, 2, "under tröskeln på 5 röster: har 2 röster"),
])
def test_a_threshold_and_a_score_each_with_its_own_number(threshold: int, score: int,
                                                          swedish: str) -> None:
    # As domain/allocation/greedy.py words it.
    english = (f"below the threshold of {_amount(threshold, 'vote')}: "
               f"it has {_amount(score, 'vote')}")
    assert translate_reason(english, "sv") == swedish
    assert translate_reason(english, "en") == english


def test_one_supporter_pays_alone() -> None:
    # As domain/allocation/rules.py words it.
    one = f"selected in round 2: {_count(1, 'supporter')} shared the cost, paying at most " \
          "5 000 kr each"
    swedish = translate_reason(one, "sv")
    assert swedish == "vald i omgång 2: dess enda anhängare betalade högst 5 000 kr"
    several = f"selected in round 1: {_count(1200, 'supporter')} shared the cost, paying at " \
              "most 12 kr each"
    assert translate_reason(several, "sv") == (
        "vald i omgång 1: 1 200 anhängare delade på kostnaden och betalade högst 12 kr var")


@pytest.mark.parametrize(("minimum", "votes", "swedish"), [
    (1, 0, "under potens minsta antal på 1 röst: har 0 röster"),
    (5, 1, "under potens minsta antal på 5 röster: har 1 röst"),
])
def test_a_pots_minimum_and_a_proposals_votes_each_with_its_own_number(
        minimum: int, votes: int, swedish: str) -> None:
    english = (f"below the pot's minimum of {_amount(minimum, 'vote')}: "
               f"it has {_amount(votes, 'vote')}")
    assert english == _min_votes_reason(minimum, votes)
    assert translate_reason(english, "sv") == swedish
    assert translate_reason(english, "en") == english


def _min_votes_reason(minimum: int, votes: int) -> str:
    """The reason as domain/allocation/election.py words it for a project with `votes`."""
    election = Election([Project("p", Decimal(1))], [["p"]] * votes, Decimal(1), "approval",
                        min_votes=minimum)
    return election.min_votes_reason(0)


def test_exceptions_to_the_winners_keep_the_municipalitys_own_words() -> None:
    assert translate_reason("excluded after the count: Förorenad mark.", "sv") == (
        "undantaget efter räkningen: Förorenad mark.")
    assert translate_reason("funded outside the rule: Beslut i KS § 12.", "sv") == (
        "finansierat utanför regeln: Beslut i KS § 12.")
