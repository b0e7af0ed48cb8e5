"""The support round (CONSUL's "selecting"): which feasible proposals go on the ballot.

Between review and voting residents support the feasible proposals they want to vote on. Per
area, a rule picks the ones that go on: the `top` N most supported, or every one with at least
`threshold` supports. Ties at the N-th place all go on (competition ranking: 1, 2, 2, 4), so two
proposals with equal support are never told apart by anything but support; the ballot may then
hold more than N proposals. The outcome records, for every proposal, its supports and rank, so
that the reason a proposal was left off can be stated and recomputed from the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain import documents
from domain.documents import SupportOutcome, SupportRoundDocument
from domain.errors import InvalidInput, known_fields

TOP = "top"
THRESHOLD = "threshold"
KINDS = (TOP, THRESHOLD)
# A ballot or a support count beyond this is a mistake in the configuration, not a real rule.
MAX_VALUE = 1_000_000


@dataclass(frozen=True)
class SupportRule:
    """`top`: the `value` most supported proposals (ties at the last place all go on);
    `threshold`: every proposal with at least `value` supports."""

    kind: str
    value: int

    @classmethod
    def from_dict(cls, data: object, field_name: str) -> SupportRule:
        if not isinstance(data, Mapping):
            raise InvalidInput(field_name, "must be an object with a kind and a value")
        kind, value = data.get("kind"), data.get("value")
        if kind not in KINDS:
            raise InvalidInput(f"{field_name}.kind", f"must be one of {', '.join(KINDS)}")
        if type(value) is not int or not 1 <= value <= MAX_VALUE:
            raise InvalidInput(f"{field_name}.value",
                               f"must be a whole number from 1 to {MAX_VALUE}")
        unknown = set(data) - {"kind", "value"}
        if unknown:
            raise InvalidInput(field_name, f"unknown field(s): {', '.join(sorted(unknown))}")
        return cls(str(kind), value)

    def to_dict(self) -> documents.SupportRule:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class SupportConfiguration:
    """The rule for every area (`default`), and any area's own rule instead."""

    default: SupportRule
    areas: Mapping[str, SupportRule]

    @classmethod
    def from_dict(cls, data: object, area_ids: Iterable[str]) -> SupportConfiguration:
        data = known_fields(data, "support_round", ("default", "areas"),
                            "must be an object with a default rule")
        default = SupportRule.from_dict(data.get("default"), "support_round.default")
        given = data.get("areas") or {}
        if not isinstance(given, Mapping):
            raise InvalidInput("support_round.areas", "must map area ids to rules")
        known = set(area_ids)
        areas: dict[str, SupportRule] = {}
        for area_id, rule in given.items():
            if area_id not in known:
                raise InvalidInput("support_round.areas",
                                   f"no area '{area_id}' in this cycle (areas: "
                                   f"{', '.join(sorted(known)) or 'none'})")
            areas[str(area_id)] = SupportRule.from_dict(rule, f"support_round.areas.{area_id}")
        return cls(default, areas)

    @classmethod
    def from_stored(cls, data: SupportRoundDocument) -> SupportConfiguration:
        return cls(SupportRule(**data["default"]),
                   {a: SupportRule(**r) for a, r in data.get("areas", {}).items()})

    def to_dict(self) -> SupportRoundDocument:
        return {"default": self.default.to_dict(),
                "areas": {a: r.to_dict() for a, r in sorted(self.areas.items())}}

    def rule_for(self, area_id: str) -> SupportRule:
        return self.areas.get(area_id, self.default)


@dataclass(frozen=True)
class SupportCount:
    """A feasible proposal in the round and how many residents support it now."""

    proposal_id: str
    area: str
    supports: int


def area_outcome(rule: SupportRule, counts: Iterable[SupportCount]) -> SupportOutcome:
    """Which of an area's proposals go on the ballot, with every proposal's supports and rank.
    Listed most supported first, equal support by proposal id (for a stable record only: the
    order never decides who goes on)."""
    ordered = sorted(counts, key=lambda c: (-c.supports, c.proposal_id))
    rows: list[documents.SupportRow] = []
    for count in ordered:
        rank = 1 + sum(1 for other in ordered if other.supports > count.supports)
        goes_on = rank <= rule.value if rule.kind == TOP else count.supports >= rule.value
        rows.append({"proposal": count.proposal_id, "supports": count.supports, "rank": rank,
                     "on_ballot": goes_on})
    return {"rule": rule.kind, "value": rule.value, "proposals": rows,
            "on_ballot": [r["proposal"] for r in rows if r["on_ballot"]]}


def round_outcome(configuration: SupportConfiguration, area_ids: Iterable[str],
            counts: Iterable[SupportCount]) -> dict[str, SupportOutcome]:
    """The round's outcome for every area of the cycle."""
    every = list(counts)
    return {area_id: area_outcome(configuration.rule_for(area_id),
                                  [c for c in every if c.area == area_id])
            for area_id in area_ids}
