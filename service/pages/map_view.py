"""What the map page shows (ADR 0031): the proposals that have a point, as the list beside the map
lists them and service/pages/static/map.js puts them on it, and the areas' boundaries as GeoJSON.

The list is the page: it is built on the server and works without JavaScript; the script reads
each item's coordinates from it, so the map never shows a proposal the list does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.pages import i18n


@dataclass(frozen=True)
class Marker:
    id: str
    title: str
    area: str  # the area's name
    place: str  # the place's name, as the proposer gave it
    status: str  # as the proposals page shows it (selected or not, once counted)
    lat: str  # decimal text, as stored (domain/proposal.py)
    lon: str


def markers(proposals: Iterable[Mapping[str, Any]], areas: Mapping[str, Mapping[str, Any]],
            selected: Mapping[str, bool]) -> list[Marker]:
    """The proposals with coordinates, in the order given; `selected`: the count's verdict on
    each proposal, once there is one. A hidden proposal has lost its place (projections/
    fold.py), so it is on neither the list nor the map."""
    found = []
    for p in proposals:
        place = p.get("place") or {}
        if p.get("hidden") or place.get("lat") is None or place.get("lon") is None:
            continue
        area = areas.get(p["area"], {})
        found.append(Marker(p["id"], p["title"], str(area.get("name", p["area"])),
                            str(place.get("name", "")),
                            i18n.shown_status(p["status"], selected.get(p["id"])),
                            str(place["lat"]), str(place["lon"])))
    return found


def boundaries(areas: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The areas that have a boundary, as a GeoJSON FeatureCollection named by area."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": a["boundary"],
         "properties": {"id": a["id"], "name": a["name"]}}
        for a in areas if a.get("boundary")]}
