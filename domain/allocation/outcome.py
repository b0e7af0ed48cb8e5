"""The result of counting one election with one rule, and how it is written out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from domain.allocation.reasons import Reason
from domain.documents import JsonNumber, ReasonDocument
from domain.money import SEK, format_major, unit

__all__ = ["SEK", "Outcome", "json_number", "money", "unit"]


def money(amount: Decimal | int, currency: str = SEK) -> str:
    """Swedish style: a space between thousands, '120 000 kr'; öre shown when not whole, after a
    decimal comma ('18,10 kr'), and every further decimal an amount has. Kronor are 'kr'; any
    other currency is named by its code ('479 000 PLN', for an election read from a Pabulib
    file). The same as the pages write amounts in Swedish (domain/money.py)."""
    return format_major(amount, currency)


def json_number(value: Decimal | int) -> int | str:
    """Money and scores for JSON: an int when whole, else the exact decimal as a string."""
    decimal = Decimal(value)
    if decimal == decimal.to_integral_value():
        return int(decimal)
    return format(decimal, "f").rstrip("0")


class OutcomeDocument(TypedDict):
    """`Outcome.to_json_dict`: amounts in whole units; a results event's area (AreaResult)
    starts as this, its amounts then put in minor units (domain/cycle_tally.py)."""

    selected: list[str]
    cost: JsonNumber
    left: JsonNumber
    scores: dict[str, JsonNumber]
    reasons: dict[str, ReasonDocument]
    rule: str
    tie_break: str


@dataclass(frozen=True)
class Outcome:
    """Which projects a rule funds, in the order it chose them, and why for every project
    (a code with its parameters, put into words by the service: service/reason_text.py)."""

    rule: str
    selected: list[str]
    cost: Decimal
    left: Decimal
    scores: dict[str, Decimal | int]
    reasons: dict[str, Reason]
    tie_break: str = "lower-cost"  # the order among equals the rule used (Election.tie_break)

    def to_json_dict(self) -> OutcomeDocument:
        return {
            "selected": list(self.selected),
            "cost": json_number(self.cost),
            "left": json_number(self.left),
            "scores": {pid: json_number(score) for pid, score in self.scores.items()},
            "reasons": {pid: reason.to_dict() for pid, reason in self.reasons.items()},
            "rule": self.rule,
            "tie_break": self.tie_break,
        }
