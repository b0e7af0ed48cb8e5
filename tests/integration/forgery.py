"""What a forger with the exporter's own code can do to an audit export: change records, recount
the results from the ballots as the service would, and recompute the whole chain, so that the
file is consistent in itself. Only a head published beforehand tells it from the history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain.audit import BALLOT_TOPICS, RESULTS_PUBLISHED, export_records
from domain.cycle_tally import CountedBallot, CountedProposal, tally
from service.application import Medborgarbudget


def plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("hash", "prev")}


def rechain(records: Sequence[dict[str, Any]]) -> list[str]:
    """The events renumbered in order, the whole chain recomputed, the manifest's counts, heads
    and results digest made to fit."""
    header, *events, _ = (plain(r) for r in records)
    numbered = [{**event, "seq": seq} for seq, event in enumerate(events, start=1)]
    return list(export_records(header, numbered))


def recount(app: Medborgarbudget, cycle_id: str, records: list[dict[str, Any]]) -> None:
    """Put into the ResultsPublished record what the service would have published for the
    ballots in `records` (the cycle's rules and proposals taken from `app`)."""
    cycle = app.cycle(cycle_id)
    ballots: dict[str, CountedBallot] = {}
    for record in records:
        if record.get("topic") in BALLOT_TOPICS:
            ballot = record["originator_id"]
            area = ballots[ballot].area if ballot in ballots else record["data"]["area"]
            ballots[ballot] = CountedBallot(ballot, area, tuple(record["data"]["selections"]),
                                            None)
    rules = cycle.area_rules()
    proposals = [CountedProposal(str(p.id), p.area, p.title, p.cost)
                 for p in app.proposals(cycle.id) if p.on_ballot]
    published = next(r for r in records if r.get("topic") == RESULTS_PUBLISHED)
    # Through JSON, as the store keeps it and the export shows it.
    published["data"]["results"] = json.loads(json.dumps(tally(
        rules, proposals, sorted(ballots.values(), key=lambda b: b.id))))
