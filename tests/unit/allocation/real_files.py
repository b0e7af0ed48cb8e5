"""The published Pabulib elections in ../shared/pabulib (override: MEDBORGARBUDGET_PABULIB)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from domain.allocation import Election
from domain.pabulib import PabulibFile, read_pabulib, to_election
from tests.paths import PABULIB_DIR

REAL_FILES: list[Path] = sorted(PABULIB_DIR.glob("*.pb"))


@cache
def load(path: Path) -> PabulibFile:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return read_pabulib(stream)


@cache
def election(path: Path) -> Election:
    return to_election(load(path))
