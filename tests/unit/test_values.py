"""Money, pseudonyms, voting rules and eligibility: small values with sharp edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.areas import Eligibility
from domain.errors import InvalidInput
from domain.money import format_kronor, kronor
from domain.pseudonym import pseudonym
from domain.voting_rules import VotingRule

SECRET = bytes(range(32))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(250_000, 250_000), ("250000", 250_000), ("250 000", 250_000), (Decimal("400000.0"), 400_000)],
)
def test_kronor_accepts_exact_whole_amounts(value: object, expected: int) -> None:
    assert kronor(value, "budget") == expected


@pytest.mark.parametrize("value", [-1, 1.0, 12.5, "12,5", "abc", Decimal("0.5"), True, None,
                                   "NaN", "Infinity"])
def test_kronor_refuses_everything_else(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        kronor(value, "budget")
    assert refused.value.field == "budget"


def test_kronor_formatting_is_swedish() -> None:
    assert format_kronor(1_523_200) == "1 523 200 kr"


def test_pseudonyms_are_keyed_stable_and_purpose_bound() -> None:
    a = pseudonym(SECRET, "19900101-1234")
    assert a == pseudonym(SECRET, "199001011234") == pseudonym(SECRET, " 19900101-1234 ")
    assert "19900101" not in a and len(a) == 64
    assert a != pseudonym(bytes(reversed(SECRET)), "19900101-1234")
    assert a != pseudonym(SECRET, "19900101-1234", purpose="proposer")
    with pytest.raises(ValueError, match="32 bytes"):
        pseudonym(b"short", "19900101-1234")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "lottery"}, "kind"),
        ({"kind": "approval", "min_choices": 3, "max_choices": 2}, "max_choices"),
        ({"kind": "cumulative", "max_points_per_project": 3}, "max_total_points"),
        ({"kind": "approval", "max_total_points": 3}, "cumulative voting only"),
        ({"kind": "ranked"}, "top k"),
        ({"kind": "approval", "colour": "red"}, "unknown field"),
        ({"kind": "approval", "max_choices": -1}, "max_choices"),
    ],
)
def test_bad_voting_rules(data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        VotingRule.from_dict(data)


def test_voting_rules_map_to_pabulib_vote_types() -> None:
    assert VotingRule.from_dict({"kind": "knapsack"}).vote_type == "approval"
    assert VotingRule.from_dict({"kind": "ranked", "max_choices": 3}).vote_type == "ordinal"


def test_eligibility_by_age_on_the_day_and_residence() -> None:
    young = Eligibility(min_age=13, max_age=25)
    today = date(2027, 4, 20)
    assert young.refusal(date(2014, 4, 20), None, today) is None  # 13 today
    assert "at least 13" in str(young.refusal(date(2014, 4, 21), None, today))
    assert "at most 25" in str(young.refusal(date(2001, 4, 20), None, today))
    assert "no birth date" in str(young.refusal(None, None, today))
    district = Eligibility(residence="norr")
    assert district.refusal(None, "norr", today) is None
    assert "live in 'norr'" in str(district.refusal(None, "soder", today))
    assert Eligibility().refusal(None, None, today) is None
