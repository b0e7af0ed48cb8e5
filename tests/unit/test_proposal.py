from __future__ import annotations

import pytest

from domain.errors import Conflict, InvalidInput
from domain.proposal import Proposal
from tests.unit.domain_builders import configured_cycle, proposal, rebuilt, state


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"description": ""}, "description"),
        ({"estimated_cost": -1}, "estimated_cost"),
        ({"estimated_cost": 0}, "estimated_cost"),
        ({"estimated_cost": 99.5}, "estimated_cost"),
        ({"estimated_cost": "tio"}, "estimated_cost"),
        # No category ("") is allowed: whether the cycle needs one is the cycle's business.
        ({"category": "x" * 81}, "category"),
        ({"category": 5}, "category"),
        ({"place": {"name": "Parken", "lat": 57.6}}, "place"),
        ({"place": {"name": "Parken", "lat": 95, "lon": 14.7}}, "place.lat"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_bad_submissions_are_refused(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "cycle_id": "c", "area": "norr", "title": "Utegym", "description": "Redskap",
        "estimated_cost": 1000, "category": "idrott", "proposer": "p", "place": None,
    }
    arguments.update(changes)
    with pytest.raises(InvalidInput) as refused:
        Proposal.submit(**arguments)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_money_given_as_text_of_digits_is_exact() -> None:
    submitted = Proposal.submit("c", "norr", "Utegym", "Redskap", "120 000", "idrott", "p",
                                {"name": "Runnerydsjön", "lat": "57.6531", "lon": 14.6968})
    assert submitted.estimated_cost == 12_000_000  # öre
    assert submitted.place == {"name": "Runnerydsjön", "lat": "57.6531", "lon": "14.6968"}


def test_a_rejection_always_carries_a_reason() -> None:
    idea = proposal(configured_cycle())
    with pytest.raises(InvalidInput) as refused:
        idea.review(False, None, "  ", "reviewer:r")
    assert refused.value.field == "reason"
    idea.review(False, None, "Marken ägs inte av kommunen.", "reviewer:r")
    assert idea.status == "infeasible" and idea.review_reason == "Marken ägs inte av kommunen."


def test_feasible_needs_an_official_cost_which_then_counts() -> None:
    idea = proposal(configured_cycle(), cost=50_000)
    with pytest.raises(InvalidInput, match="official_cost"):
        idea.review(True, None, "", "reviewer:r")
    idea.review(True, 65_000, "", "reviewer:r")
    assert idea.on_ballot and idea.cost == 6_500_000


def test_amounts_with_ore_are_kept_exactly() -> None:
    idea = Proposal.submit("c", "norr", "Bänkar", "Tre bänkar", "31 666,67", "park", "p")
    assert idea.estimated_cost == 3_166_667
    idea.review(True, "969245.38", "", "reviewer:r")
    assert idea.cost == 96_924_538
    with pytest.raises(InvalidInput, match="two decimals"):
        idea.review(True, "1.005", "", "reviewer:r")


def test_merge_and_withdraw_end_the_proposal() -> None:
    cycle = configured_cycle()
    first, second, other_area = proposal(cycle), proposal(cycle), proposal(cycle, area="unga")
    with pytest.raises(InvalidInput, match="same cycle and area"):
        second.merge_into(other_area, "samma", "reviewer:r")
    with pytest.raises(InvalidInput, match="itself"):
        second.merge_into(second, "samma", "reviewer:r")
    second.merge_into(first, "Samma idé.", "reviewer:r")
    assert second.status == "merged" and second.merged_into == str(first.id)
    with pytest.raises(Conflict, match="merged"):
        second.review(True, 1, "", "reviewer:r")
    with pytest.raises(Conflict, match="merged"):
        first.merge_into(second, "x", "reviewer:r")
    first.withdraw("Jag flyttar.", "resident:p")
    assert first.status == "withdrawn"


def test_progress_only_for_selected_projects_and_never_backwards() -> None:
    idea = proposal(configured_cycle())
    idea.review(True, 50_000, "", "reviewer:r")
    with pytest.raises(Conflict, match="selected"):
        idea.report_progress(10, "Start", 0, "admin:a", selected=False)
    idea.report_progress(40, "Upphandlat", 10_000, "admin:a", selected=True)
    with pytest.raises(InvalidInput, match="cannot go back"):
        idea.report_progress(30, "Oj", 10_000, "admin:a", selected=True)
    with pytest.raises(InvalidInput, match="percent"):
        idea.report_progress(140, "Oj", 10_000, "admin:a", selected=True)
    idea.complete("Invigt", 48_000, "admin:a", selected=True)
    assert idea.status == "completed" and idea.progress[-1].spent == 4_800_000
    with pytest.raises(Conflict, match="completed"):
        idea.abandon("Nej", "admin:a", selected=True)
    assert state(rebuilt(idea)) == state(idea)
