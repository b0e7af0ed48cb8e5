"""Money, pseudonyms, voting rules and eligibility: small values with sharp edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.areas import Eligibility
from domain.errors import InvalidInput
from domain.money import (
    currency_code,
    format_money,
    from_minor,
    json_major,
    major_text,
    minor_units,
)
from domain.pseudonym import pseudonym
from domain.voting_rules import VotingRule

SECRET = bytes(range(32))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(250_000, 25_000_000), ("250000", 25_000_000), ("250 000", 25_000_000),
     (Decimal("400000.0"), 40_000_000), ("969245.38", 96_924_538),
     (Decimal("969245.38"), 96_924_538), ("31 666,67", 3_166_667), ("12,5", 1250),
     ("0.01", 1), (Decimal("1.500"), 150), ("1e3", 100_000), (0, 0)],
)
def test_amounts_in_whole_units_become_exact_minor_units(value: object, expected: int) -> None:
    assert minor_units(value, "budget") == expected


@pytest.mark.parametrize("value", [-1, 1.0, 12.5, "abc", Decimal("0.005"), "1.001", True, None,
                                   "NaN", "Infinity", "-0.50", "1e100", [1]])
def test_anything_inexact_or_not_an_amount_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        minor_units(value, "budget")
    assert refused.value.field == "budget"


def test_zero_is_refused_where_an_amount_must_be_given() -> None:
    with pytest.raises(InvalidInput, match="greater than zero"):
        minor_units("0.00", "estimated_cost", allow_zero=False)


def test_minor_units_go_back_to_exact_whole_units() -> None:
    assert from_minor(96_924_538) == Decimal("969245.38")
    assert from_minor(25_000_000) == 250_000
    assert str(from_minor(3_166_650)) == "31666.50"
    assert major_text(96_924_538) == "969245.38" and major_text(25_000_000) == "250000"
    assert json_major(25_000_000) == 250_000 and json_major(150) == "1.50"
    assert json_major(96_924_538) == "969245.38"


def test_amounts_are_written_the_swedish_way_with_ore_only_when_there_are_some() -> None:
    assert format_money(152_320_000) == "1 523 200 kr"
    assert format_money(3_166_667) == "31 666,67 kr"
    assert format_money(15_000_000) == "150 000 kr"
    assert format_money(3_166_650) == "31 666,50 kr"
    assert format_money(47_900_000, "PLN") == "479 000 PLN"
    assert format_money(96_924_538, "PLN") == "969 245,38 PLN"
    assert format_money(5, "EUR") == "0,05 EUR"


def test_a_currency_is_an_iso_code() -> None:
    assert currency_code("pln") == "PLN"
    for bad in ("zł", "", "KRONA", None, 12):
        with pytest.raises(InvalidInput):
            currency_code(bad)


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
