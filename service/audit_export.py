"""A cycle's history as auditors read it: the audit export and the events API (the verifying side
is domain/audit.py).

Both read the history through `cycle_history`, so both keep ballot contents sealed alike while
the cycle votes (domain.audit.redact decides what is hidden).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from uuid import UUID

from domain.audit import event_record, export_records, header, redact
from domain.cycle import BudgetCycle
from domain.phases import Phase
from service.application import PAGE, Medborgarbudget


@dataclass
class History:
    cycle: BudgetCycle
    interim: bool  # read while the cycle votes: ballot contents redacted
    records: Iterator[dict[str, Any]]  # the cycle's events in store order, with `position`


def cycle_history(app: Medborgarbudget, cycle_id: str | UUID, after: int = 0,
                  chunk: int = PAGE) -> History:
    """The cycle's events after position `after`, as they may be read now (from the store
    `chunk` at a time)."""
    # The end of the log is read before the phase, and nothing stored after it is shown. So a
    # history read while the cycle was still in review cannot run on into ballots cast after
    # voting opened meanwhile: those are stored after `end`. Phases never go back, so a phase
    # past voting read now was past voting for every ballot up to `end` that is shown in full.
    end = app.recorder.max_notification_id() or 0
    cycle = app.cycle(cycle_id)
    interim = cycle.phase is Phase.VOTING

    def records() -> Iterator[dict[str, Any]]:
        for record in app.iter_cycle_events(cycle.id, after, chunk):
            if record["position"] > end:
                return
            if interim:
                record = {**record, "data": redact(record["topic"], record["data"])}
            yield record

    return History(cycle, interim, records())


def events_page(app: Medborgarbudget, cycle_id: str | UUID, after: int, limit: int,
                ) -> tuple[list[dict[str, Any]], int | None, bool]:
    """A page of the cycle's events after `after`: (events, position to continue after or
    None at the end, whether ballot contents are redacted)."""
    history = cycle_history(app, cycle_id, after, chunk=max(1, limit))
    found = list(islice(history.records, limit))
    return found, (found[-1]["position"] if found else None), history.interim


def export_lines(app: Medborgarbudget, cycle_id: str | UUID) -> Iterator[str]:
    history = cycle_history(app, cycle_id)
    # Store positions stay out of the export: they differ in a restored store, and the chain
    # must be the same for the same history (domain/audit.py).
    events = (event_record(seq, r["topic"], r["originator_id"], r["originator_version"],
                           r["timestamp"], r["data"])
              for seq, r in enumerate(history.records, start=1))
    # The manifest describes exactly the events exported, even if the store grew meanwhile.
    return export_records(header(str(history.cycle.id), datetime.now(UTC), history.interim),
                          events)
