"""A cycle compared with its predecessors, from the read models: the one query behind the cycle
page's "Compared with earlier years" and `GET /api/v1/cycles/{cycle}/comparison`.

Per cycle of the chain (newest first) and per area: the budget, the proposals made, the ballots
cast (turnout), the proposals selected, those built, and the money spent (each proposal's
latest report; amounts in minor units of the cycle's currency).

Areas are matched across the years into pots (docs/exports.md): an earlier cycle's area belongs
to the pot of a later area with the same id, else of one with the same name (letter case and
spacing aside); an area that matches neither is a pot of its own. A pot holds at most one area
of each cycle, so each figure counts once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.money import currency_of


class ReadModelQueries(Protocol):
    def cycles(self) -> Sequence[Mapping[str, Any]]: ...
    def proposals_of(self, cycle_id: str) -> Sequence[Mapping[str, Any]]: ...
    def results_of(self, cycle_id: str) -> Sequence[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class Figures:
    """An area's, or a whole cycle's, figures; money in minor units."""

    budget: int = 0
    proposals: int = 0
    ballots: int = 0
    selected: int = 0
    completed: int = 0
    spent: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.budget, self.proposals, self.ballots, self.selected, self.completed,
                self.spent)


@dataclass(frozen=True)
class AreaFigures:
    id: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class CycleFigures:
    id: str
    name: str
    phase: str
    currency: str
    areas: tuple[AreaFigures, ...]
    total: Figures


@dataclass
class Pot:
    """One budget pot over the years: `id` and `name` of its newest area; per cycle (by id) the
    area of that cycle it holds."""

    id: str
    name: str
    areas: dict[str, AreaFigures] = field(default_factory=dict)


def _latest_spent(proposal: Mapping[str, Any]) -> int:
    progress = proposal.get("progress") or []
    return int(progress[-1].get("spent") or 0) if progress else 0


def cycle_figures(store: ReadModelQueries, cycle: Mapping[str, Any]) -> CycleFigures:
    proposals = store.proposals_of(cycle["id"])
    selected = [r for r in store.results_of(cycle["id"]) if r["selected"]]
    areas = []
    for area_id, area in cycle["areas"].items():
        mine = [p for p in proposals if p["area"] == area_id]
        areas.append(AreaFigures(area_id, str(area.get("name") or area_id), Figures(
            budget=int(area.get("budget") or 0), proposals=len(mine),
            ballots=int(cycle["ballots"].get(area_id, 0)),
            selected=sum(1 for r in selected if r["area"] == area_id),
            completed=sum(1 for p in mine if p["status"] == "completed"),
            spent=sum(_latest_spent(p) for p in mine))))
    # Counted for the whole cycle too: a proposal, ballot or result of an area no longer in
    # the configuration still counts in the cycle's total, as it always did on the page.
    total = Figures(
        budget=sum(a.figures.budget for a in areas), proposals=len(proposals),
        ballots=sum(int(n) for n in cycle["ballots"].values()), selected=len(selected),
        completed=sum(1 for p in proposals if p["status"] == "completed"),
        spent=sum(_latest_spent(p) for p in proposals))
    return CycleFigures(cycle["id"], cycle["name"], cycle["phase"],
                        currency_of(cycle.get("currency"), cycle["areas"].values()),
                        tuple(areas), total)


def lineage(store: ReadModelQueries, cycle: Mapping[str, Any]) -> list[CycleFigures]:
    """`cycle` (a read model's document) and its predecessors, newest first."""
    by_id = {c["id"]: c for c in store.cycles()}
    chain, seen = [], set()
    current: Mapping[str, Any] | None = cycle
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        chain.append(cycle_figures(store, current))
        predecessor = current.get("predecessor_id")
        current = by_id.get(predecessor) if predecessor else None
    return chain


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def pots(chain: Sequence[CycleFigures]) -> list[Pot]:
    """The areas of a chain (newest first) matched across the years: each cycle's areas by id
    first, then those left by name, then the rest as pots of their own."""
    found: list[Pot] = []
    for cycle in chain:
        left = list(cycle.areas)
        for area in list(left):
            pot = next((p for p in found if p.id == area.id and cycle.id not in p.areas), None)
            if pot is not None:
                pot.areas[cycle.id] = area
                left.remove(area)
        for area in left:
            name = _name_key(area.name)
            pot = next((p for p in found if cycle.id not in p.areas and any(
                _name_key(a.name) == name for a in p.areas.values())), None)
            if pot is None:
                pot = Pot(area.id, area.name)
                found.append(pot)
            pot.areas[cycle.id] = area
    return found
