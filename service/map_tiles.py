"""Where the map page's background comes from (MEDBORGARBUDGET_MAP_TILES and _ATTRIBUTION,
checked in service/config.py), and the one origin the Content-Security-Policy lets images come
from besides this site (ADR 0031)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from service.config import NO_TILES, Settings


@dataclass(frozen=True)
class MapTiles:
    template: str | None  # None: no tiles, boundaries and markers on a blank background
    attribution: str

    @classmethod
    def of(cls, settings: Settings) -> MapTiles:
        tiles = settings.map_tiles
        return cls(None if tiles == NO_TILES else tiles, settings.map_attribution)

    @property
    def origin(self) -> str | None:
        """scheme://host[:port] of the tiles, as a CSP source."""
        if self.template is None:
            return None
        parts = urlsplit(self.template)
        return f"{parts.scheme}://{parts.netloc}"
