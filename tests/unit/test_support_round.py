"""The support round in the domain: its configuration, the phase, supports, ties, the outcome."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.cycle import BudgetCycle, ProposalFacts
from domain.errors import Conflict, GuardRefused, InvalidInput, PhaseError
from domain.phases import Phase
from domain.proposal import Proposal
from domain.support_round import (
    SupportConfiguration,
    SupportCount,
    SupportRule,
    area_outcome,
)
from tests.unit.domain_builders import ADMIN, all_reviewed, configured_cycle, proposal, rebuilt

TOP_2 = {"default": {"kind": "top", "value": 2}}


def _in_review(support_round: object = TOP_2) -> BudgetCycle:
    cycle = configured_cycle()
    if support_round is not None:
        cycle.configure_support_round(support_round, ADMIN)
    cycle.trigger("open_ideas", ADMIN, "beslutat", ProposalFacts())
    cycle.trigger("close_ideas", ADMIN, "tiden ute", ProposalFacts())
    return cycle


def _counts(*rows: tuple[str, str, int]) -> ProposalFacts:
    return replace(ProposalFacts(areas_with_feasible=frozenset({"norr", "unga"})),
                   supports=tuple(SupportCount(p, a, n) for p, a, n in rows))


def _feasible(cycle: BudgetCycle, area: str = "norr") -> Proposal:
    made = proposal(cycle, area)
    made.review(True, 40_000, "", "reviewer:r")
    return made


# ---- configuration -----------------------------------------------------------------------

def test_configured_in_draft_and_recorded_as_an_event() -> None:
    cycle = configured_cycle()
    cycle.configure_support_round(
        {"default": {"kind": "top", "value": 3},
         "areas": {"unga": {"kind": "threshold", "value": 20}}}, ADMIN)
    copy = rebuilt(cycle)
    rules = copy.support_rules()
    assert rules is not None
    assert rules.rule_for("norr") == SupportRule("top", 3)
    assert rules.rule_for("unga") == SupportRule("threshold", 20)
    copy.configure_support_round(None, ADMIN)
    assert copy.support_rules() is None


@pytest.mark.parametrize("bad", [
    {"default": {"kind": "most", "value": 3}},
    {"default": {"kind": "top", "value": 0}},
    {"default": {"kind": "top", "value": True}},
    {"default": {"kind": "top", "value": 2.5}},
    {"default": {"kind": "threshold", "value": 10**9}},
    {"default": {"kind": "top", "value": 3}, "areas": {"soder": {"kind": "top", "value": 1}}},
    {"default": {"kind": "top", "value": 3, "extra": 1}},
    {"areas": {}},
    {"default": {"kind": "top", "value": 3}, "surprise": True},
    "top 3",
])
def test_a_bad_configuration_is_refused_and_records_nothing(bad: object) -> None:
    cycle = configured_cycle()
    before = len(cycle.collect_events())
    with pytest.raises(InvalidInput):
        cycle.configure_support_round(bad, ADMIN)
    assert cycle.support_round is None
    assert len(cycle.collect_events()) == 0 and before > 0


def test_configuring_outside_draft_is_refused_naming_the_phase() -> None:
    cycle = _in_review()
    with pytest.raises(PhaseError, match="phase 'review'"):
        cycle.configure_support_round(TOP_2, ADMIN)
    with pytest.raises(PhaseError):
        cycle.configure_support_round(None, ADMIN)


def test_switching_off_a_round_that_is_not_on_is_refused() -> None:
    with pytest.raises(Conflict, match="no support round"):
        configured_cycle().configure_support_round(None, ADMIN)


def test_a_successor_copies_the_round_and_a_cycle_without_one_copies_nothing_new() -> None:
    plain = configured_cycle()
    assert "support_round" not in plain.configuration()  # successors' events as before
    with_round = _in_review()
    successor = BudgetCycle.create("Nästa år", "Testkommun", ADMIN, with_round)
    assert successor.support_round == with_round.support_round


# ---- the phase ---------------------------------------------------------------------------

def test_without_a_round_review_goes_straight_to_voting() -> None:
    cycle = _in_review(support_round=None)
    statuses = {s.trigger: s for s in cycle.transitions_now(all_reviewed(cycle))}
    assert statuses["open_voting"].allowed
    assert not statuses["open_support"].allowed
    cycle.trigger("open_voting", ADMIN, "granskat", all_reviewed(cycle))
    assert cycle.phase is Phase.VOTING


def test_with_a_round_voting_waits_for_it() -> None:
    cycle = _in_review()
    with pytest.raises(GuardRefused, match="open it \\(open_support\\)") as refused:
        cycle.trigger("open_voting", ADMIN, "granskat", all_reviewed(cycle))
    assert refused.value.allowed == ("open_support", "cancel")
    cycle.trigger("open_support", ADMIN, "granskat", all_reviewed(cycle))
    assert cycle.phase is Phase.SUPPORT


def test_the_round_closes_only_when_every_area_has_a_proposal_for_the_ballot() -> None:
    cycle = configured_cycle()
    cycle.configure_support_round({"default": {"kind": "threshold", "value": 2}}, ADMIN)
    cycle.trigger("open_ideas", ADMIN, "beslutat", ProposalFacts())
    cycle.trigger("close_ideas", ADMIN, "tiden ute", ProposalFacts())
    cycle.trigger("open_support", ADMIN, "granskat", all_reviewed(cycle))
    short = _counts(("a", "norr", 5), ("b", "unga", 1))
    with pytest.raises(GuardRefused, match="every area needs at least one proposal"):
        cycle.trigger("close_support", ADMIN, "klart", short)
    assert cycle.phase is Phase.SUPPORT
    cycle.trigger("close_support", ADMIN, "klart",
                  _counts(("a", "norr", 5), ("b", "unga", 2)))
    assert cycle.phase is Phase.VOTING


def test_closing_records_the_outcome_with_the_phase_change_and_replays() -> None:
    cycle = _in_review()
    cycle.trigger("open_support", ADMIN, "granskat", all_reviewed(cycle))
    cycle.trigger("close_support", ADMIN, "tre veckor gick",
                  _counts(("a", "norr", 9), ("b", "norr", 7), ("c", "norr", 3),
                          ("d", "unga", 0)))
    copy = rebuilt(cycle)
    assert copy.phase is Phase.VOTING
    assert copy.history[-1].trigger == "close_support"
    assert copy.history[-1].reason == "tre veckor gick"
    norr = copy.support_outcome["areas"]["norr"]
    assert norr["on_ballot"] == ["a", "b"]
    assert norr["proposals"][2] == {"proposal": "c", "supports": 3, "rank": 3,
                                    "on_ballot": False}
    assert (norr["rule"], norr["value"]) == ("top", 2)
    assert copy.support_outcome["areas"]["unga"]["on_ballot"] == ["d"]


# ---- the rule ------------------------------------------------------------------------------

def test_ties_at_the_last_place_all_go_on_the_ballot() -> None:
    result = area_outcome(SupportRule("top", 2), [
        SupportCount("p1", "norr", 10), SupportCount("p2", "norr", 8),
        SupportCount("p3", "norr", 8), SupportCount("p4", "norr", 7)])
    assert result["on_ballot"] == ["p1", "p2", "p3"]
    assert [r["rank"] for r in result["proposals"]] == [1, 2, 2, 4]


def test_a_tie_above_the_cut_leaves_the_next_one_off() -> None:
    result = area_outcome(SupportRule("top", 2), [
        SupportCount("p1", "norr", 8), SupportCount("p2", "norr", 8),
        SupportCount("p3", "norr", 5)])
    assert result["on_ballot"] == ["p1", "p2"]
    assert result["proposals"][2]["rank"] == 3


def test_threshold_takes_all_with_at_least_the_threshold() -> None:
    result = area_outcome(SupportRule("threshold", 5), [
        SupportCount("p1", "norr", 5), SupportCount("p2", "norr", 4),
        SupportCount("p3", "norr", 12)])
    assert result["on_ballot"] == ["p3", "p1"]
    assert not result["proposals"][2]["on_ballot"]


def test_the_outcome_does_not_depend_on_the_order_counts_arrive_in() -> None:
    counts = [SupportCount(f"p{i}", "norr", i % 3) for i in range(7)]
    assert area_outcome(SupportRule("top", 2), counts) == \
        area_outcome(SupportRule("top", 2), list(reversed(counts)))


def test_stored_configuration_round_trips() -> None:
    data = {"default": {"kind": "top", "value": 2},
            "areas": {"unga": {"kind": "threshold", "value": 3}}}
    rules = SupportConfiguration.from_dict(data, ["norr", "unga"])
    assert SupportConfiguration.from_stored(rules.to_dict()) == rules


# ---- supports -----------------------------------------------------------------------------

def test_a_resident_supports_a_proposal_once_and_may_withdraw() -> None:
    cycle = _in_review()
    made = _feasible(cycle)
    made.support("pseudonym-1")
    with pytest.raises(Conflict, match="already support"):
        made.support("pseudonym-1")
    made.support("pseudonym-2")
    assert made.supports == 2
    made.withdraw_support("pseudonym-1")
    with pytest.raises(Conflict, match="no support to withdraw"):
        made.withdraw_support("pseudonym-1")
    copy = rebuilt(made)
    assert copy.supporters == {"pseudonym-2"}
    made.support("pseudonym-1")  # supported again after withdrawing
    assert made.supports == 2


@pytest.mark.parametrize("status", ["submitted", "infeasible", "withdrawn"])
def test_only_a_feasible_proposal_is_supported(status: str) -> None:
    cycle = _in_review()
    made = proposal(cycle)
    if status == "infeasible":
        made.review(False, None, "för dyrt", "reviewer:r")
    elif status == "withdrawn":
        made.withdraw("ändrade mig", "resident:x")
    with pytest.raises(Conflict, match="Only a feasible proposal"):
        made.support("pseudonym-1")


def test_supports_are_taken_only_while_the_round_is_open() -> None:
    cycle = _in_review()
    for command in ("support_proposal", "withdraw_support"):
        with pytest.raises(PhaseError, match="phase 'review'; allowed now"):
            cycle.require_phase(command)
    cycle.trigger("open_support", ADMIN, "granskat", all_reviewed(cycle))
    cycle.require_phase("support_proposal")
    cycle.trigger("close_support", ADMIN, "klart", _counts(("a", "norr", 1), ("b", "unga", 1)))
    with pytest.raises(PhaseError, match="possible only in phase support"):
        cycle.require_phase("support_proposal")


def test_after_the_round_only_its_proposals_are_on_the_ballot() -> None:
    cycle = _in_review(support_round={"default": {"kind": "top", "value": 1}})
    first, second = _feasible(cycle), _feasible(cycle)
    first.support("x")
    cycle.trigger("open_support", ADMIN, "granskat", all_reviewed(cycle))
    assert cycle.on_ballot(first) and cycle.on_ballot(second)  # not decided yet
    cycle.trigger("close_support", ADMIN, "klart", _counts(
        (str(first.id), "norr", first.supports), (str(second.id), "norr", second.supports),
        ("u", "unga", 0)))
    assert cycle.on_ballot(first)
    assert not cycle.on_ballot(second)
