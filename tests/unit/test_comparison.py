"""Areas matched across the years into pots (service/comparison.py)."""

from __future__ import annotations

from service.comparison import AreaFigures, CycleFigures, Figures, pots


def cycle(cycle_id: str, *areas: tuple[str, str]) -> CycleFigures:
    shown = tuple(AreaFigures(a, name, Figures(budget=100)) for a, name in areas)
    return CycleFigures(cycle_id, cycle_id, "closed", "SEK", shown, Figures(budget=100))


def test_areas_match_by_id_then_by_name_and_once_per_cycle() -> None:
    chain = [cycle("2028", ("norr", "Norr"), ("unga", "Unga")),
             cycle("2027", ("north", " NORR "), ("norr", "Centrum"), ("unga", "Unga"),
                    ("gamla", "Unga"))]
    found = {p.id: {c: a.id for c, a in p.areas.items()} for p in pots(chain)}
    # The id wins over the name; the second "Unga" of 2027 is a pot of its own, since the
    # pot "unga" already holds 2027's "unga"; "north" (named as 2028's "norr", already
    # matched by id) too.
    assert found == {"norr": {"2028": "norr", "2027": "norr"},
                     "unga": {"2028": "unga", "2027": "unga"},
                     "north": {"2027": "north"}, "gamla": {"2027": "gamla"}}


def test_a_name_matches_any_year_of_the_pot() -> None:
    chain = [cycle("2029", ("a", "Öster")), cycle("2028", ("a", "Östra")),
             cycle("2027", ("b", "östra"))]
    (pot,) = pots(chain)
    assert {c: a.id for c, a in pot.areas.items()} == {"2029": "a", "2028": "a", "2027": "b"}


def test_figures_add_up() -> None:
    assert Figures(1, 2, 3, 4, 5, 6) + Figures(10, 20, 30, 40, 50, 60) == Figures(
        11, 22, 33, 44, 55, 66)
