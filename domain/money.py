"""Money is whole kronor, held as int: exact, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import InvalidInput


def kronor(value: object, field: str, *, allow_zero: bool = True) -> int:
    """Return `value` as whole kronor, or refuse it naming `field`.

    Accepts int, an integral Decimal, or a string of digits; refuses floats outright because a
    float cannot be trusted to be the amount a person typed.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(field, "must be a whole number of kronor (not a decimal fraction)")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, Decimal | str):
        try:
            as_decimal = Decimal(str(value).strip().replace(" ", "").replace("\u00a0", ""))
        except InvalidOperation:
            raise InvalidInput(field, f"'{value}' is not an amount of kronor") from None
        if not as_decimal.is_finite() or as_decimal != as_decimal.to_integral_value():
            raise InvalidInput(field, "must be a whole number of kronor")
        amount = int(as_decimal)
    else:
        raise InvalidInput(field, "must be a whole number of kronor")
    if amount < 0:
        raise InvalidInput(field, "must not be negative")
    if amount == 0 and not allow_zero:
        raise InvalidInput(field, "must be greater than zero")
    return amount


def format_kronor(amount: int | Decimal) -> str:
    """Swedish style: a space between thousands, e.g. '250 000 kr'."""
    return f"{amount:,}".replace(",", " ") + " kr"
