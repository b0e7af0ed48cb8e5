"""Every rule on every published file gives the winners that pabutools gives.

pabutools is run with our documented tie-breaking (higher score, lower cost, natural id) and
also with its own default (ids compared as text): on these ten files the funded projects are
the same either way, which the `lexico` cases check. For the slow pabutools runs (mes-add1 on
the larger files, up to two minutes) the tests are marked `slow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.allocation import RULES, allocate
from tests.unit.allocation.conftest import PabutoolsResults
from tests.unit.allocation.real_files import REAL_FILES, election

SLOW_ADD1 = ("Amsterdam", "Gdynia_2021", "Katowice", "Krakow", "Warszawa")


@dataclass(frozen=True)
class Case:
    path: Path
    rule: str

    def pabutools_cases(self) -> list[tuple[str, str, str]]:
        return [(str(self.path), self.rule, tie) for tie in ("ours", "lexico")]

    def __str__(self) -> str:
        return f"{self.path.stem}-{self.rule}"


def _cases() -> list[object]:
    cases: list[object] = []
    for path in REAL_FILES:
        for rule in RULES:
            marks = []
            if rule == "mes-add1" and any(name in path.name for name in SLOW_ADD1):
                marks.append(pytest.mark.slow)
            cases.append(pytest.param(Case(path, rule), marks=marks, id=str(Case(path, rule))))
    return cases


@pytest.mark.skipif(not REAL_FILES, reason="the published Pabulib files are not available")
@pytest.mark.parametrize("pabutools_case", _cases())
def test_same_winners_as_pabutools(
    pabutools_case: Case, pabutools_results: PabutoolsResults
) -> None:
    path, rule = pabutools_case.path, pabutools_case.rule
    counted = election(path)
    if rule == "greedy-threshold" and counted.min_project_score_threshold is None:
        with pytest.raises(ValueError, match="min_project_score_threshold"):
            allocate(counted, rule)
        return
    ours = allocate(counted, rule).selected
    theirs = pabutools_results.selected(str(path), rule, "ours")
    assert ours == theirs, "same projects in the same order as pabutools with our tie-breaking"
    default = pabutools_results.selected(str(path), rule, "lexico")
    assert set(ours) == set(default), "same projects as pabutools with its default tie-breaking"
