"""Request and response bodies of the support round (ADR 0020)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from domain.support_round import MAX_VALUE


class SupportRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["top", "threshold"] = Field(
        description="`top`: the `value` most supported proposals go on the ballot (all tied at "
                    "the last place go on); `threshold`: every proposal with at least `value` "
                    "supports.")
    value: StrictInt = Field(ge=1, le=MAX_VALUE)


class SupportRoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "default": {"kind": "top", "value": 5},
        "areas": {"unga": {"kind": "threshold", "value": 30}}}]})
    default: SupportRuleIn
    areas: dict[str, SupportRuleIn] = Field(
        default_factory=dict, max_length=1000,
        description="An area's own rule instead of the default, by area id.")


class SupportRuleOut(BaseModel):
    kind: str
    value: int


class SupportRoundOut(BaseModel):
    default: SupportRuleOut
    areas: dict[str, SupportRuleOut]


class SupportOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "proposal": "0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10", "supports": 17,
        "supported_by_you": True}]})
    proposal: UUID
    supports: int
    supported_by_you: bool


class SupportCountOut(BaseModel):
    proposal: UUID
    area: str
    title: str
    supports: int
    on_ballot: bool | None = Field(
        description="Once the round closed: whether the proposal went on the ballot.")
    rank: int | None = Field(description="Once the round closed: its place by support "
                                         "(equal support, equal place).")


class SupportCountsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "phase": "support", "support_round": {"default": {"kind": "top", "value": 5},
                                              "areas": {}},
        "proposals": [{"proposal": "0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10", "area": "norr",
                       "title": "Utegym", "supports": 17, "on_ballot": None, "rank": None}]}]})
    phase: str
    support_round: SupportRoundOut | None
    proposals: list[SupportCountOut]


class SupportOutcomeRowOut(BaseModel):
    proposal: UUID
    supports: int
    rank: int
    on_ballot: bool


class SupportAreaOutcomeOut(BaseModel):
    rule: str
    value: int
    on_ballot: list[UUID]
    proposals: list[SupportOutcomeRowOut]


class SupportOutcomeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "format": 1, "areas": {"norr": {
            "rule": "top", "value": 1,
            "on_ballot": ["0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10"],
            "proposals": [
                {"proposal": "0b6c2f0e-6d1e-4d8a-b6a4-2b1c9f0e7a10", "supports": 17,
                 "rank": 1, "on_ballot": True},
                {"proposal": "5e2b6f0e-1d1e-4d8a-b6a4-2b1c9f0e7a22", "supports": 4,
                 "rank": 2, "on_ballot": False}]}}}]})
    format: int
    areas: dict[str, SupportAreaOutcomeOut]
