"""The Swedish pages translate every reason the counting rules give, on real elections."""

from __future__ import annotations

import pytest

from domain.allocation import RULES, allocate
from domain.pabulib import read_pabulib, to_election
from service.pages.reasons import translate_reason
from tests.paths import PABULIB_DIR as FILES

SMALL = ["Poland_Gdansk_2020_Oliwa.pb", "Poland_Gdynia_2020_Dabrowa__small.pb",
         "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb"]


@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("rule", RULES)
def test_every_reason_has_swedish_wording(name: str, rule: str) -> None:
    if not (FILES / name).exists():
        pytest.skip(f"the published Pabulib file {name} is absent from {FILES}")
    with (FILES / name).open(encoding="utf-8", newline="") as file:
        election = to_election(read_pabulib(file))
    if rule == "greedy-threshold" and election.min_project_score_threshold is None:
        pytest.skip("no threshold in this file")
    for reason in allocate(election, rule).reasons.values():
        assert translate_reason(reason, "sv") != reason, reason
        assert translate_reason(reason, "en") == reason
