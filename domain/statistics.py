"""Public statistics that cannot single a voter out.

A table cell counting fewer than five ballots (say, the paper ballots of one day) narrows who
cast them too far, so it is shown as "fewer than 5". When a table's total is public, one hidden
cell could be found by subtraction, so a second cell, the smallest other one, is hidden too.
"""

from __future__ import annotations

from collections.abc import Mapping

MINIMUM = 5


def suppressed(counts: Mapping[str, int], minimum: int = MINIMUM) -> dict[str, int | None]:
    """`counts` with each cell under `minimum` (but above 0) as None."""
    shown: dict[str, int | None] = {k: (None if 0 < v < minimum else v)
                                    for k, v in counts.items()}
    hidden = [k for k, v in shown.items() if v is None]
    if len(hidden) == 1:
        others = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if others:
            shown[others[0][1]] = None
    return shown
