"""Writing a cycle's audit export from the store (the verifying side is domain/audit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.audit import RESULTS_PUBLISHED, event_record, export_records, header
from service.application import Medborgarbudget


def export_lines(app: Medborgarbudget, cycle_id: str | UUID) -> Iterator[str]:
    cycle = app.cycle(cycle_id)
    published: dict[str, Any] = {}

    def events() -> Iterator[dict[str, Any]]:
        for seq, record in enumerate(app.iter_cycle_events(cycle.id), start=1):
            if record["topic"] == RESULTS_PUBLISHED:
                published["digest"] = record["data"]["results"].get("ballots_digest")
            yield event_record(seq, record["position"], record["topic"],
                               record["originator_id"], record["originator_version"],
                               record["timestamp"], record["data"])

    # The manifest describes exactly the events exported, even if the store grew meanwhile.
    return export_records(header(str(cycle.id), datetime.now(UTC)), events(),
                          lambda: published.get("digest"))
