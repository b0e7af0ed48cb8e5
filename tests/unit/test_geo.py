"""Areas' boundaries (ADR 0031): point in polygon with holes, multipolygons and edges, what a
boundary must be to be stored, and areas stored without one behaving exactly as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain import geo
from domain.areas import Area, area_from_stored
from domain.errors import InvalidInput
from tests.unit.domain_builders import ADMIN, configured_cycle, rebuilt


def square(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# A 10 x 10 square with a 2 x 2 hole in the middle.
WITH_HOLE = {"type": "Polygon", "coordinates": [square(0, 0, 10, 10), square(4, 4, 6, 6)]}
# Two islands, the second with a hole, and an island inside that hole (a third polygon).
ISLANDS = {"type": "MultiPolygon", "coordinates": [
    [square(0, 0, 1, 1)],
    [square(5, 5, 9, 9), square(6, 6, 8, 8)],
    [square(6.5, 6.5, 7.5, 7.5)],
]}
TRIANGLE = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [0, 4], [0, 0]]]}


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (1, 1, True), (9.5, 5, True),   # inside the outline
    (5, 5, False),                  # in the hole
    (-1, 5, False), (11, 5, False), (5, 10.5, False),  # outside
    (0, 5, True), (10, 10, True),   # on the outline: an edge, a corner
    (4, 5, True), (6, 6, True),     # on the hole's edge and corner: the border belongs to it
    (4.0001, 5, False),             # just inside the hole
])
def test_a_polygon_with_a_hole(lon: float, lat: float, inside: bool) -> None:
    assert geo.contains(WITH_HOLE, lon, lat) is inside


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (0.5, 0.5, True),    # first island
    (3, 3, False),       # the sea between
    (5.5, 5.5, True),    # second island
    (6.2, 6.2, False),   # its hole
    (7, 7, True),        # the island in the hole
    (1, 0.5, True),      # the first island's edge
])
def test_a_multipolygon(lon: float, lat: float, inside: bool) -> None:
    assert geo.contains(ISLANDS, lon, lat) is inside


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (1, 1, True), (2, 2, True),    # inside; on the sloping edge
    (2.0001, 2, False), (3, 3, False),
    (0, 4, True), (0, 4.0001, False),  # the apex, and just above it
    (-0.0001, 0, False),
])
def test_sloping_edges_and_vertices(lon: float, lat: float, inside: bool) -> None:
    assert geo.contains(TRIANGLE, lon, lat) is inside


def test_a_ray_through_a_vertex_is_counted_once() -> None:
    # A diamond: the ray from the centre to the east passes exactly through the vertex (2, 0).
    diamond = {"type": "Polygon",
               "coordinates": [[[0, -2], [2, 0], [0, 2], [-2, 0], [0, -2]]]}
    assert geo.contains(diamond, 0, 0)
    assert not geo.contains(diamond, -3, 0)  # its ray passes both side vertices


def test_a_valid_boundary_is_stored_as_floats_with_the_geometry_only() -> None:
    stored = geo.boundary_from(TRIANGLE)
    assert stored == {"type": "Polygon", "coordinates": [[[0.0, 0.0], [4.0, 0.0], [0.0, 4.0],
                                                          [0.0, 0.0]]]}
    assert all(isinstance(n, float) for p in stored["coordinates"][0] for n in p)
    assert geo.boundary_from(ISLANDS)["type"] == "MultiPolygon"


def _refused(boundary: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        geo.boundary_from(boundary)
    assert refused.value.field.startswith("area.boundary")
    return refused.value


@pytest.mark.parametrize(("boundary", "words"), [
    ("POLYGON((0 0, 1 0, 1 1, 0 0))", "GeoJSON"),
    ({"type": "Point", "coordinates": [1, 1]}, "Polygon or MultiPolygon"),
    ({"type": "Feature", "geometry": TRIANGLE}, "unknown member"),
    ({**TRIANGLE, "crs": {"type": "name"}}, "unknown member"),
    ({"type": "Polygon", "coordinates": []}, "non-empty"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 4"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0], [1, 1], [0, 0]]]},
     "3 different"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [181, 0], [1, 1], [0, 0]]]}, "longitude"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, -90.5], [1, 1], [0, 0]]]}, "latitude"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0, 5], [1, 1], [0, 0]]]}, "[longitude"),
    ({"type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]]}, "numbers"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [True, 0], [1, 1], [0, 0]]]}, "numbers"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 0], [1, 1], [0, 0]]]},
     "numbers"),
    ({"type": "MultiPolygon", "coordinates": [[]]}, "non-empty"),
    ({"type": "MultiPolygon", "coordinates": [[square(0, 0, 1, 1)]] * (geo.MAX_POLYGONS + 1)},
     f"at most {geo.MAX_POLYGONS} polygons"),
    ({"type": "Polygon", "coordinates": [square(0, 0, 1, 1)] * (geo.MAX_RINGS + 1)},
     f"at most {geo.MAX_RINGS} rings"),
])
def test_an_invalid_boundary_is_refused_saying_why(boundary: object, words: str) -> None:
    assert words in _refused(boundary).message


def _circle(vertices: int, digits: int = 6) -> dict[str, Any]:
    import math
    ring = [[round(14.7 + 0.01 * math.cos(2 * math.pi * i / vertices), digits),
             round(57.65 + 0.01 * math.sin(2 * math.pi * i / vertices), digits)]
            for i in range(vertices)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_too_many_vertices_are_refused() -> None:
    geo.boundary_from(_circle(geo.MAX_VERTICES - 1))  # the last closes the ring
    assert f"at most {geo.MAX_VERTICES}" in _refused(_circle(geo.MAX_VERTICES)).message
    # Spread over several polygons, they count together.
    four = {"type": "MultiPolygon",
            "coordinates": [_circle(geo.MAX_VERTICES // 4)["coordinates"]] * 4}
    assert "vertices" in _refused(four).message


def test_an_oversized_boundary_is_refused_by_its_length() -> None:
    # Few enough vertices, but numbers written with every digit a float has.
    long = _circle(geo.MAX_VERTICES - 1, digits=17)
    assert len(json.dumps(long, separators=(",", ":"))) > geo.MAX_JSON_CHARS
    assert "characters" in _refused(long).message


# ---- areas -------------------------------------------------------------------------------

NORR = {"id": "norr", "name": "Norr", "budget": 100, "boundary": TRIANGLE}


def test_an_area_keeps_its_boundary_through_its_event() -> None:
    area = Area.from_dict(NORR)
    assert area.boundary == geo.boundary_from(TRIANGLE)
    assert area_from_stored(area.to_dict()) == area
    cycle = configured_cycle()
    cycle.change_area({**NORR, "name": "Norr"}, ADMIN)
    assert rebuilt(cycle).area("norr").boundary == area.boundary


def test_an_area_without_a_boundary_is_stored_as_it_always_was() -> None:
    old: dict[str, Any] = {"id": "norr", "name": "Norr", "kind": "territorial", "budget": 10_000,
                           "eligibility": {"min_age": None, "max_age": None, "residence": "norr"},
                           "voting_rule": None, "allocation_rule": None}
    area = area_from_stored(old)
    assert area.boundary is None
    assert area.to_dict() == old
    area.require_inside({"name": "Anywhere", "lat": "10", "lon": "10"})  # nothing to check
    assert "boundary" not in Area.from_dict({k: v for k, v in NORR.items()
                                             if k != "boundary"}).to_dict()


def test_a_place_outside_the_boundary_is_refused_naming_the_area() -> None:
    area = Area.from_dict(NORR)
    area.require_inside({"name": "Inside", "lat": "1", "lon": "1"})
    area.require_inside({"name": "On the edge", "lat": "2", "lon": "2"})
    area.require_inside({"name": "No coordinates"})
    area.require_inside(None)
    with pytest.raises(InvalidInput) as refused:
        area.require_inside({"name": "Outside", "lat": "3", "lon": "3"})
    assert refused.value.field == "place"
    assert "outside the area 'Norr' (norr)" in refused.value.message


def test_an_invalid_boundary_refuses_the_area() -> None:
    cycle = configured_cycle()
    with pytest.raises(InvalidInput):
        cycle.add_area({**NORR, "id": "mitt", "boundary": {"type": "Polygon"}}, ADMIN)
    assert "mitt" not in cycle.areas
