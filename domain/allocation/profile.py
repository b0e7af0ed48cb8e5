"""The ballots of an Election in numeric form, as the rules consume them.

Money becomes integers: every cost and the budget are multiplied by 10**d, where d is the
largest number of decimal places among them, so all sums and comparisons of money are exact.

Voters whose ballots support the same set of projects (see `scoring`) form one *class* with a
weight; MES works on classes instead of single voters, which is exact because voters with equal
support sets start with equal budgets and always pay the same. Classes are ordered by their
content, not by the order in which ballots were cast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

from domain.allocation.election import (
    DEFAULT_TIE_BREAK,
    POINT_TYPES,
    CompactBallots,
    Election,
    exact_parts,
    natural_key,
)
from domain.allocation.reasons import MINOR_PLACES
from domain.allocation.scoring import (
    IndexKey,
    PointsKey,
    approval_key,
    cumulative_key,
    ordinal_key,
    positional_points,
)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Profile:
    ids: tuple[str, ...]
    costs: tuple[Decimal, ...]
    scaled_costs: tuple[int, ...]
    scaled_budget: int
    scale: int
    voters: int
    scores: tuple[int, ...]
    # Voters whose ballot supports the project in the MES sense (lists it; cumulative: with
    # positive points).
    supporters: tuple[int, ...]
    class_weights: IntArray
    class_indptr: IntArray
    class_projects: IntArray
    tie_break: str = DEFAULT_TIE_BREAK
    tie_ids: tuple[str, ...] = ()  # what `project-id` compares (each project's `tie_id` or id)

    @property
    def size(self) -> int:
        return len(self.ids)

    def tie_key(self, project: int) -> tuple[object, ...]:
        """The documented order among equals: the higher score, then the tie-break: lower cost
        then natural id (lower-cost), the id as text (project-id), or the project's place in
        the election's list (file-order)."""
        if self.tie_break == "project-id":
            return (-self.scores[project], (self.tie_ids or self.ids)[project])
        if self.tie_break == "file-order":
            return (-self.scores[project], project)
        return (-self.scores[project], self.scaled_costs[project], natural_key(self.ids[project]))

    @property
    def places(self) -> int:
        """Decimal places of the amounts reasons give: minor units, or the finer decimals an
        imported file's amounts have."""
        return max(MINOR_PLACES, len(str(self.scale)) - 1)

    def money(self, scaled: int) -> Decimal:
        """Scaled integer money back to an exact Decimal (built from text: no rounding)."""
        places = len(str(self.scale)) - 1
        return Decimal(f"{scaled}e-{places}") if places else Decimal(scaled)


def _decimal_places(amount: Decimal) -> int:
    return max(0, -exact_parts(amount)[1])


def _scaled(amount: Decimal, places: int) -> int:
    mantissa, exponent = exact_parts(amount)
    return int(mantissa * 10 ** (exponent + places))  # >= 0: places covers every amount


def profile_of(election: Election) -> Profile:
    """The election's ballots in numeric form, built once (and validated) on first use. Kept
    on the election, which never changes, so every rule counting it shares one."""
    built: Profile | None = election.__dict__.get(_PROFILE)
    if built is None:
        built = build_profile(election)
        object.__setattr__(election, _PROFILE, built)  # the election is frozen, not its cache
    return built


_PROFILE = "_profile"


def build_profile(election: Election) -> Profile:
    projects = list(election.projects)
    ids = tuple(p.id for p in projects)
    costs = tuple(p.cost for p in projects)
    places = max([_decimal_places(c) for c in costs] + [_decimal_places(election.budget)])
    scaled_costs = tuple(_scaled(c, places) for c in costs)
    scaled_budget = _scaled(election.budget, places)
    ballots = election.ballots
    if not isinstance(ballots, CompactBallots) and election.vote_type in ("approval", "choose-1"):
        ballots = _as_arrays(ballots, ids) or ballots
    if isinstance(ballots, CompactBallots):
        voters, scores, supporters, weights, indptr, members = _compact_classes(
            ballots, ids, choose_one=election.vote_type == "choose-1"
        )
    else:
        voters, scores, support = _python_classes(election, ids)
        weights, indptr, members, supporters = _class_arrays(support, len(ids))
        if not scores:
            scores = supporters
    return Profile(
        ids=ids,
        costs=costs,
        scaled_costs=scaled_costs,
        scaled_budget=scaled_budget,
        scale=10**places,
        voters=voters,
        scores=scores,
        supporters=supporters,
        class_weights=weights,
        class_indptr=indptr,
        class_projects=members,
        tie_break=election.tie_break,
        tie_ids=tuple(p.tie_id or p.id for p in election.projects),
    )


def _as_arrays(ballots: Sequence[Sequence[str]], ids: tuple[str, ...]) -> CompactBallots | None:
    """Approval ballots as arrays (each distinct ballot once, with its count), to count them
    vectorised; None if some ballot is invalid, and the slower path then words the error."""
    index_of = {pid: i for i, pid in enumerate(ids)}
    if any(map(isinstance, ballots, repeat(str))):
        return None
    try:
        distinct = Counter(map(tuple, ballots))
        lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
        indices = np.fromiter(
            map(index_of.__getitem__, chain.from_iterable(distinct)),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
    except (KeyError, TypeError):
        return None
    counts = np.fromiter(distinct.values(), dtype=np.int64, count=len(distinct))
    indptr = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return CompactBallots(ids, indptr, indices, counts)


def _python_classes(
    election: Election, ids: tuple[str, ...]
) -> tuple[int, tuple[int, ...], dict[IndexKey, int]]:
    index_of = {pid: i for i, pid in enumerate(ids)}
    scores = [0] * len(ids)
    support: dict[IndexKey, int] = {}
    ballots = election.ballots
    if any(isinstance(ballot, str) for ballot in ballots):
        n = next(n for n, ballot in enumerate(ballots) if isinstance(ballot, str))
        raise ValueError(f"ballot {n + 1}: must be a sequence of project ids, not a string")
    # Identical ballots are normalised once: real elections repeat ballots a lot.
    if election.vote_type in POINT_TYPES:  # scoring ballots count as cumulative ones do
        points: Sequence[Sequence[int]] = election.points or ()
        pairs_of = list(zip(map(tuple, ballots), map(tuple, points), strict=True))
        given: dict[PointsKey, int] = {}
        for raw, weight in Counter(pairs_of).items():
            try:
                pairs = cumulative_key(raw[0], raw[1], index_of)
            except ValueError as error:
                raise ValueError(f"ballot {pairs_of.index(raw) + 1}: {error}") from None
            given[pairs] = given.get(pairs, 0) + weight
        for pairs, weight in given.items():
            for index, amount in pairs:
                scores[index] += weight * amount
            supported = tuple(sorted(index for index, amount in pairs if amount > 0))
            support[supported] = support.get(supported, 0) + weight
        return len(ballots), tuple(scores), support

    as_tuples = list(map(tuple, ballots))
    keys: dict[IndexKey, int] = {}
    for raw_ballot, weight in Counter(as_tuples).items():
        try:
            if election.vote_type == "ordinal":
                key = ordinal_key(raw_ballot, index_of)
            else:
                choose_one = election.vote_type == "choose-1"
                key = approval_key(raw_ballot, index_of, choose_one=choose_one)
        except ValueError as error:
            raise ValueError(f"ballot {as_tuples.index(raw_ballot) + 1}: {error}") from None
        keys[key] = keys.get(key, 0) + weight
    if election.vote_type != "ordinal":
        return len(ballots), (), keys  # the score is the support, counted with the classes

    longest = max((len(key) for key in keys), default=0)
    ranks = election.max_ranked if election.max_ranked is not None else longest
    if longest > ranks:
        raise ValueError(f"a ballot ranks {longest} projects but only {ranks} ranks count")
    for key, weight in keys.items():
        for rank, index in enumerate(key):
            scores[index] += weight * positional_points(rank, ranks)
        supported = tuple(sorted(key))
        support[supported] = support.get(supported, 0) + weight
    return len(ballots), tuple(scores), support


def _class_arrays(
    support: dict[IndexKey, int], size: int
) -> tuple[IntArray, IntArray, IntArray, tuple[int, ...]]:
    keys = sorted(key for key in support if key)
    weights = np.fromiter(map(support.__getitem__, keys), dtype=np.int64, count=len(keys))
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    indptr = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    members = np.fromiter(chain.from_iterable(keys), dtype=np.int64, count=int(indptr[-1]))
    counted = np.bincount(members, weights=np.repeat(weights, lengths), minlength=size)
    return weights, indptr, members, tuple(int(c) for c in np.rint(counted))


def bit_rows(
    row_of: IntArray, members: IntArray, rows: int, size: int
) -> npt.NDArray[np.uint64]:
    """Sets of projects as bits, 64 projects per word: row r gets the bits of the members m
    with row_of == r. Entries must be sorted by (row, member) without repeats."""
    words = max(1, (size + 63) // 64)
    table = np.zeros(rows * words, dtype=np.uint64)
    if members.size:
        cell = row_of * words + (members >> 6)
        bits = np.left_shift(np.uint64(1), (members & 63).astype(np.uint64))
        # Equal cells are adjacent and hold distinct bits, so summing them is OR-ing them.
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
        table[cell[starts]] = np.add.reduceat(bits, starts)
    return table.reshape(rows, words)


_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)


def group_rows(table: npt.NDArray[np.uint64]) -> tuple[IntArray, IntArray]:
    """Group identical rows: (index of each group's first row, group of every row).

    Rows are ordered by a hash and compared in full at every boundary, so distinct rows never
    share a group; the rare hash collision at worst splits one group in two, which only costs
    a little compression.
    """
    if table.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    mixed = np.zeros(table.shape[0], dtype=np.uint64)
    for word in range(table.shape[1]):
        factor = _MIX[word % _MIX.size] + np.uint64(2 * (word // _MIX.size))
        mixed ^= table[:, word] * factor
        mixed ^= mixed >> np.uint64(29)
    order = np.argsort(mixed, kind="stable")
    ordered = table[order]
    starts = np.r_[True, np.any(ordered[1:] != ordered[:-1], axis=1)]
    group_sorted = np.cumsum(starts) - 1
    inverse = np.empty(table.shape[0], dtype=np.int64)
    inverse[order] = group_sorted
    return order[starts].astype(np.int64), inverse


def _compact_classes(
    ballots: CompactBallots, ids: tuple[str, ...], *, choose_one: bool
) -> tuple[int, tuple[int, ...], tuple[int, ...], IntArray, IntArray, IntArray]:
    """Vectorised `_python_classes` + `_class_arrays` for approval ballots held as arrays."""
    index_of = {pid: i for i, pid in enumerate(ids)}
    remap = np.array([index_of[pid] for pid in ballots.project_ids], dtype=np.int64)
    counts = ballots.counts
    lengths = np.diff(ballots.indptr)
    row_of = np.repeat(np.arange(ballots.rows, dtype=np.int64), lengths)
    members = remap[ballots.indices] if ballots.indices.size else ballots.indices.copy()
    size = max(1, len(ids))
    key = row_of * size + members
    if np.any(key[1:] <= key[:-1]):
        # Rows not strictly increasing: sort within rows, then keep first occurrences only.
        key = key[np.argsort(key, kind="stable")]
        key = key[np.r_[True, key[1:] != key[:-1]]]
        row_of, members = np.divmod(key, size)
        lengths = np.bincount(row_of, minlength=ballots.rows).astype(np.int64)
    del key
    if choose_one and np.any(lengths[counts > 0] > 1):
        row = int(np.flatnonzero((lengths > 1) & (counts > 0))[0])
        raise ValueError(f"ballot row {row + 1}: a choose-1 ballot names at most one project")
    voters = int(counts.sum())
    entry_weights = counts[row_of]
    scores_f = np.bincount(members, weights=entry_weights, minlength=len(ids))
    scores = tuple(int(s) for s in np.rint(scores_f))
    if voters >= 2**53:
        raise ValueError("too many ballots to count exactly")

    table = bit_rows(row_of, members, ballots.rows, len(ids))
    rows = np.flatnonzero((lengths > 0) & (counts > 0))
    first, inverse = group_rows(table[rows])
    weights = np.bincount(inverse, weights=counts[rows]).astype(np.int64)
    representative = rows[first]
    rep_lengths = lengths[representative]
    row_starts = np.zeros(ballots.rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=row_starts[1:])
    indptr = np.zeros(representative.size + 1, dtype=np.int64)
    np.cumsum(rep_lengths, out=indptr[1:])
    gather = np.repeat(row_starts[representative] - indptr[:-1], rep_lengths) + np.arange(
        int(indptr[-1]), dtype=np.int64
    )
    class_members = members[gather]
    supporters_f = np.bincount(
        class_members, weights=np.repeat(weights, rep_lengths), minlength=len(ids)
    )
    supporters = tuple(int(s) for s in np.rint(supporters_f))
    return voters, scores, supporters, weights, indptr, class_members
