"""Counting with exceptions to the winners: an excluded project is counted as if it were not on
the ballot under every rule (its money goes to the next), an added one is listed apart from the
rule's winners, and either says why in its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.allocation import RULES, Election, Project, allocate
from domain.cycle_tally import (
    ADD,
    EXCLUDE,
    AreaRules,
    CountedBallot,
    CountedProposal,
    WinnerException,
    tally,
)

PROPOSALS = [CountedProposal("gym", "norr", "Utegym", 6_000_000),
             CountedProposal("stage", "norr", "Scen", 5_000_000),
             CountedProposal("benches", "norr", "Bänkar", 3_000_000)]
BALLOTS = [CountedBallot("b1", "norr", ("gym", "stage"), None),
           CountedBallot("b2", "norr", ("gym", "stage"), None),
           CountedBallot("b3", "norr", ("gym", "benches"), None)]


def counted(rule: str, *exceptions: WinnerException) -> dict[str, object]:
    rules = {"norr": AreaRules(budget=10_000_000, vote_type="approval", allocation_rule=rule,
                               threshold=0 if rule == "greedy-threshold" else None,
                               min_votes=1)}
    results = tally(rules, PROPOSALS, BALLOTS, exceptions=exceptions)
    return results["areas"]["norr"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("rule", RULES)
def test_an_excluded_winner_is_counted_as_if_it_were_not_on_the_ballot(rule: str) -> None:
    before = counted(rule)
    assert "gym" in before["selected"]  # type: ignore[operator]
    after = counted(rule, WinnerException(EXCLUDE, "norr", "gym", "Förorenad mark"))
    assert "gym" not in after["selected"]  # type: ignore[operator]
    assert "stage" in after["selected"]  # type: ignore[operator]  # its money went on
    assert after["reasons"]["gym"] == {  # type: ignore[index]
        "code": "excluded-after-count", "note": "Förorenad mark"}
    assert after["excluded"] == {"gym": "Förorenad mark"} and after["added"] == {}
    assert after["scores"] == before["scores"]  # the votes are what they were


def test_an_added_proposal_is_listed_apart_from_the_rules_winners() -> None:
    before = counted("greedy")
    after = counted("greedy", WinnerException(ADD, "norr", "stage", "Beslut i KS"))
    assert after["selected"] == before["selected"] == ["gym", "benches"]
    assert (after["cost"], after["left"]) == (before["cost"], before["left"])
    assert after["added"] == {"stage": "Beslut i KS"}
    assert after["reasons"]["stage"] == {  # type: ignore[index]
        "code": "funded-outside-rule", "note": "Beslut i KS"}


def test_results_without_exceptions_are_as_they_always_were() -> None:
    assert "excluded" not in counted("greedy") and "added" not in counted("mes")


def test_an_exception_for_a_project_not_in_the_election_is_refused() -> None:
    election = Election([Project("a", Decimal(1))], [["a"]], Decimal(1), "approval",
                        excluded={"zzz": "why"})
    with pytest.raises(ValueError, match="excluded project"):
        allocate(election, "greedy")
