from __future__ import annotations

from domain.statistics import suppressed


def test_small_cells_are_hidden_and_cannot_be_found_by_subtraction() -> None:
    assert suppressed({"digital": 120, "paper": 30}) == {"digital": 120, "paper": 30}
    assert suppressed({"digital": 120, "paper": 3, "post": 0}) == {
        "digital": None, "paper": None, "post": 0}
    assert suppressed({"a": 2, "b": 4, "c": 50}) == {"a": None, "b": None, "c": 50}
    assert suppressed({"a": 1, "b": 9, "c": 50}) == {"a": None, "b": None, "c": 50}
    assert suppressed({"only": 4}) == {"only": None}
    assert suppressed({}) == {}
