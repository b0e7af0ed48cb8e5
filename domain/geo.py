"""An area's boundary (a GeoJSON Polygon or MultiPolygon in WGS84) and whether a point lies in it.

Positions are [longitude, latitude] as GeoJSON writes them (RFC 7946); a proposal's place gives
lat and lon separately (domain/proposal.py). Pure Python: a municipality's districts have a few
hundred vertices at most, and even-odd ray casting over them is microseconds, so no geometry
library is needed (ADR 0031).

A point on a ring's edge or vertex counts as inside: the line between two districts belongs to
both, and a resident who clicks on it should not be told they are in neither.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence

from domain.documents import Boundary
from domain.errors import InvalidInput

FIELD = "area.boundary"
KINDS = ("Polygon", "MultiPolygon")
MAX_VERTICES = 5_000  # in all rings together: a district's outline, not a coastline survey
MAX_POLYGONS = 50
MAX_RINGS = 50  # per polygon: its outline and its holes
MAX_JSON_CHARS = 150_000  # as stored: every vertex at 6 decimals (0.1 m) fits, at 17 not

Position = tuple[float, float]  # (lon, lat)
Ring = list[Position]
Polygon = list[Ring]  # the outline first, then the holes


def boundary_from(value: object) -> Boundary:
    """A GeoJSON geometry checked and written the way it is stored: `type` and `coordinates`
    only, every number a float. InvalidInput names what is wrong (closed rings, ranges,
    limits), so an administrator can fix it."""
    if not isinstance(value, Mapping):
        raise InvalidInput(FIELD, "must be a GeoJSON Polygon or MultiPolygon object")
    unknown = set(value) - {"type", "coordinates"}
    if unknown:
        raise InvalidInput(FIELD, f"unknown member(s): {', '.join(sorted(map(str, unknown)))}; "
                                  "give the geometry only (type and coordinates)")
    kind = value.get("type")
    if kind not in KINDS:
        raise InvalidInput(f"{FIELD}.type", "must be Polygon or MultiPolygon")
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon(coordinates, f"{FIELD}.coordinates")]
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise InvalidInput(f"{FIELD}.coordinates", "must be a non-empty list of polygons")
        if len(coordinates) > MAX_POLYGONS:
            raise InvalidInput(f"{FIELD}.coordinates", f"at most {MAX_POLYGONS} polygons")
        polygons = [_polygon(p, f"{FIELD}.coordinates[{i}]") for i, p in enumerate(coordinates)]
    vertices = sum(len(ring) for polygon in polygons for ring in polygon)
    if vertices > MAX_VERTICES:
        raise InvalidInput(FIELD, f"has {vertices} vertices; at most {MAX_VERTICES}: simplify "
                                  "the outline")
    stored_coordinates = [[[list(p) for p in ring] for ring in polygon] for polygon in polygons]
    stored: Boundary = {"type": "Polygon", "coordinates": stored_coordinates[0]} \
        if kind == "Polygon" else {"type": "MultiPolygon", "coordinates": stored_coordinates}
    if len(json.dumps(stored, separators=(",", ":"))) > MAX_JSON_CHARS:
        raise InvalidInput(FIELD, f"is longer than {MAX_JSON_CHARS} characters as JSON: round "
                                  "the coordinates (6 decimals is a tenth of a metre) or "
                                  "simplify the outline")
    return stored


def _polygon(value: object, field: str) -> Polygon:
    if not isinstance(value, list) or not value:
        raise InvalidInput(field, "a polygon must be a non-empty list of rings")
    if len(value) > MAX_RINGS:
        raise InvalidInput(field, f"a polygon has at most {MAX_RINGS} rings")
    return [_ring(ring, f"{field}[{i}]") for i, ring in enumerate(value)]


def _ring(value: object, field: str) -> Ring:
    if not isinstance(value, list) or len(value) < 4:
        raise InvalidInput(field, "a ring must be a list of at least 4 positions")
    if len(value) > MAX_VERTICES:
        raise InvalidInput(field, f"at most {MAX_VERTICES} vertices: simplify the outline")
    ring = [_position(p, f"{field}[{i}]") for i, p in enumerate(value)]
    if ring[0] != ring[-1]:
        raise InvalidInput(field, "the ring is not closed: its last position must repeat its "
                                  "first")
    if len(set(ring)) < 3:
        raise InvalidInput(field, "the ring needs at least 3 different positions")
    return ring


def _position(value: object, field: str) -> Position:
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidInput(field, "a position must be [longitude, latitude]")
    lon, lat = value
    for number in (lon, lat):
        if isinstance(number, bool) or not isinstance(number, int | float) \
                or not math.isfinite(number):
            raise InvalidInput(field, "longitude and latitude must be numbers")
    if not -180 <= lon <= 180:
        raise InvalidInput(field, "longitude must be between -180 and 180")
    if not -90 <= lat <= 90:
        raise InvalidInput(field, "latitude must be between -90 and 90")
    return (float(lon), float(lat))


def polygons_of(boundary: Boundary) -> list[Sequence[Sequence[Sequence[float]]]]:
    """The polygons of a stored boundary, each its rings of [lon, lat] positions."""
    if boundary["type"] == "Polygon":
        return [boundary["coordinates"]]
    return list(boundary["coordinates"])


def contains(boundary: Boundary, lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies in the boundary: inside a polygon's outline and outside its holes,
    or on any of its edges."""
    return any(_in_polygon(polygon, lon, lat) for polygon in polygons_of(boundary))


def _in_polygon(rings: Sequence[Sequence[Sequence[float]]], x: float, y: float) -> bool:
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if _on_segment(x, y, x1, y1, x2, y2):
                return True
            # Even-odd rule over every ring: crossing a hole's edge leaves the polygon again.
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    if not (min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)):
        return False
    return (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) == 0
