"""From a Pabulib file to the Election the allocation rules count."""

from __future__ import annotations

from decimal import Decimal

from domain.allocation import Election, Project
from domain.allocation.election import DEFAULT_TIE_BREAK, POINT_TYPES, vote_type_of
from domain.allocation.outcome import SEK
from domain.pabulib.model import PabulibFile


def to_election(pb: PabulibFile, tie_break: str = DEFAULT_TIE_BREAK) -> Election:
    """The file's projects and ballots with META `budget`, `vote_type`,
    `min_project_score_threshold`, `currency` (kronor if absent) and, for ordinal ballots,
    `max_length` as the number of ranks (it fixes the positional points); file-order ties
    follow the order of PROJECTS."""
    vote_type = vote_type_of(pb.vote_type)
    threshold: Decimal | int | None = None
    if "min_project_score_threshold" in pb.meta:
        value = Decimal(pb.meta["min_project_score_threshold"])
        threshold = int(value) if value == value.to_integral_value() else value
    max_ranked: int | None = None
    if vote_type == "ordinal" and "max_length" in pb.meta:
        max_ranked = int(pb.meta["max_length"])
    return Election(
        projects=[Project(p.id, p.cost, p.name) for p in pb.projects],
        ballots=[v.vote for v in pb.votes],
        budget=pb.budget,
        vote_type=vote_type,
        points=[v.points or () for v in pb.votes] if vote_type in POINT_TYPES
        else None,
        min_project_score_threshold=threshold,
        currency=_currency(pb.meta.get("currency", "")),
        max_ranked=max_ranked,
        tie_break=tie_break,
    )


def _currency(declared: str) -> str:
    """The file's currency as it names it (an ISO 4217 code in Pabulib's own files), kronor if
    it names none; only shown in texts, so kept short."""
    declared = " ".join(declared.split())[:12]
    return SEK if not declared or declared.upper() == SEK else declared
