"""The results and the proposals of a cycle as tables (service/tabular.py), built from the very
JSON the API answers with (service/api/views.py), so an export holds what the JSON holds and no
more: no proposer, no voter.

Results: one row per proposal counted in an area (an area without any gets one row of its
own), the cycle's and the area's figures repeated on each, as spreadsheets' filters and pivot
tables want them. Proposals: one row per proposal; its place in three columns and, of its
progress reports, how many there are and the latest one (the JSON keeps every report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service.tabular import Column, Kind, Table

RESULT_COLUMNS = (
    Column("cycle_id", width=38), Column("published_at", Kind.INSTANT, 20),
    Column("ballots_counted", Kind.INTEGER), Column("currency", width=9),
    Column("area", width=16), Column("rule", width=16),
    Column("budget", Kind.MONEY, 16), Column("budget_minor", Kind.INTEGER, 16),
    Column("cost", Kind.MONEY, 16), Column("cost_minor", Kind.INTEGER, 16),
    Column("left", Kind.MONEY, 16), Column("left_minor", Kind.INTEGER, 16),
    Column("ballots", Kind.INTEGER), Column("proposal_id", width=38),
    Column("title", width=40), Column("score", Kind.NUMBER), Column("selected", Kind.BOOLEAN),
    Column("rank", Kind.INTEGER, 8), Column("reason", width=60),
    Column("ballots_digest", width=20), Column("area_ballots_digest", width=20),
    Column("published_head", width=20), Column("published_events", Kind.INTEGER),
    Column("audit_head", width=20), Column("audit_events", Kind.INTEGER),
)

PROPOSAL_COLUMNS = (
    Column("id", width=38), Column("cycle_id", width=38), Column("area", width=16),
    Column("title", width=40), Column("description", width=60), Column("category", width=16),
    Column("place_name", width=24), Column("place_lat"), Column("place_lon"),
    Column("estimated_cost", Kind.MONEY, 16), Column("estimated_cost_minor", Kind.INTEGER, 16),
    Column("official_cost", Kind.MONEY, 16), Column("official_cost_minor", Kind.INTEGER, 16),
    Column("currency", width=9), Column("status", width=14),
    Column("feasible", Kind.BOOLEAN), Column("review_reason", width=40),
    Column("merged_into", width=38), Column("closing_reason", width=40),
    Column("progress_reports", Kind.INTEGER), Column("progress_percent", Kind.INTEGER),
    Column("spent", Kind.MONEY, 16), Column("spent_minor", Kind.INTEGER, 16),
    Column("progress_at", Kind.INSTANT, 20), Column("progress_note", width=40),
    Column("progress_explanation", width=40), Column("submitted_at", Kind.INSTANT, 20),
    Column("version", Kind.INTEGER), Column("feedback_url", width=50),
    Column("hidden_reason", width=40), Column("pictures", Kind.INTEGER),
)


def results_table(results: Mapping[str, Any], titles: Mapping[str, str]) -> Table:
    """`results`: as `results_view` gives them; `titles`: each proposal's title by id."""
    cycle = {key: results.get(key) for key in (
        "cycle_id", "published_at", "ballots_counted", "currency", "ballots_digest",
        "published_head", "published_events", "audit_head", "audit_events")}
    rows: list[dict[str, Any]] = []
    for area_id, outcome in results["areas"].items():
        area = {**cycle, "area": area_id, "area_ballots_digest": outcome["ballots_digest"],
                **{key: outcome[key] for key in (
                    "rule", "budget", "budget_minor", "cost", "cost_minor", "left",
                    "left_minor", "ballots")}}
        selected: list[str] = list(outcome["selected"])
        scores: Mapping[str, Any] = outcome["scores"]
        if not scores:
            rows.append(area)
        for proposal_id, score in scores.items():
            rows.append({**area, "proposal_id": proposal_id, "title": titles.get(proposal_id),
                         "score": score, "selected": proposal_id in selected,
                         "rank": selected.index(proposal_id) + 1
                         if proposal_id in selected else None,
                         "reason": outcome["reasons"].get(proposal_id)})
    return Table("results", RESULT_COLUMNS, rows, str(results["currency"]))


def proposals_table(proposals: Sequence[Mapping[str, Any]], currency: str) -> Table:
    """`proposals`: each as `proposal_view` gives it."""
    rows = []
    for proposal in proposals:
        place = proposal.get("place") or {}
        progress = proposal.get("progress") or []
        latest = progress[-1] if progress else {}
        rows.append({
            **{column.key: proposal.get(column.key) for column in PROPOSAL_COLUMNS},
            "place_name": place.get("name"), "place_lat": place.get("lat"),
            "place_lon": place.get("lon"), "progress_reports": len(progress),
            "progress_percent": latest.get("percent"), "spent": latest.get("spent"),
            "spent_minor": latest.get("spent_minor"), "progress_at": latest.get("at"),
            "progress_note": latest.get("note"),
            "progress_explanation": latest.get("explanation"),
            "pictures": len(proposal.get("pictures") or ()),  # the bytes are not the table's
        })
    return Table("proposals", PROPOSAL_COLUMNS, rows, currency)
