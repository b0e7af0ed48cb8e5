"""Colours as CSS writes them (#rgb or #rrggbb) and their contrast as WCAG 2 measures it: for
the municipality's colours, checked before the service starts (ADR 0027)."""

from __future__ import annotations

import re

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# WCAG 2.1 AA, 1.4.3: normal text needs 4.5:1 against its background.
AA_TEXT = 4.5


def hex_colour(value: str) -> str:
    """`value` as #rrggbb in lower case; ValueError unless it is #rgb or #rrggbb."""
    text = value.strip()
    if not _HEX.match(text):
        raise ValueError("must be a colour written #rrggbb (or #rgb), e.g. #0b4f8a")
    digits = text[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return f"#{digits}"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """The relative luminance of a #rrggbb colour (WCAG 2's definition)."""
    digits = hex_colour(colour)[1:]
    red, green, blue = (_channel(int(digits[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
