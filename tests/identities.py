"""Valid Swedish personnummer for tests, in place of made-up subjects such as "resident-1".

The check digit is computed here independently of domain.identity, so the tests of that module
have an oracle of their own.
"""

from __future__ import annotations

from datetime import date, timedelta

_FIRST_BIRTH_DATE = date(1960, 1, 1)
_SERIALS = 1000


def with_check_digit(first9: str) -> str:
    """`first9` (YYMMDDNNN) followed by its Luhn check digit."""
    if len(first9) != 9 or not (first9.isascii() and first9.isdigit()):
        raise ValueError("expected the first nine digits, YYMMDDNNN")
    total = 0
    for position, char in enumerate(first9):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += sum(divmod(product, 10))
    return first9 + str((10 - total % 10) % 10)


def valid_personnummer(n: int, born: date | None = None) -> str:
    """A valid personnummer, YYYYMMDD-NNNC, distinct for each n >= 0 and always the same for n.

    Without `born`, person n is born 1960-01-01 plus n // 1000 days, serial n % 1000. With `born`,
    n is the serial, so 0 <= n < 1000.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if born is None:
        born = _FIRST_BIRTH_DATE + timedelta(days=n // _SERIALS)
    elif n >= _SERIALS:
        raise ValueError(f"with a birth date given, n is the serial and must be below {_SERIALS}")
    digits = with_check_digit(f"{born:%y%m%d}{n % _SERIALS:03d}")
    return f"{born.year:04d}{digits[2:6]}-{digits[6:]}"


_STANDING_IN: dict[tuple[str, date | None], str] = {}
_NEXT_SERIAL: dict[date, int] = {}


def personnummer_for(name: str, born: date | None = None) -> str:
    """A valid personnummer standing for the test resident called `name` (born on `born`, if
    given): `name` itself when it is a personnummer already, else one given out the first time
    the name is asked for and the same ever after in this process, never to two names."""
    if _is_personnummer(name):
        return name
    key = (name, born)
    if key not in _STANDING_IN:
        day = born or _FIRST_BIRTH_DATE + timedelta(days=len(_STANDING_IN))
        serial = _NEXT_SERIAL.get(day, 500)  # 500 up: apart from valid_personnummer's own
        if serial >= _SERIALS:
            raise ValueError(f"more than 500 test residents born on {day}")
        _NEXT_SERIAL[day] = serial + 1
        _STANDING_IN[key] = valid_personnummer(serial, day)
    return _STANDING_IN[key]


def _is_personnummer(text: str) -> bool:
    if len(text) != 13 or text[8] not in "-+" or not (text[:8] + text[9:]).isdigit():
        return False
    return with_check_digit(text[2:8] + text[9:12]) == text[2:8] + text[9:]
