"""The Method of Equal Shares (MES) with cost utilities, and its add-one completion.

The rule. Every voter starts with an equal share of the budget, budget / voters (empty ballots
count as voters). A project p with cost c can be bought if its supporters together still hold
at least c. Its price per supporter is the smallest q with sum_i min(b_i, q) = c, where b_i are
the supporters' current budgets: supporters with less than q pay all they have, the others pay
q. Each round buys the project with the smallest q / c (with cost utilities, the money paid per
unit of value received), and stops when no project can be bought. Ties in q / c go to the
higher score, then the lower cost, then the lower id in natural order (pabutools: the id as
plain text). A project that costs nothing is worth nothing under cost utilities and is never
bought (pabutools leaves it out the same way). This is pabutools 1.2's
`method_of_equal_shares(..., sat_class=Cost_Sat)`, including its exact rational arithmetic.

`mes-add1` is pabutools' `voter_budget_increment=1`: run MES with shares of budget / voters,
then + 1 kr, + 2 kr, ...; stop at the first outcome that is exhaustive (no supported project
left out fits in the money left) and return it, or at the first that costs more than the budget
and return the one before. No greedy fill follows.

How it is fast. Voters with the same support set form weighted classes (`profile`), and MES
works on classes. Budgets are float64 arrays. A price is found by Newton's method on
g(x) = sum_i w_i min(b_i, x) - c, started from the project's previous price: g is concave and
piecewise linear, so each step is exact once it knows which supporters pay everything, and two
or three vectorised steps suffice. Prices only rise as budgets shrink, so a project's last
price is a lower bound on its next one; projects are re-priced in that order and a round ends
as soon as the next lower bound exceeds the best price found (as in pabutools). Before a
candidate is priced in full, a single evaluation of g at the best price so far usually proves
it dearer (and gives it a better lower bound). Supporters that ran out of money are dropped
from the arrays. mes-add1 reuses the arranged instance for each of its runs, and each run
prices first the project that the previous run bought in the same round, which is usually the
winner again.

Why it is exact. Every decision taken in floating point is certified by a rigorous error bound
(each bound multiplied by a safety factor of 4, which also covers the rounding of the
comparisons themselves); anything that cannot be certified is decided in exact rational
arithmetic.

* Each bought project's price is made exact before anyone pays it, and the float budgets are
  charged the correctly rounded exact price. A float budget is then share - the sum of rounded
  exact prices, one rounding per subtraction, so |float - exact| <= E = (1 + 2t) u share after
  t purchases (u = 2**-53): errors never compound from round to round.
* Newton's float price q~ splits the supporters into P (budget <= q~, paying everything) and
  the rest. If no float budget lies within E + d of q~, where d bounds the error of q~ (from
  weight(P) * E and the rounding of the sums), then the exact budgets of P, and only those, are
  below the exact price, which is therefore within d of q~. Otherwise the price is found by
  sorting and bracketing: g(q~ - d) < 0 < g(q~ + d), with g evaluated under a rigorous error
  bound, proves the exact price lies between (g is non-decreasing and the price is its smallest
  root). If that fails too, the price is computed exactly.
* Affordability (sum of supporters' budgets >= cost) is decided in floats only with a margin of
  weight * E plus the rounding of the sum, else exactly.
* A round's winner is certain when its interval for q / c lies below every other candidate's.
  Otherwise (e.g. two projects with the same number of supporters: their ratios are exactly
  equal at the start) the contenders are priced exactly and true ties go to the tie-break order.
* When a project is bought, a class whose float budget is within E of the price interval might
  pay everything or pay the price; such classes are compared exactly.
* Exact values are cheap: a class that never ran out of money holds exactly share - the sum of
  the exact prices of the bought projects it supports (its support bitmask), so the money of any
  set of such classes is an integer combination of the share and the prices, which are kept as
  integers over one common denominator.

The test suite compares this with a plain Fraction implementation, with pabutools, and runs it
in a mode where every decision is taken exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from domain.allocation.profile import IntArray, Profile, bit_rows, group_rows

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_U = 2.0**-53  # unit roundoff of float64
_SAFETY = 4.0  # every error bound is multiplied by this, for slack over the textbook bounds
_CERTIFY_TRIES = 3
_NEWTON_STEPS = 64
_COMPACT_BELOW = 0.75
_BLAS_SINGLE_THREAD_BELOW = 8192
_DENSE_LIMIT = 1 << 18  # classes x purchases up to which a dense table is the faster way


def _dot(a: FloatArray, b: FloatArray) -> float:
    # BLAS spreads long dot products over threads, which stall when the cores are busy (as with
    # several service workers on one machine); einsum stays on the calling thread. Short ones
    # are single-threaded in BLAS anyway, and faster there.
    if a.size < _BLAS_SINGLE_THREAD_BELOW:
        return float(a @ b)
    return float(np.einsum("i,i->", a, b))


@dataclass(frozen=True)
class MesResult:
    """One MES run: what it bought, at which price, and the state it ended in."""

    share: Fraction
    selected: list[int]
    prices: dict[int, Fraction]  # exact price per paying supporter
    rounds: dict[int, int]
    cost: int
    # A bought project -> the projects it tied with on price; the tie-break order decided.
    tied: dict[int, list[int]] = field(default_factory=dict)
    end: _Run | None = field(default=None, repr=False)

    def money_left_floor(self, project: int, unit: Fraction) -> int:
        """What the project's supporters held together at the end, in whole `unit`s, rounded
        down, exactly."""
        if self.end is None:
            return 0
        return self.end.money_left_floor(project, unit)


@dataclass(frozen=True)
class Add1Result:
    result: MesResult  # the accepted run
    added: int  # whole units of money added to every share in that run
    runs: int  # MES runs made, the rejected last one included
    ties: int  # rounds, over all runs, decided by the tie-break order


class MesInstance:
    """The parts of a profile MES needs, arranged once and reused by every run of mes-add1."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.size = profile.size
        self.costs = list(profile.scaled_costs)
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
        self.masks = bit_rows(self.row_of, self.members, classes, self.size)
        self.support_f = [float(w) for w in self.support]
        self.costs_list_f = [float(c) for c in self.costs]
        self.max_supporters = max((s.size for s in self.supporters), default=0)
        self.buyable = [p for p in range(self.size) if self.support[p] > 0 and self.costs[p] > 0]
        # Projects each project excludes (Election.incompatible): buying one takes the others
        # out of what can still be bought.
        self.conflicts: dict[int, frozenset[int]] = {}
        self.tie_keys = [profile.tie_key(p) for p in range(self.size)]
        if int(self.weights.sum()) >= 2**53:
            # Weights are summed in float64, which is exact only below 2**53.
            raise ValueError("the election has too many voters to count exactly")


@dataclass
class _Price:
    project: int
    q: float  # float price per supporter
    lo: float  # certified: the exact price is in [lo, hi] ...
    hi: float
    exact: Fraction | None = None  # ... or known exactly

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
            now = _dot(mask, w)
            if now == rich_weight:
                break
            if now == 0.0:
                return self._price_sorted(project)
            rich_weight = now
            q = (cost - (total - _dot(mask, wb))) / rich_weight
        else:
            return self._price_sorted(project)
        # Certificate: if no budget is within error + delta of q, the supporters below q are
        # exactly the ones who pay everything, and the exact price is within delta of q.
        delta = _SAFETY * (((weight - rich_weight) * self.error + rounding) / rich_weight
                           + 2 * _U * q)
        if float(np.abs(b - q).min()) > self.error + delta + _U * (abs(q) + self.share_f):
            return _Price(project, q, q - delta, q + delta)
        return self._price_sorted(project)

    def dearer_than(self, project: int, ratio: float) -> float | None:
        """A lower bound above `ratio` on the project's price per unit of cost, if one is found
        by a single evaluation of g at x = ratio * cost; None if the price may be lower.

        g(x) < 0 means the supporters cannot pay x each, so the price exceeds x; and since g
        rises from there no faster than the weight W of the supporters holding more than x,
        the price is at least x - g(x) / W. Much cheaper than pricing the project.
        """
        if self.force_exact:
            return None
        inst = self.instance
        b = self.budgets[self.supporters[project]]
        w = self.supporter_weights[project]
        cost = inst.costs_list_f[project]
        x = ratio * cost * (1 + 4 * _U)
        paid = _dot(np.minimum(b, x), w)
        weight = inst.support_f[project]
        bound = _SAFETY * (weight * self.error + (b.size + 4) * _U * (paid + cost + x * weight))
        shortfall = cost - paid - bound  # a lower bound on -g(x)
        if shortfall <= 0:
            return None
        # Classes whose float budget is within the error of x may hold more than x: count them.
        above = self._rich[: b.size]
        np.greater(b, x - self.error, out=above, casting="unsafe")
        slope = max(_dot(above, w), 1.0)
        return (x + shortfall / slope) / cost * (1 - 4 * _U)

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

    def _paid_entries(self, classes: IntArray) -> tuple[IntArray, IntArray]:
        """(position in `classes`, purchase number) for every bought project each of the live
        `classes` paid for. A live class never paid everything, so it paid for exactly the
        bought projects it supports. Entries are sorted by class, then purchase."""
        inst = self.instance
        if classes.size * len(self.bought) <= _DENSE_LIMIT:
            words = np.array([p >> 6 for p in self.bought], dtype=np.int64)
            shifts = np.array([p & 63 for p in self.bought], dtype=np.uint64)
            bits = np.right_shift(inst.masks[classes][:, words], shifts) & np.uint64(1)
            local, purchase = np.nonzero(bits)
            return local.astype(np.int64), purchase.astype(np.int64)
        # Large sets: walk the classes' own project lists instead of a classes x purchases
        # table, so memory stays proportional to the ballots.
        starts = inst.indptr[classes]
        lengths = inst.indptr[classes + 1] - starts
        offsets = np.cumsum(lengths) - lengths
        entries = np.repeat(starts - offsets, lengths) + np.arange(
            int(lengths.sum()), dtype=np.int64
        )
        local = np.repeat(np.arange(classes.size, dtype=np.int64), lengths)
        position = np.full(inst.size, -1, dtype=np.int64)
        position[np.array(self.bought, dtype=np.int64)] = np.arange(len(self.bought))
        purchase = position[inst.members[entries]]
        keep = purchase >= 0
        local, purchase = local[keep], purchase[keep]
        order = np.lexsort((purchase, local))
        return local[order], purchase[order]

    def _exact_money(self, classes: IntArray) -> Fraction:
        """Exactly what the live `classes` hold together: weight * share - what they paid."""
        if classes.size == 0:
            return Fraction(0)
        inst = self.instance
        weights = inst.weights_f[classes]
        weight = int(weights.sum())
        if not self.bought:
            return weight * self.share
        local, purchase = self._paid_entries(classes)
        paid_by = np.bincount(purchase, weights=weights[local], minlength=len(self.bought))
        paid = [(t, round(count)) for t, count in enumerate(paid_by.tolist()) if count]
        return self.book.money(weight, paid)

    def money_left_floor(self, project: int, unit: Fraction) -> int:
        """floor(money the project's supporters hold / unit), exactly; usually from floats."""
        cls = self.supporters[project]
        b = self.budgets[cls]
        money = _dot(b, self.supporter_weights[project])
        bound = _SAFETY * (self.instance.support_f[project] * self.error
                           + (b.size + 4) * _U * money) + _U * money
        unit_f = float(unit)
        low, high = (money - bound) / unit_f, (money + bound) / unit_f
        whole = math.floor(low)
        # Certain when both ends fall, with room for the division's rounding, in one unit.
        margin = 1e-9 * max(1.0, abs(high))
        if low - whole > margin and whole + 1 - high > margin:
            return whole
        return math.floor(self._exact_money(cls[self.live[cls]]) / unit)

    def _exact_budget_groups(self, classes: IntArray) -> tuple[IntArray, list[Fraction]]:
        """Group live `classes` by which bought projects they paid for; exact budget per group."""
        if classes.size == 0:
            return np.zeros(0, dtype=np.int64), []
        if not self.bought:
            return np.zeros(classes.size, dtype=np.int64), [self.share]
        local, purchase = self._paid_entries(classes)
        table = bit_rows(local, purchase, classes.size, len(self.bought))
        first, inverse = group_rows(table)
        budgets = []
        for row in first.tolist():
            paid: list[tuple[int, int]] = []
            for word, bits in enumerate(table[row].tolist()):
                while bits:
                    low = bits & -bits
                    paid.append((word * 64 + low.bit_length() - 1, 1))
                    bits ^= low
            budgets.append(self.book.money(1, paid))
        return inverse, budgets

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

    def buy(self, price: _Price) -> None:
        """Charge the supporters of `price.project`, with its price made exact first, so that
        float budgets stay within a few roundings of the exact ones."""
        inst = self.instance
        project = price.project
        cls = self.supporters[project]
        cls = cls[self.live[cls]]
        b = self.budgets[cls]
        if self.force_exact:
            poor = np.zeros(cls.size, dtype=bool)
            rich = np.zeros(cls.size, dtype=bool)
        else:
            poor = b + self.error < price.lo
            rich = b - self.error > price.hi
        poor_count = int(np.count_nonzero(poor))
        if poor_count + int(np.count_nonzero(rich)) < cls.size:
            # Some supporters are within the error of the price: compare them exactly.
            if price.exact is None:
                exact_price = self._exact_price(project, None if self.force_exact else price)
                assert exact_price is not None
                price = exact_price
            exact = price.exact
            assert exact is not None
            unsure_idx = np.flatnonzero(~poor & ~rich)
            groups, budgets = self._exact_budget_groups(cls[unsure_idx])
            below = np.array([budget < exact for budget in budgets], dtype=bool)
            equal = np.array([budget == exact for budget in budgets], dtype=bool)
            emptied = poor.copy()
            emptied[unsure_idx[below[groups] | equal[groups]]] = True
        else:
            # Every supporter surely pays all it has or surely pays the price: the exact price
            # follows from the money of the first kind.
            weights = inst.weights_f[cls]
            poor_money = self._exact_money(cls[poor]) if poor_count else Fraction(0)
            rich_weight = round(float(weights.sum()) - float(weights[poor].sum()))
            exact = (inst.costs[project] - poor_money) / rich_weight
            emptied = poor
        self.bought.append(project)
        self.book.append(exact)
        b -= float(exact)
        b[emptied] = 0.0
        self.budgets[cls] = b
        self.live[cls[emptied]] = False
        # A budget is share - (sum of rounded exact prices), each subtraction rounded once.
        self.error += 2 * _SAFETY * _U * self.share_f


def run_mes(
    instance: MesInstance,
    share: Fraction,
    *,
    force_exact: bool = False,
    guess: list[int] | None = None,
) -> MesResult:
    """One run of MES with every voter starting at `share` (in scaled money units).

    `guess` (the order in which a similar run bought) only changes which project is priced
    first in each round: a good first price lets the others be ruled out cheaply.
    """
    run = _Run(instance, share, force_exact)
    costs_f = instance.costs_list_f
    remaining = set(instance.buyable)
    # 1 / (number of supporters) is the price ratio when everyone can pay: a lower bound.
    lower = {p: (1.0 / instance.support[p]) * (1 - 4 * _U) for p in remaining}
    selected: list[int] = []
    prices: dict[int, Fraction] = {}
    rounds: dict[int, int] = {}
    tied: dict[int, list[int]] = {}
    round_no = 0
    while remaining:
        best_hi = math.inf
        evaluated: list[tuple[_Price, float, float]] = []
        order = sorted(remaining, key=lower.__getitem__)
        if guess is not None and round_no < len(guess) and guess[round_no] in remaining:
            order.remove(guess[round_no])
            order.insert(0, guess[round_no])
        for p in order:
            if lower[p] > best_hi:
                break
            if best_hi < math.inf:
                bound = run.dearer_than(p, best_hi)
                if bound is not None:
                    lower[p] = max(lower[p], bound)
                    continue
            price = run.price(p, lower[p] * costs_f[p])
            if price is None:
                remaining.discard(p)
                continue
            lo, hi = price.ratio_bounds(costs_f[p])
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
            best = _exact_order(instance, winner)[0]
            others = sorted(
                (
                    pr.project
                    for pr in exact_prices
                    if pr is not winner and _exact_order(instance, pr)[0] == best
                ),
                key=instance.tie_keys.__getitem__,
            )
            if others:
                tied[winner.project] = others
        round_no += 1
        run.buy(winner)
        remaining.discard(winner.project)
        remaining.difference_update(instance.conflicts.get(winner.project, ()))
        selected.append(winner.project)
        prices[winner.project] = run.book.fractions[-1]
        rounds[winner.project] = round_no
    spent = sum(instance.costs[p] for p in selected)
    return MesResult(share, selected, prices, rounds, spent, tied, run)


def _exact_order(instance: MesInstance, price: _Price) -> tuple[Fraction, tuple[object, ...]]:
    assert price.exact is not None
    return price.exact / instance.costs[price.project], instance.tie_keys[price.project]


def run_mes_add1(instance: MesInstance, *, force_exact: bool = False) -> Add1Result:
    """mes-add1: MES with shares raised by 1 kr at a time, as pabutools does it."""
    profile = instance.profile
    voters = profile.voters
    budget = profile.scaled_budget
    if voters == 0:
        return Add1Result(_empty_result(instance), 0, 0, 0)
    base = Fraction(budget, voters)
    step = profile.scale  # one whole unit of money (1 kr) in scaled units
    previous = _empty_result(instance)
    added = 0
    ties = 0
    while True:
        result = run_mes(
            instance, base + added * step, force_exact=force_exact, guess=previous.selected
        )
        ties += len(result.tied)
        if result.cost > budget:
            return Add1Result(previous, max(added - 1, 0), added + 1, ties)
        left = budget - result.cost
        chosen = set(result.selected)
        if all(instance.costs[p] > left for p in instance.buyable
               if p not in chosen and not instance.conflicts.get(p, frozenset()) & chosen):
            return Add1Result(result, added, added + 1, ties)
        previous = result
        added += 1


def _empty_result(instance: MesInstance) -> MesResult:
    return MesResult(Fraction(0), [], {}, {}, 0)
