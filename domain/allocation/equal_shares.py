"""The Method of Equal Shares (MES) with cost utilities, and its add-one completion.

The rule. Every voter starts with an equal share of the budget, budget / voters (empty ballots
count as voters). A project p with cost c can be bought if its supporters together still hold
at least c. Its price per supporter is the smallest q with sum_i min(b_i, q) = c, where b_i are
the supporters' current budgets: supporters with less than q pay all they have, the others pay
q. Each round buys the project with the smallest q / c (with cost utilities, the money paid per
unit of value received), and stops when no project can be bought. Ties in q / c go to the
higher score, then the lower cost, then the lower id in natural order (pabutools: the id as
plain text). Supported projects that cost nothing are taken first. This is pabutools 1.2's
`method_of_equal_shares(..., sat_class=Cost_Sat)`, including its exact rational arithmetic.

`mes-add1` is pabutools' `voter_budget_increment=1`: run MES with shares of budget / voters,
then + 1 kr, + 2 kr, ...; stop at the first outcome that is exhaustive (no supported project
left out fits in the money left) and return it, or at the first that costs more than the budget
and return the one before. No greedy fill follows.

How it is fast. Voters with the same support set form weighted classes (`profile`). Budgets are
float64 arrays and each price is found with one sort and cumulative sums (numpy). Prices only
rise as budgets shrink, so a project's last price is a lower bound on its next one; projects
are re-priced in that order and the search stops as soon as the next lower bound exceeds the
best price found (as in pabutools).

Why it is exact. Every float decision is certified, and anything that cannot be certified is
decided in exact rational arithmetic:

* E bounds |float budget - exact budget| for every class still holding money. It starts at the
  rounding of budget / voters and grows, per purchase, by the width of the certified price
  interval plus one rounding of the subtraction.
* A float price q~ is certified by evaluating g(x) = sum_i w_i min(b_i, x) - c at q~ - d and
  q~ + d with a rigorous bound on the evaluation error (the budget error W*E plus the standard
  (m+4)u bound for sums of m products, times a safety factor): g(q~ - d) < 0 < g(q~ + d) proves
  that the exact price lies in (q~ - d, q~ + d), because g is non-decreasing and the price is
  its smallest root.
* A round's winner is certain when its interval of q / c lies entirely below every other
  candidate's. Otherwise (e.g. two projects with the same number of supporters, whose ratios
  are exactly equal at the start) the contenders are priced exactly with Fractions.
* When a project is bought, a class with float budget within E + d of the price might be poor
  (pays everything) or rich (pays the price); such classes are compared exactly.
* Exact values are cheap to rebuild: a class that never ran out of money holds exactly
  share - sum of the prices of the bought projects it supports, and each price equals
  (c - money of the classes that paid everything) / (weight of the others). So the state needs
  only the exact price of each bought project, computed on demand from integer aggregates.

The test suite compares this with a plain Fraction implementation, with pabutools, and runs it
in a mode where every decision is taken exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from domain.allocation.profile import IntArray, Profile

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_U = 2.0**-53  # unit roundoff of float64
_SAFETY = 4.0  # every error bound is multiplied by this, for slack over the textbook bounds
_CERTIFY_TRIES = 3
_NEWTON_STEPS = 64
_COMPACT_BELOW = 0.75


@dataclass(frozen=True)
class MesResult:
    """One MES run: what it bought, and what each project's supporters had left at the end."""

    share: Fraction
    selected: list[int]
    prices: dict[int, float]  # approximate price per supporter, for the reasons only
    rounds: dict[int, int]
    left_with_supporters: FloatArray  # per project, float, for the reasons only
    cost: int


class MesInstance:
    """The parts of a profile MES needs, arranged once and reused by every run of mes-add1."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.size = profile.size
        self.costs = list(profile.scaled_costs)
        self.costs_f = np.array([float(c) for c in self.costs], dtype=np.float64)
        self.weights = profile.class_weights
        self.weights_f = self.weights.astype(np.float64)
        self.indptr = profile.class_indptr
        self.members = profile.class_projects
        classes = self.weights.size
        self.row_of = np.repeat(np.arange(classes, dtype=np.int64), np.diff(self.indptr))
        order = np.argsort(self.members, kind="stable")
        bounds = np.searchsorted(self.members[order], np.arange(self.size + 1))
        by_project = self.row_of[order]
        self.supporters: list[IntArray] = [
            by_project[bounds[p] : bounds[p + 1]] for p in range(self.size)
        ]
        self.supporter_weights: list[FloatArray] = [
            self.weights_f[s] for s in self.supporters
        ]
        self.support = [int(self.weights[s].sum()) for s in self.supporters]
        self.masks = _support_masks(self.indptr, self.members, self.size)
        self.support_f = [float(w) for w in self.support]
        self.costs_list_f = [float(c) for c in self.costs]
        self.max_supporters = max((s.size for s in self.supporters), default=0)
        self.free = [p for p in range(self.size) if self.support[p] > 0 and self.costs[p] == 0]
        self.free.sort(key=profile.tie_key)
        self.buyable = [p for p in range(self.size) if self.support[p] > 0 and self.costs[p] > 0]
        self.tie_keys = [profile.tie_key(p) for p in range(self.size)]
        if int(self.weights.sum()) >= 2**53 or max(self.costs, default=0) >= 2**62:
            raise ValueError("the election is too large to count exactly")


def _support_masks(indptr: IntArray, members: IntArray, size: int) -> npt.NDArray[np.uint64]:
    """One bit per project, 64 projects per word: row i has the bits of class i's projects."""
    classes = indptr.size - 1
    words = max(1, (size + 63) // 64)
    masks = np.zeros(classes * words, dtype=np.uint64)
    if members.size:
        rows = np.repeat(np.arange(classes, dtype=np.int64), np.diff(indptr))
        cell = rows * words + (members >> 6)
        bits = np.left_shift(np.uint64(1), (members & 63).astype(np.uint64))
        # Members are sorted within a class, so equal cells are adjacent and their bits
        # distinct: summing them is OR-ing them.
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        masks[cell[starts]] = np.add.reduceat(bits, starts)
    return masks.reshape(classes, words)


@dataclass
class _Price:
    project: int
    q: float  # float price per supporter
    lo: float  # certified: the exact price is in [lo, hi] ...
    hi: float
    exact: Fraction | None = None  # ... or known exactly
    certified: bool = True

    def ratio_bounds(self, cost: float) -> tuple[float, float]:
        return self.lo / cost * (1 - 4 * _U), self.hi / cost * (1 + 4 * _U)


class _PriceBook:
    """The share and the exact prices paid so far, as integers over one common denominator.

    Sums of many prices are then integer arithmetic with a single reduction at the end, which is
    far cheaper than adding Fractions one by one.
    """

    def __init__(self, share: Fraction) -> None:
        self.denominator = share.denominator
        self.share = share.numerator
        self.prices: list[int] = []
        self.fractions: list[Fraction] = []

    def append(self, price: Fraction) -> None:
        factor = price.denominator // math.gcd(self.denominator, price.denominator)
        if factor != 1:
            self.denominator *= factor
            self.share *= factor
            self.prices = [n * factor for n in self.prices]
        self.prices.append(price.numerator * (self.denominator // price.denominator))
        self.fractions.append(price)

    def money(self, weight: int, paid: list[tuple[int, int]]) -> Fraction:
        """weight * share - sum of count * price[t] for (t, count) in `paid`."""
        total = weight * self.share
        prices = self.prices
        for t, count in paid:
            total -= count * prices[t]
        return Fraction(total, self.denominator)


@dataclass
class _Run:
    instance: MesInstance
    share: Fraction
    force_exact: bool
    share_f: float = field(init=False)
    budgets: FloatArray = field(init=False)
    live: BoolArray = field(init=False)
    error: float = field(init=False)
    bought: list[int] = field(default_factory=list)
    book: _PriceBook = field(init=False)

    def __post_init__(self) -> None:
        self.book = _PriceBook(self.share)
        classes = self.instance.weights.size
        self.share_f = float(self.share)
        self.budgets = np.full(classes, self.share_f, dtype=np.float64)
        self.live = np.ones(classes, dtype=bool)
        self.error = _SAFETY * _U * self.share_f
        self._rich = np.empty(self.instance.max_supporters, dtype=np.float64)
        # Per project, the supporting classes still worth looking at; classes that ran out of
        # money are dropped now and then, as they no longer change any price.
        self.supporters = list(self.instance.supporters)
        self.supporter_weights = list(self.instance.supporter_weights)

    # ----------------------------------------------------------------- float pricing

    def price(self, project: int, start: float) -> _Price | None:
        """The certified price of `project`, or None when its supporters cannot afford it.

        `start` must not exceed the exact price (a previous price of the project will do: prices
        only rise). From there Newton's method on g(x) = sum_i w_i min(b_i, x) - c, which is
        concave and piecewise linear, climbs to the root in a few steps: each step prices the
        project as if the supporters below the current guess paid all they have.
        """
        inst = self.instance
        if self.force_exact:
            return self._exact_price(project, None)
        cls = self.supporters[project]
        b = self.budgets[cls]
        w = self.supporter_weights[project]
        live = np.count_nonzero(b)
        if live < _COMPACT_BELOW * b.size:
            keep = b > 0  # a live class always keeps a positive float budget (see buy)
            cls = self.supporters[project] = cls[keep]
            w = self.supporter_weights[project] = w[keep]
            b = b[keep]
        wb = b * w
        total = float(wb.sum())
        cost = inst.costs_list_f[project]
        weight = inst.support_f[project]
        rounding = (2 * b.size + 8) * _U * (total + cost)
        slack = _SAFETY * (weight * self.error + rounding)
        if total + slack < cost:
            return None
        if total - slack < cost:
            return self._exact_price(project, None)
        q = start
        rich_weight = -1.0
        rich = self._rich
        for _ in range(_NEWTON_STEPS):
            np.greater(b, q, out=rich[: b.size], casting="unsafe")
            mask = rich[: b.size]
            now = float(mask @ w)
            if now == rich_weight:
                break
            if now == 0.0:
                return self._price_sorted(project)
            rich_weight = now
            q = (cost - (total - float(mask @ wb))) / rich_weight
        else:
            return self._price_sorted(project)
        # Certificate: if no budget is within error + delta of q, the supporters below q are
        # exactly the ones who pay everything, and the exact price is within delta of q.
        delta = _SAFETY * (((weight - rich_weight) * self.error + rounding) / rich_weight
                           + 2 * _U * q)
        if float(np.abs(b - q).min()) > self.error + delta:
            return _Price(project, q, q - delta, q + delta)
        return self._price_sorted(project)

    def _price_sorted(self, project: int) -> _Price | None:
        """The price by sorting the supporters' budgets; certifies it by bracketing g's root."""
        inst = self.instance
        b = self.budgets[self.supporters[project]]
        order = np.argsort(b)
        bs = b[order]
        ws = self.supporter_weights[project][order]
        paid = bs * ws
        cum_paid = np.cumsum(paid)
        cum_w = np.cumsum(ws)
        weight = float(cum_w[-1])
        cost = inst.costs_list_f[project]
        m = bs.size
        before_paid = cum_paid - paid
        before_w = cum_w - ws
        # Supporter j is the first to pay the full price when everyone before pays all they have.
        enough = before_paid + bs * (weight - before_w) >= cost
        j = int(np.argmax(enough)) if bool(enough.any()) else m - 1
        rich = weight - float(before_w[j])
        q = (cost - float(before_paid[j])) / rich
        return self._certify(project, q, rich, bs, cum_paid, cum_w, weight, cost)

    def _certify(
        self,
        project: int,
        q: float,
        rich: float,
        bs: FloatArray,
        cum_paid: FloatArray,
        cum_w: FloatArray,
        weight: float,
        cost: float,
    ) -> _Price | None:
        m = bs.size
        error = self.error

        def excess(x: float) -> tuple[float, float]:
            """g(x) in floats, and a bound on its error against exact budgets."""
            k = int(np.searchsorted(bs, x, side="left"))
            below_paid = float(cum_paid[k - 1]) if k else 0.0
            below_w = float(cum_w[k - 1]) if k else 0.0
            value = below_paid + x * (weight - below_w) - cost
            # Only a class whose budget may lie below x contributes a budget error:
            # above x both the float and the exact term are x.
            near = int(np.searchsorted(bs, x + error, side="left"))
            exposed = float(cum_w[near - 1]) if near else 0.0
            bound = _SAFETY * (
                exposed * error + (m + 4) * _U * (below_paid + abs(x) * weight + cost)
            )
            return value, bound

        _, bound = excess(q)
        delta = 2 * bound / max(rich, 1.0) + _SAFETY * _U * abs(q)
        for _ in range(_CERTIFY_TRIES):
            low_value, low_bound = excess(q - delta)
            high_value, high_bound = excess(q + delta)
            if low_value < -low_bound and high_value > high_bound:
                return _Price(project, q, q - delta, q + delta)
            delta *= 16
        return self._exact_price(project, None)

    # ----------------------------------------------------------------- exact arithmetic

    def _paid(self, classes: IntArray) -> npt.NDArray[np.uint64]:
        """For each of `classes` (live) and each bought project, 1 if the class paid for it.

        A live class has never paid everything, so it paid for exactly the bought projects it
        supports: the bits of its support mask.
        """
        inst = self.instance
        words = np.array([p >> 6 for p in self.bought], dtype=np.int64)
        shifts = np.array([p & 63 for p in self.bought], dtype=np.uint64)
        masks = inst.masks[classes][:, words]
        return np.right_shift(masks, shifts) & np.uint64(1)

    def _exact_money(self, classes: IntArray) -> Fraction:
        """Exactly what the live `classes` hold together: weight * share - what they paid."""
        if classes.size == 0:
            return Fraction(0)
        inst = self.instance
        weights = inst.weights_f[classes]
        weight = int(weights.sum())
        if not self.bought:
            return weight * self.share
        paid_by = weights @ self._paid(classes)
        paid = [(t, round(count)) for t, count in enumerate(paid_by.tolist()) if count]
        return self.book.money(weight, paid)

    def _exact_budget_groups(self, classes: IntArray) -> tuple[IntArray, list[Fraction]]:
        """Group live `classes` by which bought projects they paid for; exact budget per group."""
        if classes.size == 0:
            return np.zeros(0, dtype=np.int64), []
        if not self.bought:
            return np.zeros(classes.size, dtype=np.int64), [self.share]
        table = self._paid(classes)
        _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
        budgets = [
            self.book.money(1, [(t, 1) for t in np.flatnonzero(table[row]).tolist()])
            for row in first.tolist()
        ]
        return inverse.reshape(-1).astype(np.int64), budgets

    def _exact_price(self, project: int, hint: _Price | None) -> _Price | None:
        """The exact price; `hint` (a certified interval) lets most supporters skip exactness."""
        inst = self.instance
        cls = self.supporters[project]
        cls = cls[self.live[cls]]
        weights = inst.weights[cls]
        total_weight = int(weights.sum())
        cost = inst.costs[project]
        if hint is not None:
            b = self.budgets[cls]
            surely_poor = b + self.error < hint.lo
            unsure = ~surely_poor & ~(b - self.error > hint.hi)
        else:
            surely_poor = np.zeros(cls.size, dtype=bool)
            unsure = np.ones(cls.size, dtype=bool)
        poor_money = self._exact_money(cls[surely_poor])
        poor_weight = int(weights[surely_poor].sum())
        groups, budgets = self._exact_budget_groups(cls[unsure])
        group_weights = np.bincount(
            groups, weights=weights[unsure].astype(np.float64), minlength=len(budgets)
        )
        ranked = sorted((budgets[g], round(float(group_weights[g]))) for g in range(len(budgets)))
        if hint is None:
            available = poor_money + sum((b * w for b, w in ranked), Fraction(0))
            if available < cost:
                return None
        for budget, weight in ranked:
            if total_weight == poor_weight:
                break
            if budget < (cost - poor_money) / (total_weight - poor_weight):
                poor_money += budget * weight
                poor_weight += weight
            else:
                break
        if total_weight == poor_weight:
            return None
        exact = (cost - poor_money) / (total_weight - poor_weight)
        q = float(exact)
        return _Price(project, q, q * (1 - 2 * _U), q * (1 + 2 * _U), exact=exact)

    # ----------------------------------------------------------------- buying

    def buy(self, price: _Price) -> IntArray:
        """Charge the supporters of `price.project`, with its price known exactly first, so
        that float budgets stay within a few roundings of the exact ones. Returns the classes
        whose budgets changed."""
        inst = self.instance
        project = price.project
        cls = self.supporters[project]
        cls = cls[self.live[cls]]
        weights = inst.weights[cls]
        b = self.budgets[cls]
        if self.force_exact and price.exact is None:
            exact_price = self._exact_price(project, None)
            assert exact_price is not None
            price = exact_price
        if self.force_exact:
            poor = np.zeros(cls.size, dtype=bool)
            unsure = np.ones(cls.size, dtype=bool)
        else:
            poor = b + self.error < price.lo
            unsure = ~poor & ~(b - self.error > price.hi)
        emptied = poor.copy()
        if bool(unsure.any()):
            if price.exact is None:
                exact_price = self._exact_price(project, price)
                assert exact_price is not None
                price = exact_price
            exact = price.exact
            assert exact is not None
            unsure_idx = np.flatnonzero(unsure)
            groups, budgets = self._exact_budget_groups(cls[unsure_idx])
            below = np.array([budget < exact for budget in budgets], dtype=bool)
            equal = np.array([budget == exact for budget in budgets], dtype=bool)
            poor[unsure_idx[below[groups]]] = True
            emptied[unsure_idx[below[groups] | equal[groups]]] = True
        else:
            # Every supporter is surely poor or surely rich: the price follows directly.
            poor_weight = int(weights[poor].sum())
            exact = (inst.costs[project] - self._exact_money(cls[poor])) / (
                int(weights.sum()) - poor_weight
            )
        self.bought.append(project)
        self.book.append(exact)
        q = float(exact)
        self.budgets[cls[~emptied]] -= q
        gone = cls[emptied]
        self.budgets[gone] = 0.0
        self.live[gone] = False
        # A budget is share - (sum of rounded exact prices), each subtraction rounded once.
        self.error += 2 * _SAFETY * _U * self.share_f
        return cls


def run_mes(instance: MesInstance, share: Fraction, *, force_exact: bool = False) -> MesResult:
    """One run of MES with every voter starting at `share` (in scaled money units)."""
    run = _Run(instance, share, force_exact)
    costs_f = instance.costs_f
    remaining = set(instance.buyable)
    # 1 / (number of supporters) is the price ratio when everyone can pay: a lower bound.
    lower = {
        p: (1.0 / instance.support[p]) * (1 - 4 * _U) for p in remaining
    }
    selected = list(instance.free)
    prices: dict[int, float] = {}
    rounds: dict[int, int] = {}
    round_no = 0
    while remaining:
        best_hi = math.inf
        evaluated: list[tuple[_Price, float, float]] = []
        for p in sorted(remaining, key=lower.__getitem__):
            if lower[p] > best_hi:
                break
            price = run.price(p, lower[p] * costs_f[p])
            if price is None:
                remaining.discard(p)
                continue
            lo, hi = price.ratio_bounds(float(costs_f[p]))
            lower[p] = max(lower[p], lo)
            evaluated.append((price, lo, hi))
            best_hi = min(best_hi, hi)
        if not evaluated:
            break
        contenders = [price for price, lo, _ in evaluated if lo <= best_hi]
        if len(contenders) == 1:
            winner = contenders[0]
        else:
            exact_prices: list[_Price] = []
            for price in contenders:
                if price.exact is None:
                    exact_price = run._exact_price(price.project, price)
                    assert exact_price is not None
                    price = exact_price
                exact_prices.append(price)
            winner = min(exact_prices, key=lambda pr: _exact_order(instance, pr))
        round_no += 1
        run.buy(winner)
        remaining.discard(winner.project)
        selected.append(winner.project)
        prices[winner.project] = winner.q
        rounds[winner.project] = round_no
    spent = sum(instance.costs[p] for p in selected)
    left = np.bincount(
        instance.members,
        weights=(run.budgets * instance.weights_f)[instance.row_of],
        minlength=instance.size,
    )
    return MesResult(share, selected, prices, rounds, left, spent)


def _exact_order(instance: MesInstance, price: _Price) -> tuple[Fraction, tuple[object, ...]]:
    assert price.exact is not None
    return price.exact / instance.costs[price.project], instance.tie_keys[price.project]


def run_mes_add1(
    instance: MesInstance, *, force_exact: bool = False
) -> tuple[MesResult, int]:
    """mes-add1: the accepted run and how many whole units were added to each share."""
    profile = instance.profile
    voters = profile.voters
    budget = profile.scaled_budget
    if voters == 0:
        return _empty_result(instance), 0
    base = Fraction(budget, voters)
    step = profile.scale  # one whole unit of money (1 kr) in scaled units
    previous = _free_only_result(instance, base)
    added = 0
    while True:
        result = run_mes(instance, base + added * step, force_exact=force_exact)
        if result.cost > budget:
            return previous, max(added - 1, 0)
        left = budget - result.cost
        chosen = set(result.selected)
        if all(
            instance.costs[p] > left for p in instance.buyable if p not in chosen
        ):
            return result, added
        previous = result
        added += 1


def _empty_result(instance: MesInstance) -> MesResult:
    return MesResult(Fraction(0), [], {}, {}, np.zeros(instance.size), 0)


def _free_only_result(instance: MesInstance, share: Fraction) -> MesResult:
    return MesResult(share, list(instance.free), {}, {}, np.zeros(instance.size), 0)
