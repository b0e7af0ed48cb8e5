"""Personnummer and samordningsnummer: every common written form in, one canonical value out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.identity import IdentityNumber, parse_identity
from tests.identities import valid_personnummer, with_check_digit

TODAY = date(2026, 3, 15)
# The full-width forms (U+FF10-U+FF19, U+FF0D, U+FF0B) of ASCII digits, '-' and '+'.
_FULL_WIDTH = str.maketrans({char: chr(ord(char) + 0xFEE0) for char in "0123456789-+"})


def test_the_check_digits_used_here_are_right() -> None:
    # Worked by hand too: 8·2→1+6, 1, 1·2, 2, 1·2, 8, 9·2→1+8, 8, 7·2→1+4 = 44, so 6.
    assert with_check_digit("811218987") == "8112189876"
    assert with_check_digit("701063239") == "7010632391"


@pytest.mark.parametrize(
    "written",
    [
        "19811218-9876",
        "811218-9876",
        "8112189876",
        "198112189876",
        "811218 9876",
        "19811218 9876",
        " 811218-9876\n",
        "\uff18\uff11\uff11\uff12\uff11\uff18\uff0d\uff19\uff18\uff17\uff16",  # full-width
        "\u0668\u0661\u0661\u0662\u0661\u0668-\u0669\u0668\u0667\u0666",  # Arabic-Indic digits
        "\u096e\u0967\u0967\u0968\u0967\u096e-\u096f\u096e\u096d\u096c",  # Devanagari digits
        "811218\u20139876",  # en dash
        "811218\u20149876",  # em dash
        "811218\u22129876",  # minus sign
        "811218\u20119876",  # non-breaking hyphen
        "811218\u20129876",  # figure dash
        "811218\u00ad9876",  # soft hyphen: invisible, so no separator at all
        "8112\u200b18-9876",  # zero-width space
        "\ufeff811218-9876",  # byte order mark
        "\u200e811218-9876\u200f",  # bidi marks
        "\u2066811218\u2060-\u200d9876\u2069",  # isolate, word joiner, zero-width joiner
        "811218\u00a09876",  # no-break space
        "811218\u202f9876",  # narrow no-break space
    ],
)
def test_every_common_form_gives_the_same_canonical_number(written: str) -> None:
    number = parse_identity(written, TODAY)
    assert number.canonical == "198112189876"
    assert str(number) == "19811218-9876"
    assert number.birth_date == date(1981, 12, 18)
    assert not number.is_coordination_number


def test_a_plus_in_a_10_digit_form_means_100_or_older() -> None:
    assert parse_identity("811218+9876", TODAY).canonical == "188112189876"
    assert parse_identity("811218\uff0b9876", TODAY).canonical == "188112189876"  # full-width +


def test_a_12_digit_form_may_carry_either_separator_for_someone_100_or_older() -> None:
    assert parse_identity("18811218+9876", TODAY).canonical == "188112189876"
    assert parse_identity("18811218-9876", TODAY).canonical == "188112189876"


def test_the_century_of_a_10_digit_form_follows_today() -> None:
    born_this_year = with_check_digit("260101123")
    assert parse_identity(born_this_year, TODAY).birth_date == date(2026, 1, 1)
    # Born later in the year than today: the same digits name someone born a century ago.
    later_this_year = with_check_digit("260401123")
    assert parse_identity(later_this_year, TODAY).birth_date == date(1926, 4, 1)
    assert parse_identity(later_this_year, date(2026, 4, 1)).birth_date == date(2026, 4, 1)


def test_the_hundredth_birthday_decides_whether_a_plus_fits() -> None:
    number = "19260315-" + with_check_digit("260315123")[6:]
    assert parse_identity(number.replace("-", "+"), TODAY).birth_date == date(1926, 3, 15)
    with pytest.raises(InvalidInput, match="100 or older"):
        parse_identity(number.replace("-", "+"), TODAY - timedelta(days=1))


def test_29_february_in_a_century_year() -> None:
    digits = with_check_digit("000229123")
    assert parse_identity(digits, TODAY).birth_date == date(2000, 2, 29)
    # 1900 was not a leap year.
    with pytest.raises(InvalidInput, match="no such date"):
        parse_identity(digits[:6] + "+" + digits[6:], TODAY)


def test_a_samordningsnummer_is_born_on_the_day_minus_60() -> None:
    number = parse_identity("701063-2391", TODAY)
    assert number.is_coordination_number
    assert number.birth_date == date(1970, 10, 3)
    assert number.canonical == "197010632391"
    assert str(number) == "19701063-2391"
    assert parse_identity("197010632391", TODAY) == number


def test_equal_numbers_in_different_forms_are_equal_and_hash_alike() -> None:
    forms = ["811218-9876", "19811218-9876", "198112189876", "\uff18\uff11\uff11\uff12\uff11"
             "\uff18\uff0d\uff19\uff18\uff17\uff16"]
    numbers = {parse_identity(form, TODAY) for form in forms}
    assert numbers == {IdentityNumber("198112189876")}
    assert parse_identity("811218-9876", TODAY) != parse_identity("811218+9876", TODAY)


def test_the_repr_never_shows_the_whole_number() -> None:
    number = parse_identity("811218-9876", TODAY)
    assert repr(number) == "IdentityNumber(19811218-****)"
    assert "9876" not in repr(number)
    assert "9876" not in repr([number])


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("811218-9875", "the check digit does not match"),
        ("19811218-9875", "the check digit does not match"),
        (with_check_digit("800230123"), "no such date"),  # 30 February
        (with_check_digit("810231123"), "no such date"),
        (with_check_digit("811300123"), "no such date"),
        (with_check_digit("811200123"), "no such date"),
        (with_check_digit("811232123"), "no such date"),
        (with_check_digit("811260123"), "no such date"),  # neither a day nor a day plus 60
        (with_check_digit("811292123"), "no such date"),  # day 92: 32 plus 60
        (with_check_digit("800290123"), "no such date"),  # samordningsnummer of 30 February
        ("81121898765", "expected 10 or 12 digits"),
        ("1981121898765", "expected 10 or 12 digits"),
        ("811218-987", "expected 10 or 12 digits"),
        ("-", "expected 10 or 12 digits"),
        ("81121a-9876", "only digits"),
        ("Anna Andersson", "only digits"),
        ("811218/9876", "only digits"),
        ("811218.9876", "only digits"),
        ("811218_9876", "only digits"),
        ("+46 70 123 45 67", "expected 10 or 12 digits"),
        ("811218--9876", "only one"),
        ("811218+-9876", "only one"),
        ("8112-189876", "before the last four digits"),
        ("1981-12-18-9876", "only one"),
        ("+8112189876", "before the last four digits"),
        ("20270101-" + with_check_digit("270101123")[6:], "in the future"),
        ("20260316-" + with_check_digit("260316123")[6:], "in the future"),
        ("18260314-" + with_check_digit("260314123")[6:], "200 or more years ago"),
        ("19811218+9876", "100 or older"),
        ("19260316+" + with_check_digit("260316123")[6:], "100 or older"),
    ],
)
def test_refusals_say_what_is_wrong_without_repeating_the_number(written: str,
                                                                 reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_identity(written, TODAY, field="voter")
    assert refused.value.field == "voter"
    assert reason in refused.value.reason
    digits = "".join(char for char in written if char.isdigit())
    if len(digits) >= 10:
        assert digits[-10:] not in str(refused.value)
        assert digits[-4:] not in str(refused.value)


@pytest.mark.parametrize("written", ["", "   ", "\u200b", "\u00a0\ufeff"])
def test_nothing_written_is_refused(written: str) -> None:
    with pytest.raises(InvalidInput, match="is required"):
        parse_identity(written, TODAY)


def test_a_canonical_value_is_checked_on_construction() -> None:
    full_width = "198112189876".translate(_FULL_WIDTH)
    for canonical in ["19811218-9876", "198112189875", "198102309871", full_width]:
        with pytest.raises(InvalidInput):
            IdentityNumber(canonical)


def test_the_test_helper_gives_distinct_valid_numbers() -> None:
    numbers = [valid_personnummer(n) for n in range(3000)]
    assert len(set(numbers)) == len(numbers)
    assert numbers == [valid_personnummer(n) for n in range(3000)]
    for written in numbers:
        assert str(parse_identity(written, TODAY)) == written
    born = date(2008, 2, 29)
    assert parse_identity(valid_personnummer(7, born), TODAY).birth_date == born
    with pytest.raises(ValueError):
        valid_personnummer(1000, born)


# Every date a 10-digit form can name on TODAY: under 200 years old, not born in the future.
_BIRTH_DATES = st.dates(min_value=date(TODAY.year - 199, 1, 1), max_value=TODAY).filter(
    lambda born: (born.year + 200, born.month, born.day) > (TODAY.year, TODAY.month, TODAY.day)
)


@st.composite
def _numbers(draw: st.DrawFn) -> tuple[date, bool, str]:
    born = draw(_BIRTH_DATES)
    coordination = draw(st.booleans())
    day = born.day + 60 if coordination else born.day
    first9 = f"{born:%y%m}{day:02d}{draw(st.integers(0, 999)):03d}"
    return born, coordination, f"{born.year:04d}" + with_check_digit(first9)[2:]


def _written_forms(canonical: str, born: date) -> list[str]:
    ten, sep = canonical[2:], "+" if (born.year + 100, born.month, born.day) <= (
        TODAY.year, TODAY.month, TODAY.day) else "-"
    forms = [
        canonical,
        f"{canonical[:8]}-{canonical[8:]}",
        f"{canonical[:8]} {canonical[8:]}",
        f"{ten[:6]}{sep}{ten[6:]}",
        f"{ten[:6]}{sep}{ten[6:]}".translate(_FULL_WIDTH),
        "\u200b" + ten[:6] + sep.replace("-", "\u2013") + "\u00a0" + ten[6:],
    ]
    if sep == "+":
        forms.append(f"{canonical[:8]}+{canonical[8:]}")
    else:
        forms.append(ten)
    return forms


@given(_numbers())
def test_every_written_form_parses_to_the_same_canonical_value(
    number: tuple[date, bool, str],
) -> None:
    born, coordination, canonical = number
    for written in _written_forms(canonical, born):
        parsed = parse_identity(written, TODAY)
        assert parsed.canonical == canonical
        assert parsed.birth_date == born
        assert parsed.is_coordination_number == coordination


@given(_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_is_refused(
    number: tuple[date, bool, str], position: int, shift: int
) -> None:
    _, _, canonical = number
    # Only the ten digits YYMMDDNNNC: the century digits of a 12-digit form are outside the check
    # digit, and 1981 -> 1881 names another possible person (who in a 10-digit form writes '+').
    ten = canonical[2:]
    changed = ten[:position] + str((int(ten[position]) + shift) % 10) + ten[position + 1:]
    for written in (canonical[:2] + changed, f"{changed[:6]}-{changed[6:]}"):
        with pytest.raises(InvalidInput):
            parse_identity(written, TODAY)
