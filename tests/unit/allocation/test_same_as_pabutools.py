"""Every rule on every published file gives the winners that pabutools gives.

pabutools is run with our documented tie-breaking (higher score, lower cost, natural id), and
the same projects must come out in the same order. It is also run with its own default (ids
compared as text): on these ten files the funded projects are the same either way. mes-add1
makes hundreds of MES runs, and pabutools needs up to two minutes for them, so it runs once,
with our tie-breaking: where none of our runs had to break a tie, pabutools' default order
cannot change anything either, and where one did (Amsterdam) pabutools also runs with its
default. The larger mes-add1 comparisons are marked `slow`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from domain.allocation import RULES, allocate
from domain.allocation.equal_shares import MesInstance, run_mes_add1
from domain.allocation.profile import profile_of
from tests.unit.allocation.conftest import PabutoolsResults
from tests.unit.allocation.real_files import REAL_FILES, election

SLOW_ADD1 = ("Amsterdam", "Gdynia_2021", "Katowice", "Krakow", "Warszawa")


@dataclass(frozen=True)
class Case:
    path: Path
    rule: str

    @property
    def slow(self) -> bool:
        return self.rule == "mes-add1" and any(name in self.path.name for name in SLOW_ADD1)

    def pabutools_cases(self) -> list[tuple[str, str, str]]:
        counted = election(self.path)
        if self.rule == "greedy-threshold" and counted.min_project_score_threshold is None:
            return []
        ties = ["ours", "lexico"]
        if self.rule == "mes-add1" and add1_ties(self.path) == 0:
            ties = ["ours"]
        return [(str(self.path), self.rule, tie) for tie in ties]

    def __str__(self) -> str:
        return f"{self.path.stem}-{self.rule}"


@cache
def add1_ties(path: Path) -> int:
    """Rounds, over every run of our mes-add1 on the file, decided by the tie-break order."""
    return run_mes_add1(MesInstance(profile_of(election(path)))).ties


def _cases() -> list[object]:
    cases: list[object] = []
    for path in REAL_FILES:
        for rule in RULES:
            case = Case(path, rule)
            marks = [pytest.mark.slow] if case.slow else []
            cases.append(pytest.param(case, marks=marks, id=str(case)))
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
    if rule == "mes-add1" and add1_ties(path) == 0:
        return  # no tie was broken, so pabutools' default tie-breaking takes the same path
    default = pabutools_results.selected(str(path), rule, "lexico")
    assert set(ours) == set(default), "same projects as pabutools with its default tie-breaking"
