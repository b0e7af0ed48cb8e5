"""The comparison of a cycle with its predecessors as the API shows it (service/comparison.py).
Amounts as everywhere in the API (ADR 0014): whole units in `<field>`, minor units in
`<field>_minor`, in the `currency` of the cycle they belong to."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas import KRONOR, MINOR, Kronor, Minor, money_out
from service.comparison import CycleFigures, Figures, Pot


class FiguresOut(BaseModel):
    budget: Kronor = Field(description="The budget. " + KRONOR)
    budget_minor: Minor = Field(description=MINOR)
    proposals: int = Field(description="Proposals made, whatever became of them.")
    ballots: int = Field(description="Ballots cast (the turnout).")
    selected: int = Field(description="Proposals selected by the published results.")
    completed: int = Field(description="Selected proposals recorded as built.")
    spent: Kronor = Field(description="Spent so far, by each proposal's latest progress "
                                      "report. " + KRONOR)
    spent_minor: Minor = Field(description=MINOR)


class PotCycleOut(FiguresOut):
    cycle_id: str
    area: str = Field(description="The area's id in that cycle.")
    name: str = Field(description="The area's name in that cycle.")
    currency: str


class PotOut(BaseModel):
    id: str = Field(description="The id of the pot's area in the newest cycle that has it.")
    name: str
    cycles: list[PotCycleOut] = Field(description="The pot in each cycle that has it, newest "
                                                  "first.")


class CycleFiguresOut(FiguresOut):
    id: str
    name: str
    phase: str
    currency: str = Field(description="The ISO 4217 code of the cycle's amounts.")


class ComparisonOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11",
        "cycles": [{"id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "name": "Medborgarbudget 2028",
                    "phase": "ideas", "currency": "SEK", "budget": 250000,
                    "budget_minor": 25000000, "proposals": 4, "ballots": 0, "selected": 0,
                    "completed": 0, "spent": 0, "spent_minor": 0}],
        "pots": [{"id": "norr", "name": "Planeringsområde Norr", "cycles": [{
            "cycle_id": "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11", "area": "norr",
            "name": "Planeringsområde Norr", "currency": "SEK", "budget": 250000,
            "budget_minor": 25000000, "proposals": 4, "ballots": 0, "selected": 0,
            "completed": 0, "spent": 0, "spent_minor": 0}]}]}]})
    cycle_id: str
    cycles: list[CycleFiguresOut] = Field(description="The cycle and its predecessors, newest "
                                                      "first, with their totals.")
    pots: list[PotOut] = Field(description="Each budget pot across the cycles: areas matched "
                                           "by id, else by name (docs/exports.md).")


def _figures(figures: Figures) -> dict[str, Any]:
    return {**money_out("budget", figures.budget), **money_out("spent", figures.spent),
            "proposals": figures.proposals, "ballots": figures.ballots,
            "selected": figures.selected, "completed": figures.completed}


def comparison_out(cycle_id: str, chain: list[CycleFigures], pots: list[Pot]) -> ComparisonOut:
    currency = {c.id: c.currency for c in chain}
    return ComparisonOut(
        cycle_id=cycle_id,
        cycles=[CycleFiguresOut(id=c.id, name=c.name, phase=c.phase, currency=c.currency,
                                **_figures(c.total)) for c in chain],
        pots=[PotOut(id=p.id, name=p.name, cycles=[
            PotCycleOut(cycle_id=c.id, area=p.areas[c.id].id, name=p.areas[c.id].name,
                        currency=currency[c.id],
                        **_figures(p.areas[c.id].figures))
            for c in chain if c.id in p.areas]) for p in pots])
