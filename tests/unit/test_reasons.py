"""The Swedish pages translate every reason the counting rules give, on real elections."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.allocation import RULES, allocate
from domain.pabulib import read_pabulib, to_election
from service.pages.reasons import translate_reason

FILES = Path(__file__).resolve().parents[3] / "shared" / "pabulib"
SMALL = ["Poland_Gdansk_2020_Oliwa.pb", "Poland_Gdynia_2020_Dabrowa__small.pb",
         "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb"]


@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("rule", RULES)
def test_every_reason_has_swedish_wording(name: str, rule: str) -> None:
    with (FILES / name).open(encoding="utf-8", newline="") as file:
        election = to_election(read_pabulib(file))
    if rule == "greedy-threshold" and election.min_project_score_threshold is None:
        pytest.skip("no threshold in this file")
    for reason in allocate(election, rule).reasons.values():
        assert translate_reason(reason, "sv") != reason, reason
        assert translate_reason(reason, "en") == reason
