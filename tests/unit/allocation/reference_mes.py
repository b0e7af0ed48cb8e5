"""A deliberately plain Method of Equal Shares: one voter at a time, Fractions throughout.

The test suite checks the fast implementation against this one. It follows the textbook
definition (equalshares.net) with cost utilities: each round buys the affordable project with
the lowest price per unit of cost, ties to the documented order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction


def price(budgets: Sequence[Fraction], cost: int | Fraction) -> Fraction | None:
    """The smallest q with sum(min(b, q)) == cost, or None if the budgets do not reach it."""
    if sum(budgets, Fraction(0)) < cost:
        return None
    ordered = sorted(budgets)
    paid = Fraction(0)
    for j, budget in enumerate(ordered):
        q = (cost - paid) / (len(ordered) - j)
        if q <= budget:
            return q
        paid += budget
    raise AssertionError("unreachable: the budgets cover the cost")


def reference_mes(
    costs: Sequence[Fraction],
    supports: Sequence[frozenset[int]],
    share: Fraction,
    order: Callable[[int], object],
) -> tuple[list[int], list[Fraction]]:
    """Selected projects in order, and every voter's budget at the end."""
    budgets = [share] * len(supports)
    supporters = {
        p: [i for i, s in enumerate(supports) if p in s] for p in range(len(costs))
    }
    # A free project is worth nothing under cost utilities: never bought.
    remaining = {p for p in supporters if supporters[p] and costs[p] > 0}
    selected: list[int] = []
    while True:
        best: tuple[tuple[Fraction, object], int, Fraction] | None = None
        for p in sorted(remaining):
            q = price([budgets[i] for i in supporters[p]], costs[p])
            if q is None:
                continue
            key = (q / costs[p], order(p))
            if best is None or key < best[0]:
                best = (key, p, q)
        if best is None:
            return selected, budgets
        _, p, q = best
        for i in supporters[p]:
            budgets[i] -= min(budgets[i], q)
        remaining.discard(p)
        selected.append(p)


def reference_mes_add1(
    costs: Sequence[Fraction],
    supports: Sequence[frozenset[int]],
    budget: Fraction,
    order: Callable[[int], object],
) -> list[int]:
    """pabutools' voter_budget_increment=1 loop over `reference_mes`."""
    voters = len(supports)
    if voters == 0:
        return []
    share = Fraction(budget) / voters
    buyable = [p for p in range(len(costs)) if costs[p] > 0 and any(p in s for s in supports)]
    previous: list[int] = []
    while True:
        selected, _ = reference_mes(costs, supports, share, order)
        spent = sum((costs[p] for p in selected), Fraction(0))
        if spent > budget:
            return previous
        if all(costs[p] > budget - spent for p in buyable if p not in selected):
            return selected
        previous = selected
        share += 1
