"""Names defined once (domain/vocabulary.py, domain/proposal_states.py, domain/phases.py) and
reused: their values are the strings the API and the stored events have always used, and the
lists the domain checks against, the counting rules and the API's schemas come from them."""

from __future__ import annotations

from typing import Any

import pytest

from domain.allocation import RULES
from domain.areas import AREA_KINDS
from domain.cycle import BudgetCycle, ProposalFacts
from domain.phases import Phase
from domain.proposal import STATUSES
from domain.proposal_states import ProposalStatus
from domain.vocabulary import GREEDY_RULES, AllocationRule, AreaKind, BallotKind
from domain.voting_rules import ALLOCATION_RULES, VOTING_KINDS, VotingRule
from service.api import schemas
from service.pages.i18n import PHASE_LABELS, STATUS_LABELS, phase_name
from service.pages.routes import PHASE_ORDER


def test_the_values_are_the_strings_the_api_and_the_events_always_used() -> None:
    assert ALLOCATION_RULES == RULES == (
        "greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1")
    assert all(type(rule) is str for rule in RULES)  # plain strings for click and messages
    assert VOTING_KINDS == ("approval", "knapsack", "cumulative", "ranked")
    assert AREA_KINDS == ("territorial", "group", "theme")
    assert STATUSES == ("submitted", "feasible", "infeasible", "merged", "withdrawn",
                        "in_progress", "completed", "abandoned")
    assert [r.value for r in GREEDY_RULES] == ["greedy", "greedy-no-skip", "greedy-threshold"]


@pytest.mark.parametrize(("model", "field", "names"), [
    (schemas.VotingRuleBody, "kind", BallotKind),
    (schemas.AreaIn, "kind", AreaKind),
    (schemas.AreaIn, "allocation_rule", AllocationRule),
    (schemas.AllocationRuleIn, "rule", AllocationRule),
])
def test_the_api_schemas_offer_exactly_the_domains_names(model: Any, field: str,
                                                         names: Any) -> None:
    schema = model.model_json_schema()
    text = str(schema)
    assert all(f"'{member.value}'" in text for member in names)
    assert model.model_validate(_valid(model, field, next(iter(names)).value))
    with pytest.raises(ValueError, match=field):
        model.model_validate(_valid(model, field, "not-a-name"))


def _valid(model: Any, field: str, value: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        schemas.VotingRuleBody: {"kind": "approval"},
        schemas.AreaIn: {"id": "norr", "name": "Norr", "budget": 1000},
        schemas.AllocationRuleIn: {"rule": "greedy"},
    }[model]
    return {**base, field: value}


def test_the_pages_name_every_phase_and_status_of_the_domain() -> None:
    assert set(PHASE_LABELS) == {p.value for p in Phase}
    assert set(ProposalStatus) <= set(STATUS_LABELS)
    assert tuple(p.value for p in Phase if p is not Phase.CANCELLED) == PHASE_ORDER


def test_the_cycle_gives_each_areas_rules_as_configured_or_as_recorded() -> None:
    cycle = BudgetCycle.create("Budget", "Växjö", "admin:a")
    cycle.add_area({"id": "norr", "name": "Norr", "budget": 1000}, "admin:a")
    cycle.set_voting_rule({"kind": "ranked", "max_choices": 3}, "admin:a")
    cycle.set_allocation_rule("greedy-threshold", "admin:a", threshold=5)
    rules = cycle.area_rules()["norr"]
    assert (rules.budget, rules.vote_type, rules.allocation_rule, rules.threshold,
            rules.max_ranked, rules.tie_break) == (100_000, "ordinal", "greedy-threshold", 5,
                                                   3, "lower-cost")
    recorded = {"areas": {"norr": {"rule": "mes", "threshold": None, "max_ranked": 2,
                                   "tie_break": "project-id"}}}
    recount = cycle.area_rules(recorded)["norr"]
    assert (recount.allocation_rule, recount.threshold, recount.max_ranked,
            recount.tie_break) == ("mes", None, 2, "project-id")
    assert cycle.transitions_now(ProposalFacts())  # the cycle is whole


def test_a_rule_given_as_the_enum_is_stored_as_its_string() -> None:
    cycle = BudgetCycle.create("Budget", "Växjö", "admin:a")
    cycle.set_allocation_rule(AllocationRule.MES, "admin:a")
    rule = VotingRule.from_dict({"kind": BallotKind.APPROVAL, "max_choices": 2})
    assert cycle.allocation_rule == "mes" and rule.to_dict()["kind"] == "approval"


def test_every_phase_is_named_by_the_catalog_only() -> None:
    import domain.phases

    # The domain carries the ids; the names, in both languages, are the catalog's.
    assert not [name for name in vars(domain.phases) if "SWEDISH" in name or "NAMES" in name]
    for phase in Phase:
        assert phase_name(phase, "en") == PHASE_LABELS[phase]
        assert phase_name(phase, "sv") not in ("", PHASE_LABELS[phase])
    assert phase_name(Phase.VOTING, "sv") == "Röstning"
