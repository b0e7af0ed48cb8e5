"""The search parameters the proposals page and API share (service/proposal_search.py), and the
FTS5 query made of a resident's words (projections/search.py)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidInput
from projections.search import (
    MAX_WORDS,
    ProposalFilter,
    fts5_query,
    plain,
    tsquery_prefixes,
    words,
)
from service.proposal_search import parse_filter

CYCLE: dict[str, Any] = {"areas": {"norr": {}, "unga": {}},
                         "categories": [{"id": "natur", "name": "Natur"}]}


def test_given_parameters_become_a_filter() -> None:
    assert parse_filter({"q": "  brygga   vid  sjön ", "area": "norr", "category": "natur",
                         "status": "feasible", "max_cost": "50 000"}, CYCLE) == ProposalFilter(
        q="brygga vid sjön", area="norr", category="natur", status="feasible",
        max_cost_minor=5_000_000)
    assert parse_filter({"max_cost": "49999,50"}, CYCLE).max_cost_minor == 4_999_950
    assert parse_filter({"max_cost": "0"}, CYCLE).max_cost_minor == 0
    assert parse_filter({"max_cost_minor": "150"}, CYCLE).max_cost_minor == 150


def test_empty_parameters_are_no_filter() -> None:
    found = parse_filter({"q": "   ", "area": "", "category": "", "status": "",
                          "max_cost": " "}, CYCLE)
    assert found.empty
    assert parse_filter({}, CYCLE).empty


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "approved"}, "status"),
    ({"status": "Feasible"}, "status"),
    ({"area": "söder"}, "area"),
    ({"category": "idrott"}, "category"),
    ({"max_cost": "-1"}, "max_cost"),
    ({"max_cost": "ett tusen"}, "max_cost"),
    ({"max_cost": "1.005"}, "max_cost"),
    ({"max_cost": "Infinity"}, "max_cost"),
    ({"max_cost": "9" * 81}, "max_cost"),
    ({"max_cost_minor": "1.5"}, "max_cost_minor"),
    ({"max_cost_minor": "-3"}, "max_cost_minor"),
    ({"max_cost_minor": "١٢٣"}, "max_cost_minor"),  # digits, but not ASCII ones
    ({"max_cost": "1", "max_cost_minor": "100"}, "max_cost"),
    ({"q": "x" * 201}, "q"),
    ({"q": "brygga\x1b[31m"}, "q"),
])
def test_bad_parameters_are_refused_naming_them(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filter(params, CYCLE)
    assert refused.value.field == field


def test_a_cycle_without_categories_knows_none() -> None:
    with pytest.raises(InvalidInput, match="known: none"):
        parse_filter({"category": "natur"}, {"areas": {"norr": {}}})


def test_a_query_of_exactly_the_limit_is_taken() -> None:
    assert parse_filter({"q": "å" * 200}, CYCLE).q == "å" * 200


@pytest.mark.parametrize(("q", "expected"), [
    ("brygga", '"brygga"*'),
    ("Bryggan vid sjön", '"Bryggan"* "vid"* "sjön"*'),
    ('"; DROP TABLE x; --', '"DROP"* "TABLE"* "x"*'),
    ("title:brygga OR NEAR(a b)", '"title"* "brygga"* "OR"* "NEAR"* "a"* "b"*'),
    ("* ^ - ( ) \" '", None),
    ("", None),
])
def test_every_word_is_quoted_so_nothing_is_fts5_syntax(q: str, expected: str | None) -> None:
    assert fts5_query(q) == expected


def test_a_query_of_many_words_is_cut() -> None:
    assert len(words("ord " * 100)) == MAX_WORDS


@pytest.mark.parametrize(("q", "is_plain"), [
    ("brygga vid sjön", True), ("lek-plats", True), ("ordning", True),
    ('"utegym vid sjön"', False), ("sjön -utegym", False), ("bad or brygga", False),
    ("bad OR brygga", False),
])
def test_operators_go_to_websearch_and_plain_words_are_stem_prefixes(q: str,
                                                                      is_plain: bool) -> None:
    assert plain(q) is is_plain


@pytest.mark.parametrize(("q", "expected"), [
    ("brygga", "'brygga':*"),
    ("Bryggan vid sjön", "'Bryggan':* & 'vid':* & 'sjön':*"),
    ("'; DROP TABLE x; --", "'DROP':* & 'TABLE':* & 'x':*"),
    ("a:* | b & !c <-> d", "'a':* & 'b':* & 'c':* & 'd':*"),
])
def test_tsquery_words_are_quoted_so_nothing_is_tsquery_syntax(q: str, expected: str) -> None:
    assert tsquery_prefixes(q) == expected
