"""Swedish personnummer and samordningsnummer as one value, checked and in one canonical form.

DESIGN.md §5: a personnummer is checked and reduced to one canonical form before anything (such as
a voter's pseudonym) is derived from it, so that "811218-9876" and "19811218 9876" are the same
person and a mistyped number is refused instead of becoming a stranger.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from domain.errors import InvalidInput

_NOT_VALID = "not a valid personnummer or samordningsnummer: "

# Characters that copy-and-paste, word processors and right-to-left text slip in without anyone
# seeing them. Whitespace of every kind is dropped as well (see _normalised).
_INVISIBLE = frozenset(
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark, travels with Arabic-Indic digits
    "\u200b\u200c\u200d"  # zero-width space, non-joiner, joiner
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060"  # word joiner
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # byte order mark, zero-width no-break space
)
# The minus sign is a math symbol, not dash punctuation (category Pd), but people type it.
_MINUS_SIGN = "\u2212"

# A samordningsnummer (coordination number) writes the day of birth plus 60.
_COORDINATION_OFFSET = 60

# A 10-digit form names someone under 100 ('-') or 100 to 199 ('+'); a 12-digit form may name
# no one older, so that every accepted number has a 10-digit form and both name the same set.
_OLDEST = 200


@dataclass(frozen=True, slots=True, repr=False)
class IdentityNumber:
    """A checked personnummer or samordningsnummer; equal numbers share `canonical`."""

    canonical: str  # YYYYMMDDNNNC, 12 ASCII digits, the day as written (plus 60 if coordination)

    def __post_init__(self) -> None:
        # Construction from a stored canonical value must not bypass the checks of parse_identity.
        c = self.canonical
        if not (isinstance(c, str) and len(c) == 12 and c.isascii() and c.isdigit()):
            raise InvalidInput("identity", "the canonical form is 12 digits, YYYYMMDDNNNC")
        if _birth_date(int(c[:4]), int(c[4:6]), int(c[6:8])) is None:
            raise InvalidInput("identity", _NOT_VALID + "no such date")
        if _check_digit(c[2:11]) != int(c[11]):
            raise InvalidInput("identity", _NOT_VALID + "the check digit does not match")

    @property
    def birth_date(self) -> date:
        born = _birth_date(int(self.canonical[:4]), int(self.canonical[4:6]),
                           int(self.canonical[6:8]))
        assert born is not None  # checked in __post_init__
        return born

    @property
    def is_coordination_number(self) -> bool:
        return int(self.canonical[6:8]) > _COORDINATION_OFFSET

    def __str__(self) -> str:
        return f"{self.canonical[:8]}-{self.canonical[8:]}"

    def __repr__(self) -> str:
        # Reprs end up in logs, tracebacks and assertion messages: never show the whole number.
        return f"IdentityNumber({self.canonical[:8]}-****)"


def parse_identity(text: str, today: date, field: str = "identity") -> IdentityNumber:
    """The personnummer or samordningsnummer written in `text`, or InvalidInput naming `field`.

    Accepts YYMMDD-NNNC and YYYYMMDD-NNNC with '-', '+', a space or nothing before the last four
    digits, in digits of any script. In a 10-digit form '+' means the person is 100 or older on
    `today`; otherwise the person is under 100. Messages never repeat the number.
    """
    digits, separator = _digits_and_separator(text, field)
    if len(digits) == 10:
        year = _century_of(digits, separator, today) + int(digits[:2])
    else:
        year = int(digits[:4])
    month, written_day = int(digits[-8:-6]), int(digits[-6:-4])
    born = _birth_date(year, month, written_day)
    if born is None:
        raise InvalidInput(field, _NOT_VALID + "no such date")
    if born > today:
        raise InvalidInput(field, _NOT_VALID + "the birth date is in the future")
    if _is_at_least(_OLDEST, born, today):
        raise InvalidInput(field, _NOT_VALID + f"the birth date is {_OLDEST} or more years ago")
    if separator == "+" and not _is_at_least(100, born, today):
        raise InvalidInput(
            field, _NOT_VALID + "a '+' means the person is 100 or older, and this one is not"
        )
    if _check_digit(digits[-10:-1]) != int(digits[-1]):
        raise InvalidInput(field, _NOT_VALID + "the check digit does not match")
    return IdentityNumber(f"{year:04d}{digits[-8:]}")


def _digits_and_separator(text: str, field: str) -> tuple[str, str | None]:
    """ASCII digits and the separator ('-', '+' or None) of what a person wrote."""
    if not isinstance(text, str):
        raise InvalidInput(field, "must be a personnummer or samordningsnummer written as text")
    digits: list[str] = []
    separator: str | None = None
    separator_at = 0
    # NFKC folds full-width and other compatibility forms (digits, '+', '-', NBSP) to plain ones.
    for char in unicodedata.normalize("NFKC", text):
        if char in _INVISIBLE or char.isspace():
            continue
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(str(value))
        elif char == "+" or char == _MINUS_SIGN or unicodedata.category(char) == "Pd":
            if separator is not None:
                raise InvalidInput(field, _NOT_VALID + "only one '-' or '+' is allowed")
            separator = "+" if char == "+" else "-"
            separator_at = len(digits)
        else:
            raise InvalidInput(
                field, _NOT_VALID + "only digits and a '-' or '+' before the last four are allowed"
            )
    if not digits and separator is None:
        raise InvalidInput(field, "a personnummer or samordningsnummer is required")
    if len(digits) not in (10, 12):
        raise InvalidInput(field, _NOT_VALID + f"expected 10 or 12 digits, found {len(digits)}")
    if separator is not None and separator_at != len(digits) - 4:
        raise InvalidInput(field, _NOT_VALID + "the '-' or '+' belongs before the last four digits")
    return "".join(digits), separator


def _century_of(digits: str, separator: str | None, today: date) -> int:
    """The century (e.g. 1900) of a 10-digit form, from its separator and `today`."""
    yy, month, written_day = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    day = written_day - _COORDINATION_OFFSET if written_day > _COORDINATION_OFFSET else written_day
    century = today.year // 100 * 100
    # Compared as tuples rather than dates: 29 February may not exist in the candidate year, and
    # whether the date exists is decided (and refused) once the century is known.
    if (century + yy, month, day) > (today.year, today.month, today.day):
        century -= 100
    if separator == "+":
        century -= 100
    return century


def _birth_date(year: int, month: int, written_day: int) -> date | None:
    """The birth date, the day as written in a personnummer or samordningsnummer; None if none."""
    if written_day > _COORDINATION_OFFSET:
        written_day -= _COORDINATION_OFFSET
    elif written_day > 31:
        # Days 32-60 are neither a personnummer's day nor a samordningsnummer's day plus 60.
        return None
    try:
        return date(year, month, written_day)
    except ValueError:
        return None


def _is_at_least(years: int, born: date, today: date) -> bool:
    # Tuples, since born.replace(year=...) fails for 29 February.
    return (born.year + years, born.month, born.day) <= (today.year, today.month, today.day)


def _check_digit(first9: str) -> int:
    """The Luhn check digit over YYMMDDNNN (weights 2, 1, 2, ... from the left)."""
    total = 0
    for position, char in enumerate(first9):
        product = int(char) * (2 - position % 2)
        total += product // 10 + product % 10
    return -total % 10


def personnummer_of(born: date, serial: int) -> IdentityNumber:
    """The personnummer of someone born on `born` with birth number `serial` (0 to 999): for
    demonstration data, never for real people's numbers."""
    if not 0 <= serial <= 999:
        raise ValueError("a birth number is 0 to 999")
    first9 = f"{born:%y%m%d}{serial:03d}"
    return IdentityNumber(f"{born.year:04d}{first9[2:]}{_check_digit(first9)}")
