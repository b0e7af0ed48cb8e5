"""What an allocation rule counts: the projects, the ballots, the budget and the vote type.

A ballot is a sequence of project ids; for `ordinal` ballots in preference order, for
`cumulative` ballots with a parallel sequence of points. How each vote type turns into scores
is described in `domain.allocation.scoring`.

A project id repeated within one ballot counts once, at its first occurrence: a voter can support
a project only once. The later occurrence is ignored, including its points (cumulative) or its
lower rank (ordinal). pabutools keeps the first rank too, but for cumulative ballots it keeps
the *last* points; none of the published files we compare with repeats an id within a ballot.

Large elections can pass their ballots as `CompactBallots`: approval or choose-1 ballots held in
two numpy arrays (CSR layout) with optional counts for identical ballots, so that a million
ballots take a few dozen megabytes instead of a million Python tuples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, overload

import numpy as np
import numpy.typing as npt

VoteType = Literal["approval", "choose-1", "cumulative", "scoring", "ordinal"]
VOTE_TYPES: tuple[VoteType, ...] = (
    "approval", "choose-1", "cumulative", "scoring", "ordinal")
# Ballots that give points (aligned with their project ids): a budget of points, or scores.
POINT_TYPES: tuple[VoteType, ...] = ("cumulative", "scoring")

# How projects that a rule cannot tell apart (equal score in greedy, equal price in MES; both
# after the higher score) are ordered; docs/counting.md. `lower-cost` is the order every cycle
# was counted with before the choice existed, so it is the default.
TIE_BREAKS: tuple[str, ...] = ("lower-cost", "project-id", "file-order")
DEFAULT_TIE_BREAK = "lower-cost"

_NATURAL_CHUNK = re.compile(r"(\d+)")


def natural_key(project_id: str) -> tuple[tuple[tuple[int, int | str], ...], str]:
    """Order ids as people read them: 'P2' before 'P10', '9' before '10'.

    The raw id is the last component so that ids equal under natural order ('07' and '7')
    still get a fixed order.
    """
    parts: list[tuple[int, int | str]] = []
    for chunk in _NATURAL_CHUNK.split(project_id):
        if not chunk:
            continue
        parts.append((0, int(chunk)) if chunk.isdigit() else (1, chunk.casefold()))
    return tuple(parts), project_id


def as_money(value: object, what: str) -> Decimal:
    """An exact, finite, non-negative amount; floats are refused because they are not exact."""
    if isinstance(value, bool | float):
        raise ValueError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a number") from None
    else:
        raise ValueError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite amount, got {value}")
    if amount < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return amount


def exact_parts(amount: Decimal) -> tuple[int, int]:
    """(mantissa, exponent) with amount == mantissa * 10**exponent and no trailing zeros
    after the decimal point. Unlike Decimal.normalize(), never rounds to the context precision.
    """
    sign, digits, raw_exponent = amount.as_tuple()
    assert isinstance(raw_exponent, int)  # as_money refused NaN and infinities
    exponent = raw_exponent
    mantissa = int("".join(map(str, digits))) if digits else 0
    while exponent < 0 and mantissa and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    if not mantissa:
        exponent = max(exponent, 0)
    return (-mantissa if sign else mantissa), exponent


@dataclass(frozen=True)
class Project:
    """A project on the ballot; `cost` is exact (int or Decimal, stored as Decimal)."""

    id: str
    cost: Decimal
    name: str = ""
    # The id the `project-id` tie-break compares, when it is not `id` (a cycle's proposals are
    # known by UUIDs; an imported one keeps its file's project id for this).
    tie_id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"a project id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "cost", as_money(self.cost, f"the cost of project {self.id}"))


class CompactBallots(Sequence[tuple[str, ...]]):
    """Approval or choose-1 ballots as arrays, for elections too large for Python tuples.

    Row r lists `project_ids[indices[indptr[r]:indptr[r + 1]]]`; `counts[r]` (default 1) says how
    many voters cast exactly that ballot. As a sequence it still has one item per voter, so it
    can stand wherever a list of ballots is expected.
    """

    def __init__(
        self,
        project_ids: Sequence[str],
        indptr: npt.ArrayLike,
        indices: npt.ArrayLike,
        counts: npt.ArrayLike | None = None,
    ) -> None:
        self.project_ids: tuple[str, ...] = tuple(project_ids)
        self.indptr: npt.NDArray[np.int64] = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices: npt.NDArray[np.int64] = np.ascontiguousarray(indices, dtype=np.int64)
        if self.indptr.ndim != 1 or self.indptr.size == 0 or self.indptr[0] != 0:
            raise ValueError("indptr must be a one-dimensional array starting with 0")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != self.indices.size:
            raise ValueError("indptr must be non-decreasing and end at len(indices)")
        if self.indices.size and (
            self.indices.min() < 0 or self.indices.max() >= len(self.project_ids)
        ):
            raise ValueError("indices must point into project_ids")
        rows = self.indptr.size - 1
        if counts is None:
            self.counts: npt.NDArray[np.int64] = np.ones(rows, dtype=np.int64)
        else:
            self.counts = np.ascontiguousarray(counts, dtype=np.int64)
            if self.counts.shape != (rows,) or np.any(self.counts < 0):
                raise ValueError("counts must hold one non-negative count per row")
        self._ends = np.cumsum(self.counts)

    @property
    def rows(self) -> int:
        return int(self.indptr.size - 1)

    def __len__(self) -> int:
        return int(self._ends[-1]) if self._ends.size else 0

    @overload
    def __getitem__(self, index: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, ...]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, ...] | Sequence[tuple[str, ...]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("ballot index out of range")
        row = int(np.searchsorted(self._ends, index, side="right"))
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        return tuple(self.project_ids[int(i)] for i in self.indices[start:end])

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        for row in range(self.rows):
            start, end = int(self.indptr[row]), int(self.indptr[row + 1])
            ballot = tuple(self.project_ids[int(i)] for i in self.indices[start:end])
            for _ in range(int(self.counts[row])):
                yield ballot


@dataclass(frozen=True, eq=False)
class Election:
    """One area's vote, ready to count.

    `points` (cumulative and scoring only) is aligned with `ballots`.
    `min_project_score_threshold` is used by the `greedy-threshold` rule. `max_ranked`
    (ordinal only) is how many ranks a ballot may fill, which fixes the positional points (see
    `scoring`); it defaults to the longest ballot.
    """

    projects: Sequence[Project]
    ballots: Sequence[Sequence[str]] | CompactBallots
    budget: Decimal
    vote_type: VoteType
    points: Sequence[Sequence[int]] | None = None
    min_project_score_threshold: Decimal | int | None = None
    max_ranked: int | None = None
    currency: str = "SEK"  # ISO 4217, for the reasons' amounts (Pabulib META `currency`)
    tie_break: str = DEFAULT_TIE_BREAK  # one of TIE_BREAKS; file-order is `projects`' order

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", as_money(self.budget, "the budget"))
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(
                f"unknown vote type {self.vote_type!r}; expected one of {', '.join(VOTE_TYPES)}"
            )
        if self.tie_break not in TIE_BREAKS:
            raise ValueError(
                f"unknown tie-break {self.tie_break!r}; expected one of {', '.join(TIE_BREAKS)}"
            )
        seen: set[str] = set()
        for project in self.projects:
            if not isinstance(project, Project):
                raise ValueError(f"projects must be Project values, got {type(project).__name__}")
            if project.id in seen:
                raise ValueError(f"project id {project.id!r} appears twice")
            seen.add(project.id)
        if self.points is not None and self.vote_type not in POINT_TYPES:
            raise ValueError(
                f"points are only allowed for cumulative or scoring ballots, not {self.vote_type}"
            )
        if self.vote_type in POINT_TYPES:
            if self.points is None:
                raise ValueError(f"{self.vote_type} ballots need points")
            if len(self.points) != len(self.ballots):
                raise ValueError(
                    f"{len(self.points)} rows of points for {len(self.ballots)} ballots"
                )
        if isinstance(self.ballots, CompactBallots):
            if self.vote_type not in ("approval", "choose-1"):
                raise ValueError("CompactBallots hold approval or choose-1 ballots only")
            known = {p.id for p in self.projects}
            unknown = [pid for pid in self.ballots.project_ids if pid not in known]
            if unknown:
                raise ValueError(f"ballots name unknown project(s): {', '.join(unknown[:5])}")
        threshold = self.min_project_score_threshold
        if threshold is not None:
            if isinstance(threshold, bool) or not isinstance(threshold, int | Decimal):
                raise ValueError("min_project_score_threshold must be an int or a Decimal")
            if not Decimal(threshold).is_finite():
                raise ValueError("min_project_score_threshold must be finite")
        if self.max_ranked is not None:
            if self.vote_type != "ordinal":
                raise ValueError("max_ranked only applies to ordinal ballots")
            if isinstance(self.max_ranked, bool) or not isinstance(self.max_ranked, int):
                raise ValueError("max_ranked must be an int")
            if self.max_ranked < 1:
                raise ValueError("max_ranked must be at least 1")

    @property
    def voters(self) -> int:
        return len(self.ballots)

    def project_ids(self) -> list[str]:
        return [p.id for p in self.projects]


def vote_type_of(value: str) -> VoteType:
    if value not in VOTE_TYPES:
        raise ValueError(f"unknown vote type {value!r}; expected one of {', '.join(VOTE_TYPES)}")
    return value  # narrowed to a VoteType by the check above
