"""The proposal's state table (domain/proposal_states.py): every action from every status,
allowed or refused, as the table below (written out independently) says; and the aggregate
refuses through it, recording nothing."""

from __future__ import annotations

import pytest

from domain.errors import Conflict
from domain.proposal import Proposal
from domain.proposal_states import (
    ACTIONS,
    PROPOSAL_MACHINE,
    ProposalStatus,
    ReviewedBefore,
)

S = ProposalStatus
OPEN = {S.SUBMITTED, S.FEASIBLE, S.INFEASIBLE}
BUILDABLE = {S.FEASIBLE, S.IN_PROGRESS}
# action -> {from status: to status}; every pair not listed is refused.
EXPECTED: dict[str, dict[ProposalStatus, ProposalStatus]] = {
    "review_feasible": dict.fromkeys(OPEN, S.FEASIBLE),
    "review_infeasible": dict.fromkeys(OPEN, S.INFEASIBLE),
    "merge": dict.fromkeys(OPEN, S.MERGED),
    "withdraw": dict.fromkeys(OPEN, S.WITHDRAWN),
    "report_progress": dict.fromkeys(BUILDABLE, S.IN_PROGRESS),
    "complete": dict.fromkeys(BUILDABLE, S.COMPLETED),
    "abandon": dict.fromkeys(BUILDABLE, S.ABANDONED),
    "support": {S.FEASIBLE: S.FEASIBLE},
}
CASES = [(action, status) for action in EXPECTED for status in ProposalStatus]


def test_the_table_has_every_action_and_the_api_values() -> None:
    assert set(ACTIONS) == {*EXPECTED, "undo_merge"}
    assert [s.value for s in ProposalStatus] == [
        "submitted", "feasible", "infeasible", "merged", "withdrawn", "in_progress",
        "completed", "abandoned"]


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_each_action_from_each_status(action: str, status: ProposalStatus) -> None:
    destination = EXPECTED[action].get(status)
    if destination is None:
        with pytest.raises(Conflict, match=str(status)):
            PROPOSAL_MACHINE.check(status, action)
    else:
        assert PROPOSAL_MACHINE.check(status, action) == destination
        assert action in PROPOSAL_MACHINE.allowed_from(status)


@pytest.mark.parametrize(("feasible", "restored"), [
    (None, S.SUBMITTED), (True, S.FEASIBLE), (False, S.INFEASIBLE)])
def test_an_undone_merge_returns_to_the_review_it_had(feasible: bool | None,
                                                      restored: ProposalStatus) -> None:
    assert PROPOSAL_MACHINE.check(S.MERGED, "undo_merge", ReviewedBefore(feasible)) == restored


@pytest.mark.parametrize("status", [s for s in ProposalStatus if s is not S.MERGED])
def test_only_a_merged_proposal_can_be_taken_out_of_a_merge(status: ProposalStatus) -> None:
    with pytest.raises(Conflict, match=f"Only a merged proposal .* this one is {status}"):
        PROPOSAL_MACHINE.check(status, "undo_merge", ReviewedBefore(True))


def test_refusals_say_what_is_possible_now() -> None:
    with pytest.raises(Conflict, match=r"is in_progress \(possible now: report progress, "
                                       r"complete, abandon\)"):
        PROPOSAL_MACHINE.check(S.IN_PROGRESS, "withdraw")
    with pytest.raises(Conflict, match="The project is already completed"):
        PROPOSAL_MACHINE.check(S.COMPLETED, "report_progress")
    with pytest.raises(Conflict, match="Cannot review it: the proposal is withdrawn"):
        PROPOSAL_MACHINE.check(S.WITHDRAWN, "review_feasible")
    with pytest.raises(ValueError, match="unknown proposal action"):
        PROPOSAL_MACHINE.check(S.SUBMITTED, "approve")


def submitted() -> Proposal:
    return Proposal.submit("cycle", "norr", "Utegym", "Ett utegym vid sjön", 120_000,
                           "idrott", "resident-pseudonym")


def test_the_aggregate_refuses_through_the_table_and_records_nothing() -> None:
    idea = submitted()
    idea.review(True, 120_000, "", "admin:a")
    idea.report_progress(10, "Start", 1_000, "admin:a", selected=True)
    assert idea.status is S.IN_PROGRESS
    pending = len(idea.collect_events())
    with pytest.raises(Conflict, match="in_progress"):
        idea.withdraw("Ångrade mig", "admin:a")
    with pytest.raises(Conflict, match="in_progress"):
        idea.review(False, None, "Nej", "admin:a")
    assert idea.collect_events() == [] and pending == 3
    idea.abandon("Marken såldes", "admin:a", selected=True)
    with pytest.raises(Conflict, match="already abandoned"):
        idea.complete("Klart", 1_000, "admin:a", selected=True)
    assert idea.status is S.ABANDONED
