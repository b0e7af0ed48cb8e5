"""Finding proposals: the query parameters the page and the API share, read and checked.

`?q=` words to search for, `?area=`, `?category=` and `?status=` one of each, `?max_cost=` the
highest cost in whole units of the cycle's currency (or `?max_cost_minor=` in its minor units,
ADR 0014). Anything wrong is refused with InvalidInput naming the parameter, before any query
runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.categories import stored_categories
from domain.errors import InvalidInput
from domain.money import minor_units
from domain.proposal import STATUSES
from projections.search import MAX_QUERY_LENGTH, ProposalFilter

PARAMETERS = ("q", "area", "category", "status", "max_cost", "max_cost_minor")
MAX_PARAMETER_LENGTH = 80  # an area, category or status id, or an amount


def _one(value: str | None, name: str, known: Iterable[str], what: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    choices = list(known)
    if text not in choices:
        listed = ", ".join(choices) or "none"
        raise InvalidInput(name, f"'{text[:MAX_PARAMETER_LENGTH]}' is not {what} of this "
                                 f"cycle; known: {listed}")
    return text


def _max_cost(params: Mapping[str, str | None]) -> int | None:
    whole, minor = params.get("max_cost"), params.get("max_cost_minor")
    whole = whole.strip() if whole is not None and whole.strip() else None
    minor = minor.strip() if minor is not None and minor.strip() else None
    if whole is not None and minor is not None:
        raise InvalidInput("max_cost", "give max_cost or max_cost_minor, not both")
    for name, value in (("max_cost", whole), ("max_cost_minor", minor)):
        if value is not None and len(value) > MAX_PARAMETER_LENGTH:
            raise InvalidInput(name, "is too long")
    if whole is not None:
        if whole.startswith("-"):
            raise InvalidInput("max_cost", "must not be negative")
        return minor_units(whole, "max_cost")
    if minor is not None:
        if not minor.isascii() or not minor.isdigit():
            raise InvalidInput("max_cost_minor", "must be a whole number of minor units "
                                                 "(öre), 0 or more")
        amount = int(minor)
        if amount > 10**17:
            raise InvalidInput("max_cost_minor", "is too large")
        return amount
    return None


def parse_filter(params: Mapping[str, str | None], cycle: Mapping[str, Any]) -> ProposalFilter:
    """The filter `params` ask for among the proposals of `cycle` (its read model: `areas`,
    `categories`); raises InvalidInput for an unknown area, category or status, a cost that is
    not an amount of 0 or more, or a query longer than MAX_QUERY_LENGTH characters."""
    q = params.get("q")
    if q is not None:
        if len(q) > MAX_QUERY_LENGTH:
            raise InvalidInput("q", f"must be at most {MAX_QUERY_LENGTH} characters")
        if any(ord(c) < 32 and c not in "\t\n\r" for c in q):
            raise InvalidInput("q", "must not contain control characters")
        q = " ".join(q.split()) or None
    categories = [c.id for c in stored_categories(cycle.get("categories") or [])]
    return ProposalFilter(
        q=q,
        area=_one(params.get("area"), "area", cycle.get("areas", {}), "an area"),
        category=_one(params.get("category"), "category", categories, "a category"),
        status=_one(params.get("status"), "status", STATUSES, "a status"),
        max_cost_minor=_max_cost(params),
    )


def cycle_terms(areas: Iterable[str], categories: object) -> dict[str, Any]:
    """A cycle's read-model fields `parse_filter` reads, from a cycle aggregate's parts."""
    return {"areas": {a: {} for a in areas}, "categories": categories}
