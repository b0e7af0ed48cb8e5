"""The one check of free text a person gives (names, titles, reasons, reports): present,
not only spaces, and within its length once the spaces around it are taken off.

The limits are named here so that the API's schemas can say the same thing as the domain.
"""

from __future__ import annotations

from typing import Final

from domain.errors import InvalidInput

NAME: Final = 200  # a cycle's, a municipality's, an area's, an assembly's name or reference
TITLE: Final = 120  # a proposal's title
CATEGORY: Final = 80
DESCRIPTION: Final = 5000  # a proposal's description
REASON: Final = 2000  # a reason, a note, an explanation
REPORT: Final = 20000  # an evaluation report
ADDRESS: Final = 500  # a web address
ALT_TEXT: Final = 300  # what a picture shows, for those who cannot see it (ADR 0030)


def clean_text(value: object, field_name: str, max_length: int = REASON) -> str:
    """`value` without the spaces around it; InvalidInput when it is not text, is empty or
    only spaces, or is longer than `max_length` characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field_name, "must not be empty")
    text = value.strip()
    if len(text) > max_length:
        raise InvalidInput(field_name, f"must be at most {max_length} characters")
    return text
