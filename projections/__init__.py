"""Read models built from the event log (see issue: projections)."""
