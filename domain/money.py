"""Money is exact: whole minor units (öre, grosze, cents), held as int, never float (ADR 0014).

Every amount in the domain and its events is an int of hundredths of the cycle's currency
(`MINOR_PER_UNIT`): 250 000 kr is 25_000_000, Warszawa 2017 Gocław's budget of 969245.38 PLN is
96_924_538. People and the API's kronor fields give amounts in whole units with at most two
decimals; `minor_units` reads them, and `format_money` writes them the Swedish way, öre only when
there are some ("31 666,67 kr", "150 000 kr", "479 000 PLN").

Events stored before minor units held whole kronor; `versioned` gives an event class the
library's class-version upcasting, and keeps what was stored for the audit chain (`AS_STORED`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from domain.errors import InvalidInput

MINOR_PER_UNIT = 100  # öre in a krona, grosze in a złoty, cents in a euro: every currency we meet
SEK = "SEK"
DEFAULT_CURRENCY = SEK
MAX_UNITS = 10**12  # far above any public budget (the API's limit too); refuses absurd input
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SPACES = str.maketrans("", "", " \u00a0\u202f")


def minor_units(value: object, field: str, *, allow_zero: bool = True) -> int:
    """`value`, an amount in whole units (kronor) with at most two decimals, as minor units (öre),
    or refuse it naming `field`.

    Accepts an int, a Decimal, or text ("250000", "250 000", "969245.38", "31 666,67"); refuses
    floats outright because a float cannot be trusted to be the amount a person typed, and an
    amount finer than an öre, which no currency here can pay.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(field, "must be an exact amount: a whole number, or a decimal given "
                                  "as text such as \"969245.38\" (not a floating-point number)")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal | str):
        text = str(value).strip().translate(_SPACES)
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # a Swedish decimal comma: "31 666,67"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(field, f"'{value}' is not an amount") from None
        if not amount.is_finite():
            raise InvalidInput(field, f"'{value}' is not an amount")
    else:
        raise InvalidInput(field, "must be an amount")
    if abs(amount) > MAX_UNITS:
        raise InvalidInput(field, "is too large")
    minor = amount * MINOR_PER_UNIT
    if minor != minor.to_integral_value():
        raise InvalidInput(field, "must be a whole number of öre: at most two decimals")
    if amount < 0:
        raise InvalidInput(field, "must not be negative")
    if amount == 0 and not allow_zero:
        raise InvalidInput(field, "must be greater than zero")
    return int(minor)


def from_minor(minor: int) -> Decimal:
    """Minor units as an exact Decimal of whole units (96924538 -> 969245.38, 100 -> 1)."""
    if minor % MINOR_PER_UNIT == 0:
        return Decimal(minor // MINOR_PER_UNIT)
    return Decimal(minor).scaleb(-2)  # exact: no rounding to the context's precision


def major_text(minor: int) -> str:
    """Whole units as plain text, the decimals only when there are öre: '969245.38', '250000'
    (Pabulib files, CSV cells, the API's kronor fields given as text)."""
    return format(from_minor(minor), "f")


def json_major(minor: int) -> int | str:
    """Whole units for JSON: an int when whole (250000), else the exact decimal as text
    ("969245.38"), never a float; the same as `medborgarbudget tally --json` gives amounts."""
    if minor % MINOR_PER_UNIT == 0:
        return minor // MINOR_PER_UNIT
    return major_text(minor)


def unit(currency: str) -> str:
    """How amounts name the currency: 'kr' for kronor, else its code ('PLN', 'EUR')."""
    return "kr" if currency == SEK else currency


def format_major(amount: Decimal | int, currency: str = SEK) -> str:
    """An amount of whole units, the Swedish way, as plain text: a space between thousands, a
    decimal comma, öre only when there are some (then two places, or every further decimal the
    amount has): '150 000 kr', '31 666,67 kr', '479 000 PLN', '0,125 kr'."""
    text = format(Decimal(amount), "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0")
    if fraction:
        fraction = "," + fraction.ljust(2, "0")
    grouped = f"{int(whole):,}".replace(",", " ")
    return f"{sign}{grouped}{fraction} {unit(currency)}"


def format_money(minor: int, currency: str = SEK) -> str:
    """Minor units the Swedish way, as plain text: '31 666,67 kr', '150 000 kr'."""
    return format_major(from_minor(minor), currency)


def currency_code(value: object, field: str = "currency") -> str:
    """An ISO 4217 code ('SEK', 'PLN', 'EUR'), upper-cased, or refuse it naming `field`."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _CURRENCY.match(code):
        raise InvalidInput(field, f"'{value}' is not a currency code (three letters, ISO 4217, "
                                  "e.g. SEK, PLN, EUR)")
    return code


def currency_of(recorded: str | None, areas: Iterable[Mapping[str, object]]) -> str:
    """A cycle's currency: the one it recorded; for a cycle created before cycles recorded one,
    the currency its imported election's file names, else kronor."""
    if recorded:
        return recorded
    for area in areas:
        found = imported_currency(area)
        if found is not None:
            return found
    return DEFAULT_CURRENCY


def imported_currency(area: Mapping[str, object]) -> str | None:
    """The currency an imported election's file names (Pabulib META `currency`), if a code:
    what an imported cycle stored before cycles recorded their currency is counted in."""
    source = area.get("source")
    named: object = ""
    if isinstance(source, Mapping) and source.get("format") == "pabulib":
        meta = source.get("meta") or {}
        named = meta.get("currency", "") if isinstance(meta, Mapping) else ""
    code = str(named).strip().upper()
    return code if _CURRENCY.match(code) else None


# ---- old events: whole kronor, upcast to minor units -------------------------------------

# An upcast event keeps what was stored under this key (the library passes an event's methods
# only the attributes they name): the audit chain links an event as it was stored
# (domain.audit.event_data), so a history chained before an upcast keeps its heads.
AS_STORED = "as_stored"
# An event's state as the library's transcoder decoded it (JSON values, and the datetimes and
# UUIDs it transcodes), which an upcast changes in place.
StoredState: TypeAlias = dict[str, object]
_EVENT_KEYS = ("originator_id", "originator_version", "timestamp")


def kronor_to_minor(value: object) -> int | None:
    """A whole-kronor amount of an old event (an int, or None for none; the results' costs could
    be written as a decimal text) in minor units."""
    if value is None:
        return None
    return int(Decimal(str(value)) * MINOR_PER_UNIT)


def versioned(event_class: type, *upcasts: Callable[[StoredState], None]) -> None:
    """Give `event_class` class version len(upcasts) + 1 with the library's upcasting: the n-th
    function turns a version-n event's state into version n + 1, in place. The first upcast of
    an event also keeps the state as stored, under AS_STORED."""
    for number, upcast in enumerate(upcasts, start=1):
        setattr(event_class, f"upcast_v{number}_v{number + 1}",
                staticmethod(_keeping_the_stored_state(upcast)))
    event_class.class_version = len(upcasts) + 1  # type: ignore[attr-defined]


def _keeping_the_stored_state(upcast: Callable[[StoredState], None],
                              ) -> Callable[[StoredState], None]:
    def upcast_keeping(state: StoredState) -> None:
        if AS_STORED not in state:
            state[AS_STORED] = copy.deepcopy(
                {k: v for k, v in state.items() if k not in _EVENT_KEYS})
        upcast(state)
    upcast_keeping.__doc__ = upcast.__doc__
    return upcast_keeping


def upcast_data(event_class: type, data: Mapping[str, object]) -> StoredState:
    """An event's data as an audit export shows it (as stored: `class_version` when above 1)
    brought to the event class's current version, as the library's mapper would."""
    state = dict(data)
    version = state.pop("class_version", 1)
    current = getattr(event_class, "class_version", 1)
    if not isinstance(version, int) or not 1 <= version <= current:
        raise ValueError(f"class version {version!r} is not one this code reads (1 to "
                         f"{current})")
    while version < current:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    state.pop(AS_STORED, None)
    return state
