"""How a resident fills in a ballot, and the check that a ballot obeys it.

Stored in events as plain dicts (`to_dict`), so a rule written this year still reads next year:
a new field must come with a default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from domain.errors import InvalidInput
from domain.money import format_kronor

VotingKind = Literal["approval", "knapsack", "cumulative", "ranked"]
VOTING_KINDS: tuple[str, ...] = ("approval", "knapsack", "cumulative", "ranked")

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
    cumulative: points per project and in total; ranked: a preference order of min..max projects."""

    kind: str
    min_choices: int = 1
    max_choices: int | None = None
    max_points_per_project: int | None = None
    max_total_points: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VotingRule:
        if not isinstance(data, Mapping):
            raise InvalidInput("voting_rule", "must be an object with a 'kind'")
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise InvalidInput("voting_rule", f"unknown field(s): {', '.join(sorted(unknown))}")
        rule = cls(**data)
        rule.validate()
        return rule

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def vote_type(self) -> str:
        return PABULIB_VOTE_TYPE[self.kind]

    def validate(self) -> None:
        if self.kind not in VOTING_KINDS:
            raise InvalidInput("voting_rule.kind", f"must be one of {', '.join(VOTING_KINDS)}")
        for name in ("min_choices", "max_choices", "max_points_per_project", "max_total_points"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 0):
                raise InvalidInput(f"voting_rule.{name}", "must be a whole number, 0 or more")
        if self.max_choices is not None and self.max_choices < max(self.min_choices, 1):
            raise InvalidInput("voting_rule.max_choices", "must be at least min_choices and 1")
        if self.kind == "cumulative":
            if not self.max_total_points:
                raise InvalidInput("voting_rule.max_total_points", "is required for cumulative")
            if self.max_points_per_project is None:
                raise InvalidInput("voting_rule.max_points_per_project",
                                   "is required for cumulative")
        elif self.max_points_per_project is not None or self.max_total_points is not None:
            raise InvalidInput("voting_rule", "points limits apply to cumulative voting only")
        if self.kind == "ranked" and self.max_choices is None:
            raise InvalidInput("voting_rule.max_choices", "is required for ranked (top k)")

    def check_ballot(
        self,
        selections: Sequence[str],
        points: Sequence[int] | None,
        costs: Mapping[str, int],
        budget: int,
    ) -> None:
        """Refuse a ballot that breaks the rule. `costs` holds the proposals a voter may choose."""
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
        count = len(selections)
        if count < self.min_choices:
            raise InvalidInput("selections", f"choose at least {self.min_choices}")
        if self.max_choices is not None and count > self.max_choices:
            raise InvalidInput(
                "selections", f"too many choices: {count}, at most {self.max_choices} allowed"
            )
        if self.kind == "cumulative":
            self._check_points(selections, points)
        elif points:
            raise InvalidInput("points", "points are given only in cumulative voting")
        if self.kind == "knapsack":
            total = sum(costs[s] for s in selections)
            if total > budget:
                raise InvalidInput(
                    "selections",
                    f"the chosen proposals cost {format_kronor(total)}, more than the area's "
                    f"budget of {format_kronor(budget)}",
                )

    def _check_points(self, selections: Sequence[str], points: Sequence[int] | None) -> None:
        if points is None or len(points) != len(selections):
            raise InvalidInput("points", "give one number of points for every selection")
        if any(type(p) is not int or p <= 0 for p in points):
            raise InvalidInput("points", "each must be a whole number above 0")
        assert self.max_points_per_project is not None and self.max_total_points is not None
        if max(points, default=0) > self.max_points_per_project:
            raise InvalidInput(
                "points", f"at most {self.max_points_per_project} points on one proposal"
            )
        if sum(points) > self.max_total_points:
            raise InvalidInput("points", f"at most {self.max_total_points} points in total")


ALLOCATION_RULES: tuple[str, ...] = (
    "greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1",
)
