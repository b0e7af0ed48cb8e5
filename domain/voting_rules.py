"""How a resident fills in a ballot, and the check that a ballot obeys it.

Stored in events as plain dicts (`to_dict`), so a rule written this year still reads next year:
a new field must come with a default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import cast

from domain.documents import VotingRuleDocument
from domain.errors import InvalidInput, true_or_false
from domain.money import SEK, format_money, kronor_to_minor, minor_units
from domain.vocabulary import AllocationRule, BallotKind, values

VOTING_KINDS: tuple[str, ...] = values(BallotKind)

# What the counting rules see: pabulib's vote types.
PABULIB_VOTE_TYPE: Mapping[str, str] = {
    "approval": "approval",
    "knapsack": "approval",
    "cumulative": "cumulative",
    "ranked": "ordinal",
}


@dataclass(frozen=True)
class VotingRule:
    """approval: min..max choices; knapsack: total cost of the choices at most the area budget;
    cumulative: points per project and in total; ranked: a preference order of min..max projects.

    The optional fields below came later (a rule stored before them reads with their defaults,
    which keep its old meaning). They carry the limits a Pabulib file states, so an imported
    election is held to its own rules and no others:
    `min_total_cost` / `max_total_cost` (META min_sum_cost / max_sum_cost, for any kind),
    `min_total_points` / `min_points_per_project` (min_sum_points / min_points);
    `scoring`: cumulative ballots whose points are scores (Pabulib `scoring`): no total to share
    out, each project `min_points_per_project`..`max_points_per_project` (0 allowed);
    `ranked_points`: a ranked ballot also carries points, one per rank (Kraków's files give the
    points each rank earned); they are kept, the count still scores ranks by position."""

    kind: str
    min_choices: int = 1
    max_choices: int | None = None
    max_points_per_project: int | None = None
    max_total_points: int | None = None
    min_total_cost: int | None = None  # minor units (öre), as every amount
    max_total_cost: int | None = None
    min_total_points: int | None = None
    min_points_per_project: int | None = None
    scoring: bool = False
    ranked_points: bool = False

    @classmethod
    def from_dict(cls, given: object) -> VotingRule:
        if not isinstance(given, Mapping):
            raise InvalidInput("voting_rule", "must be an object with a 'kind'")
        data: dict[str, object] = dict(given)
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise InvalidInput("voting_rule", f"unknown field(s): {', '.join(sorted(unknown))}")
        for name in ("min_total_cost", "max_total_cost"):
            # Given in whole units (kronor, decimals allowed), as every amount people give.
            if data.get(name) is not None:
                data[name] = minor_units(data[name], f"voting_rule.{name}")
        # Each field as `validate` checks it, in its order, so that the first wrong one is
        # named as it always was.
        kind = data.get("kind")
        if not isinstance(kind, str) or kind not in VOTING_KINDS:
            raise InvalidInput("voting_rule.kind", f"must be one of {', '.join(VOTING_KINDS)}")
        min_choices = _count(data, "min_choices", 1)
        if min_choices is None:  # a rule has a least number of choices, 0 or more
            raise InvalidInput("voting_rule.min_choices", "must be a whole number, 0 or more")
        (max_choices, max_points_per_project, max_total_points, min_total_cost, max_total_cost,
         min_total_points, min_points_per_project) = (_count(data, name) for name in (
            "max_choices", "max_points_per_project", "max_total_points", "min_total_cost",
            "max_total_cost", "min_total_points", "min_points_per_project"))
        rule = cls(kind, min_choices, max_choices, max_points_per_project, max_total_points,
                   min_total_cost, max_total_cost, min_total_points, min_points_per_project,
                   true_or_false(data, "scoring", "voting_rule.scoring"),
                   true_or_false(data, "ranked_points", "voting_rule.ranked_points"))
        rule.validate()
        return rule

    def to_dict(self) -> VotingRuleDocument:
        # The options added for imported elections appear only when set, so that a rule
        # without them is stored (and shown) exactly as it always was.
        data = asdict(self)
        return cast(VotingRuleDocument,
                    {k: v for k, v in data.items() if k not in _LATER or v != _LATER[k]})

    @property
    def vote_type(self) -> str:
        return "scoring" if self.scoring else PABULIB_VOTE_TYPE[self.kind]

    @property
    def has_points(self) -> bool:
        """Whether a ballot carries points beside its selections."""
        return self.kind == "cumulative" or (self.kind == "ranked" and self.ranked_points)

    def validate(self) -> None:
        if self.kind not in VOTING_KINDS:
            raise InvalidInput("voting_rule.kind", f"must be one of {', '.join(VOTING_KINDS)}")
        for name in ("min_choices", "max_choices", "max_points_per_project", "max_total_points",
                     "min_total_cost", "max_total_cost", "min_total_points",
                     "min_points_per_project"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise InvalidInput(f"voting_rule.{name}", "must be a whole number, 0 or more")
        for name in ("scoring", "ranked_points"):
            if type(getattr(self, name)) is not bool:
                raise InvalidInput(f"voting_rule.{name}", "must be true or false")
        if self.max_choices is not None and self.max_choices < max(self.min_choices, 1):
            raise InvalidInput("voting_rule.max_choices", "must be at least min_choices and 1")
        if self.kind == "cumulative":
            if not self.max_total_points and not self.scoring:
                raise InvalidInput("voting_rule.max_total_points", "is required for cumulative")
            if self.max_points_per_project is None:
                raise InvalidInput("voting_rule.max_points_per_project",
                                   "is required for cumulative")
        elif any(getattr(self, name) is not None for name in (
                "max_points_per_project", "max_total_points", "min_total_points",
                "min_points_per_project")):
            raise InvalidInput("voting_rule", "points limits apply to cumulative voting only")
        if self.scoring and self.kind != "cumulative":
            raise InvalidInput("voting_rule.scoring", "applies to cumulative voting only")
        if self.ranked_points and self.kind != "ranked":
            raise InvalidInput("voting_rule.ranked_points", "applies to ranked voting only")
        if self.kind == "ranked" and self.max_choices is None:
            raise InvalidInput("voting_rule.max_choices", "is required for ranked (top k)")

    def check_ballot(
        self,
        selections: Sequence[str],
        points: Sequence[int] | None,
        costs: Mapping[str, int],
        budget: int,
        currency: str = SEK,
    ) -> None:
        """Refuse a ballot that breaks the rule. `costs` holds the proposals a voter may choose;
        costs and budget in minor units of `currency`."""
        if any(not isinstance(s, str) or not s for s in selections):
            raise InvalidInput("selections", "must be proposal ids")
        if len(set(selections)) != len(selections):
            raise InvalidInput("selections", "names the same proposal more than once")
        for chosen in selections:
            if chosen not in costs:
                raise InvalidInput(
                    "selections",
                    f"'{chosen}' is not a proposal on the ballot of this area",
                )
        if self.kind == "cumulative":
            self._check_points(selections, points)
        elif self.kind == "ranked" and self.ranked_points:
            if points is None or len(points) != len(selections) or any(
                    type(p) is not int or p < 0 for p in points):
                raise InvalidInput("points", "give a whole number of points, 0 or more, for "
                                             "every rank")
        elif points:
            raise InvalidInput("points", "points are given only in cumulative voting")
        broken = self._limits_broken(len(selections), sum(costs[s] for s in selections),
                                     budget, points, currency)
        if broken:
            raise InvalidInput(*broken[0])

    def _limits_broken(self, count: int, total: int, budget: int,
                       points: Sequence[int] | None, currency: str) -> list[tuple[str, str]]:
        """The rule's limits that a well-formed ballot of `count` choices costing `total`
        breaks, as (field, problem): how many choices, their total cost, the points in total
        and per project."""
        breaks: list[tuple[str, str]] = []
        if count < self.min_choices:
            breaks.append(("selections", f"choose at least {self.min_choices}"))
        if self.max_choices is not None and count > self.max_choices:
            breaks.append(("selections",
                           f"too many choices: {count}, at most {self.max_choices} allowed"))

        def money(amount: int) -> str:
            return format_money(amount, currency)

        if self.kind == "knapsack" and total > budget:
            breaks.append(("selections",
                           f"the chosen proposals cost {money(total)}, more than the "
                           f"area's budget of {money(budget)}"))
        if self.max_total_cost is not None and total > self.max_total_cost:
            breaks.append(("selections",
                           f"the chosen proposals cost {money(total)}, more than "
                           f"{money(self.max_total_cost)}"))
        if self.min_total_cost is not None and total < self.min_total_cost:
            breaks.append(("selections",
                           f"the chosen proposals cost {money(total)}, less than "
                           f"{money(self.min_total_cost)}"))
        if self.kind == "cumulative" and points is not None:
            if self.max_points_per_project is not None \
                    and max(points, default=0) > self.max_points_per_project:
                breaks.append(("points",
                               f"at most {self.max_points_per_project} points on one proposal"))
            if self.min_points_per_project is not None \
                    and min(points, default=self.min_points_per_project) \
                    < self.min_points_per_project:
                breaks.append(("points",
                               f"at least {self.min_points_per_project} points on a proposal"))
            if self.max_total_points is not None and sum(points) > self.max_total_points:
                breaks.append(("points", f"at most {self.max_total_points} points in total"))
            if self.min_total_points is not None and sum(points) < self.min_total_points:
                breaks.append(("points", f"at least {self.min_total_points} points in total"))
        return breaks

    def _check_points(self, selections: Sequence[str], points: Sequence[int] | None) -> None:
        if points is None or len(points) != len(selections):
            raise InvalidInput("points", "give one number of points for every selection")
        if self.scoring:
            # A score of 0 is a score (Pabulib `scoring`); the least allowed is a limit.
            if any(type(p) is not int or p < 0 for p in points):
                raise InvalidInput("points", "each must be a whole number, 0 or more")
        elif any(type(p) is not int or p <= 0 for p in points):
            raise InvalidInput("points", "each must be a whole number above 0")


def _count(data: Mapping[str, object], name: str, default: int | None = None) -> int | None:
    value = data.get(name, default)
    if value is not None and (type(value) is not int or value < 0):
        raise InvalidInput(f"voting_rule.{name}", "must be a whole number, 0 or more")
    return value


def rule_kronor_to_minor(rule: Mapping[str, object]) -> dict[str, object]:
    """A voting rule as stored before minor units (its cost limits in whole kronor) as stored
    since (in öre): for the upcasting of old events."""
    upcast = dict(rule)
    for key in ("min_total_cost", "max_total_cost"):
        if upcast.get(key) is not None:
            upcast[key] = kronor_to_minor(upcast[key])
    return upcast


ALLOCATION_RULES: tuple[str, ...] = values(AllocationRule)


# Options added after the first rules were stored, with the value that means "not used".
_LATER: dict[str, int | bool | None] = {"min_total_cost": None, "max_total_cost": None,
                          "min_total_points": None, "min_points_per_project": None,
                          "scoring": False, "ranked_points": False}
