"""Reading and checking the residents' forms, with messages in their language.

The checks here only give a resident a clear message next to the field; the domain checks
everything again when the command runs, so the rules stay in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.errors import InvalidInput
from domain.money import from_minor, minor_units
from domain.voting_rules import VotingRule

Gettext = Callable[[str], str]
FormData = Mapping[str, Sequence[str]]


@dataclass
class Checked:
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def first(form: FormData, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def amount_above_zero(text: str) -> Decimal | None:
    """An amount as a resident types it ('50000', '50 000 kr', '49 999,50'), exact, in whole
    units (kronor) with at most two decimals; None when it is no such amount above zero."""
    cleaned = text.strip().removesuffix("kr").strip()
    try:
        return from_minor(minor_units(cleaned, "estimated_cost", allow_zero=False))
    except InvalidInput:
        return None


def check_proposal(form: FormData, areas: Sequence[str], _: Gettext,
                   categories: Sequence[str] = ()) -> Checked:
    """`categories`: the cycle's list to choose from (ids); none: the category is free text."""
    checked = Checked()
    area = first(form, "area")
    if area not in areas:
        checked.errors["area"] = _("Choose the area your idea is for.")
    limits = {"title": 120, "description": 5000, "category": 80}
    for name, limit in limits.items():
        text = first(form, name)
        if not text:
            checked.errors[name] = _("Fill in this field.")
        elif len(text) > limit:
            checked.errors[name] = _("At most %(count)s characters.") % {"count": limit}
        checked.values[name] = text
    if categories and first(form, "category") not in categories:
        # Chosen in a list: "fill in" would not say what to do.
        checked.errors["category"] = _("Choose the category that fits your idea best.")
    cost = amount_above_zero(first(form, "estimated_cost"))
    if cost is None:
        checked.errors["estimated_cost"] = _(
            "Give the cost as an amount above zero, for example 50000 or 49999.50.")
    place = first(form, "place")
    if len(place) > 200:
        checked.errors["place"] = _("At most %(count)s characters.") % {"count": 200}
    checked.values.update(area=area, estimated_cost=cost, place=place)
    return checked


def ballot_from_form(rule: VotingRule, form: FormData, options: Sequence[str],
                     ) -> tuple[list[str], list[int] | None]:
    """The choices in a ballot form, in the shape the domain takes."""
    if rule.kind == "cumulative":
        selections, points = [], []
        for option in options:
            text = first(form, f"points-{option}")
            if text and text != "0":
                selections.append(option)
                points.append(int(text) if text.isdigit() else -1)
        return selections, points
    if rule.kind == "ranked":
        ranked = [first(form, f"rank-{n}") for n in range(1, (rule.max_choices or 0) + 1)]
        return [r for r in ranked if r], None
    return [c for c in form.get("choice", []) if c], None


def check_ballot(rule: VotingRule, selections: Sequence[str], points: Sequence[int] | None,
                 costs: Mapping[str, int], budget: int, _: Gettext,
                 money: Callable[[int], str]) -> str | None:
    """A message for the resident, or None when the ballot follows the rule. Costs and budget
    in öre; `money` writes an amount for the resident."""
    if any(s not in costs for s in selections):
        return _("The ballot names a proposal that is not on this ballot.")
    if len(set(selections)) != len(selections):
        return _("Each proposal can be chosen only once.")
    count = len(selections)
    if count < rule.min_choices:
        return _("Choose at least %(count)s.") % {"count": rule.min_choices}
    if rule.max_choices is not None and count > rule.max_choices:
        return _("You chose %(chosen)s; at most %(count)s are allowed.") % {
            "chosen": count, "count": rule.max_choices}
    if rule.kind == "knapsack":
        total = sum(costs[s] for s in selections)
        if total > budget:
            return _("Your choices cost %(total)s, %(over)s more than the budget of "
                     "%(budget)s. Remove something and try again.") % {
                "total": money(total), "over": money(total - budget),
                "budget": money(budget)}
    if rule.kind == "cumulative":
        assert points is not None
        if any(p < 0 for p in points):
            return _("Give points as whole numbers.")
        if rule.max_points_per_project is not None and any(
                p > rule.max_points_per_project for p in points):
            return _("At most %(count)s points on one proposal.") % {
                "count": rule.max_points_per_project}
        if rule.max_total_points is not None and sum(points) > rule.max_total_points:
            return _("You gave %(given)s points; at most %(count)s in total.") % {
                "given": sum(points), "count": rule.max_total_points}
    return None
