"""How a ballot turns into points for the projects it names.

- approval, choose-1: one point for every project the ballot lists, so a project's score is
  its number of votes.
- cumulative, scoring: the points the voter gave; a project's score is the sum of its points
  (a scoring ballot's points are scores with no total to share out; they count the same way).
- ordinal: positional points. With k ranks on the ballot (`Election.max_ranked`, from META
  `max_length`; by default the longest ballot), the project in rank r (1 = first choice) gets
  k - r + 1 points: 3, 2 and 1 for Kraków's three ranks. This is how Kraków counts its district
  budgets, and it reproduces both the `score` column and the `selected` projects of
  Poland_Krakow_2019_Nowa_Huta.pb. (pabutools' Borda satisfaction gives len - position - 1,
  i.e. 2, 1, 0: our score minus the number of votes, which does not match the city's scores.)

A project id repeated within a ballot counts once, at its first occurrence; the repeat is ignored
together with its points or its lower rank.

For the Method of Equal Shares a ballot *supports* every project it lists, whatever its rank or
points, except a project given 0 points on a cumulative ballot (pabutools' Cost_Sat would count
that one as supported; no published file we compare with has one): MES here uses cost
utilities, a voter values a funded project at its cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Canonical ballots, first occurrences only: approval and choose-1 as sorted project indices,
# ordinal as indices in rank order, cumulative as (index, points) pairs in ballot order.
IndexKey = tuple[int, ...]
PointsKey = tuple[tuple[int, int], ...]


def _index(project_id: object, index_of: Mapping[str, int]) -> int:
    if not isinstance(project_id, str):
        raise ValueError(f"project ids must be strings, got {project_id!r}")
    try:
        return index_of[project_id]
    except KeyError:
        raise ValueError(f"unknown project {project_id!r}") from None


def _first_occurrences(ballot: Sequence[str], index_of: Mapping[str, int]) -> list[int]:
    indices: list[int] = []
    seen: set[int] = set()
    for project_id in ballot:
        index = _index(project_id, index_of)
        if index not in seen:
            seen.add(index)
            indices.append(index)
    return indices


# The functions below raise ValueError without saying which ballot; the caller adds that.


def approval_key(
    ballot: Sequence[str], index_of: Mapping[str, int], *, choose_one: bool
) -> IndexKey:
    try:
        indices = {index_of[project_id] for project_id in ballot}
    except (KeyError, TypeError):
        indices = set(_first_occurrences(ballot, index_of))  # raises, naming the bad id
    if choose_one and len(indices) > 1:
        raise ValueError("a choose-1 ballot names at most one project")
    return tuple(sorted(indices))


def ordinal_key(ballot: Sequence[str], index_of: Mapping[str, int]) -> IndexKey:
    try:
        # dict keeps the first occurrence of each project, in ballot order
        return tuple(dict.fromkeys(index_of[project_id] for project_id in ballot))
    except (KeyError, TypeError):
        return tuple(_first_occurrences(ballot, index_of))


def cumulative_key(
    ballot: Sequence[str], points: Sequence[int], index_of: Mapping[str, int]
) -> PointsKey:
    if len(points) != len(ballot):
        raise ValueError(f"{len(ballot)} projects but {len(points)} points")
    pairs: list[tuple[int, int]] = []
    seen: set[int] = set()
    for project_id, given in zip(ballot, points, strict=True):
        index = _index(project_id, index_of)
        if isinstance(given, bool) or not isinstance(given, int):
            raise ValueError(f"points must be whole numbers, got {given!r}")
        if given < 0:
            raise ValueError("points must not be negative")
        if index not in seen:
            seen.add(index)
            pairs.append((index, given))
    return tuple(pairs)


def positional_points(rank: int, max_ranked: int) -> int:
    """Points for the project in 0-based `rank` of an ordinal ballot with `max_ranked` ranks."""
    return max_ranked - rank
