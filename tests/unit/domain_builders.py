"""Small builders for domain unit tests: aggregates in memory, no store."""

from __future__ import annotations

from typing import Any

from domain.cycle import BudgetCycle, ProposalFacts
from domain.proposal import Proposal

ADMIN = "admin:test"


def configured_cycle(**rule: Any) -> BudgetCycle:
    cycle = BudgetCycle.create("Medborgarbudget Test 2027", "Testkommun", ADMIN)
    cycle.record_decision("Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    cycle.add_area({"id": "norr", "name": "Norr", "budget": 250_000}, ADMIN)
    cycle.add_area({"id": "unga", "name": "Unga", "kind": "group", "budget": 100_000,
                    "eligibility": {"min_age": 13, "max_age": 25}}, ADMIN)
    cycle.set_voting_rule(rule or {"kind": "approval", "max_choices": 3}, ADMIN)
    return cycle


def all_reviewed(cycle: BudgetCycle) -> ProposalFacts:
    return ProposalFacts(unreviewed=0, areas_with_feasible=frozenset(cycle.areas))


def proposal(cycle: BudgetCycle, area: str = "norr", cost: int = 50_000) -> Proposal:
    return Proposal.submit(str(cycle.id), area, "Utegym", "Redskap vid sjön", cost, "idrott",
                           "proposer-pseudonym")


def rebuilt(aggregate: Any) -> Any:
    """Replay the aggregate's recorded events into a new object."""
    copy = None
    for event in aggregate.collect_events():
        copy = event.mutate(copy)
    return copy


def state(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
