"""A proposal's pictures as the domain knows them: a reference to bytes kept elsewhere.

The bytes (decoded, re-encoded and stripped of metadata by the service) never enter the event
log; an event carries only their digest, what the picture shows in words (its alt text, which
is required) and its size (ADR 0030).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from domain import text as lengths
from domain.errors import InvalidInput
from domain.text import clean_text

MAX_PICTURES: Final = 3
MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024  # one file as the resident sends it
MEDIA_TYPES: Final = frozenset({"image/webp", "image/jpeg"})
_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value: str) -> bool:
    """A SHA-256 in lower-case hex: the only names pictures are stored and served by."""
    return _DIGEST.fullmatch(value) is not None


def alt_text(value: object) -> str:
    return clean_text(value, "alt", lengths.ALT_TEXT)


@dataclass(frozen=True)
class PictureRef:
    """A stored picture: `widths` the sizes kept (ascending), `width` x `height` the largest."""

    digest: str
    alt: str
    media_type: str
    width: int
    height: int
    widths: tuple[int, ...]
    size: int

    def __post_init__(self) -> None:
        if not is_digest(self.digest):
            raise InvalidInput("digest", "must be a SHA-256 in hex")
        if self.media_type not in MEDIA_TYPES:
            raise InvalidInput("media_type", f"must be one of {sorted(MEDIA_TYPES)}")
        if not self.widths or self.widths[-1] != self.width:
            raise InvalidInput("widths", "must end with the picture's own width")
