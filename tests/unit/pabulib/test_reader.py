"""Reading .pb text: every published file, and malformed text refused with its line number."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from domain.allocation import allocate
from domain.pabulib import PabulibFormatError, parse_pabulib, read_pabulib, to_election
from tests.unit.allocation.real_files import REAL_FILES

SMALL = """META
key;value
description;A small test
country;Sweden
unit;Nässjö
instance;2025
num_projects;3
num_votes;3
budget;250000.50
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
P1;100000;2;"Lekplats ""Solen"" i Norr"
P2;150000.50;2;"Utegym; i parken"
P10;50000;1;Bänkar
VOTES
voter_id;vote;age
v1;P1,P2;34
v2;P2,P10;
v3;P1;71
"""


def test_a_small_file_is_read_with_all_its_columns() -> None:
    pb = parse_pabulib(SMALL)
    assert pb.meta["budget"] == "250000.50"
    assert pb.budget == Decimal("250000.50")
    assert pb.project_columns == ["project_id", "cost", "votes", "name"]
    assert [p.id for p in pb.projects] == ["P1", "P2", "P10"]
    assert pb.projects[0].name == 'Lekplats "Solen" i Norr'
    assert pb.projects[1].cost == Decimal("150000.50")
    assert pb.vote_columns == ["voter_id", "vote", "age"]
    assert pb.votes[1].vote == ("P2", "P10")
    assert pb.votes[1].fields["age"] == ""
    assert pb.votes[0].line == 19


def test_crlf_lf_and_a_byte_order_mark_read_the_same() -> None:
    crlf = SMALL.replace("\n", "\r\n")
    assert parse_pabulib(crlf) == parse_pabulib(SMALL) == parse_pabulib("\ufeff" + SMALL)
    assert read_pabulib(io.StringIO(crlf, newline="")) == parse_pabulib(SMALL)


def test_to_election_uses_meta_budget_vote_type_and_threshold() -> None:
    text = SMALL.replace("rule;greedy", "rule;greedy\nmin_project_score_threshold;2")
    election = to_election(parse_pabulib(text))
    assert election.budget == Decimal("250000.50")
    assert election.vote_type == "approval"
    assert election.min_project_score_threshold == 2
    assert [list(b) for b in election.ballots] == [["P1", "P2"], ["P2", "P10"], ["P1"]]


def test_amounts_are_told_in_the_files_currency_and_in_kronor_without_one() -> None:
    assert to_election(parse_pabulib(SMALL)).currency == "SEK"
    polish = to_election(parse_pabulib(SMALL.replace("rule;greedy", "rule;greedy\ncurrency;PLN")))
    assert polish.currency == "PLN"
    for rule in ("greedy", "mes", "mes-add1"):
        currencies = {r.currency for r in allocate(polish, rule).reasons.values() if r.amounts}
        assert currencies == {"PLN"}, rule
    swedish = allocate(to_election(parse_pabulib(SMALL)), "greedy").reasons.values()
    assert {r.currency for r in swedish if r.amounts} == {"SEK"}
    assert any(r.amounts.get("cost") == 5_000_000 for r in swedish)


@pytest.mark.skipif(not REAL_FILES, reason="the published Pabulib files are absent")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_every_published_file_is_read(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        pb = read_pabulib(stream)
    assert len(pb.projects) == int(pb.meta["num_projects"])
    assert len(pb.votes) == int(pb.meta["num_votes"])
    election = to_election(pb)
    assert len(election.ballots) == len(pb.votes)
    assert election.budget == Decimal(pb.meta["budget"])
    if pb.vote_type == "cumulative":
        assert election.points is not None
        assert all(len(p) == len(b) for p, b in zip(election.points, election.ballots,
                                                       strict=True))


def _broken(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "ends before the META section"),
        ("PROJECTS\n", 1, "where META was expected"),
        (_broken("key;value", "name;value"), 2, "must be 'key;value'"),
        (_broken("country;Sweden", "country;Sweden;extra"), 4, "3 values but the META header"),
        (_broken("budget;250000.50\n", ""), 1, "no 'budget' entry"),
        (_broken("budget;250000.50", "budget;250 000,50"), 9, "is not a number"),
        (_broken("vote_type;approval", "vote_type;plurality"), 10, "not supported"),
        (_broken("project_id;cost;votes;name", "project_id;votes;name"), 13, "lacks the column"),
        (_broken("P10;50000;1;Bänkar", "P10;50000,5;1;Bänkar"), 16, "use a dot for decimals"),
        (_broken("P10;50000;1;Bänkar", "P10;50000;1"), 16, "3 values but the PROJECTS header"),
        (_broken("P10;50000;1;Bänkar", "P1;50000;1;Bänkar"), 16, "repeated \\(first on line 14\\)"),
        (_broken("P10;50000;1;Bänkar", "P10;-5;1;Bänkar"), 16, "must not be negative"),
        (_broken("v3;P1;71", "v3;P7;71"), 21, "votes for 'P7', which is not in PROJECTS"),
        (_broken("v3;P1;71", "v1;P1;71"), 21, "voter_id 'v1' repeated \\(first on line 19\\)"),
        (_broken("num_votes;3", "num_votes;4"), 8, "num_votes says 4 but the file has 3"),
        (_broken("VOTES\n", "VOTE\n"), 17, "1 values but the PROJECTS header"),
        (SMALL.split("VOTES")[0], 17, "ends before the VOTES section"),
        (_broken("PROJECTS", "VOTES"), 12, "found section VOTES where PROJECTS was expected"),
        (_broken('"Lekplats ""Solen"" i Norr"', '"Lekplats'), 14, "is a quote left open"),
        (_broken("P10;50000;1;Bänkar", "P10;50000;1;Bänkar;x"), 16, "5 values but the PROJECTS"),
    ],
)
def test_malformed_text_names_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(PabulibFormatError, match=message) as raised:
        parse_pabulib(text)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"line {line}: ")


def test_cumulative_votes_need_whole_points_for_every_project() -> None:
    text = (
        SMALL.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote;age", "voter_id;vote;points;age")
        .replace("v1;P1,P2;34", "v1;P1,P2;2;34")
        .replace("v2;P2,P10;", "v2;P2,P10;1,1;")
        .replace("v3;P1;71", "v3;P1;1;71")
    )
    with pytest.raises(PabulibFormatError, match="names 2 projects but gives 1 points") as raised:
        parse_pabulib(text)
    assert raised.value.line == 19
    fixed = text.replace("v1;P1,P2;2;34", "v1;P1,P2;2,1.5;34")
    with pytest.raises(PabulibFormatError, match="whole numbers"):
        parse_pabulib(fixed)
    good = text.replace("v1;P1,P2;2;34", "v1;P1,P2;2,1;34")
    election = to_election(parse_pabulib(good))
    assert election.points == [(2, 1), (1, 1), (1,)]


# Each quirk of real files, in a small file written for it: read as Python's csv reads it.


def test_a_value_that_starts_with_a_quoted_word_reads_as_csv_reads_it() -> None:
    text = SMALL.replace("P10;50000;1;Bänkar", 'P10;50000;1;"Odkupmy" i my - zakup')
    pb = parse_pabulib(text)
    assert pb.projects[2].name == "Odkupmy i my - zakup"
    import csv
    expected = next(csv.reader(['P10;50000;1;"Odkupmy" i my - zakup'], delimiter=";"))
    assert pb.projects[2].name == expected[3]


def test_quotes_inside_an_unquoted_value_are_kept() -> None:
    pb = parse_pabulib(SMALL.replace("P10;50000;1;Bänkar", 'P10;50000;1;Bänk "Solen"'))
    assert pb.projects[2].name == 'Bänk "Solen"'


def test_separators_at_the_end_of_rows_are_taken() -> None:
    lines = []
    for line in SMALL.splitlines():
        lines.append(line + ";" if line not in ("v2;P2,P10;",) else line)
    pb = parse_pabulib("\n".join(lines) + "\n")
    assert pb == parse_pabulib(SMALL)
    assert pb.votes[1].fields["age"] == ""


def test_crlf_bom_and_trailing_separators_together() -> None:
    text = "\ufeff" + SMALL.replace("\n", ";\r\n")
    assert parse_pabulib(text) == parse_pabulib(SMALL)


def test_scoring_and_ordinal_points_are_read() -> None:
    scoring = (SMALL.replace("vote_type;approval", "vote_type;scoring")
               .replace("voter_id;vote;age", "voter_id;vote;points;age")
               .replace("v1;P1,P2;34", "v1;P1,P2;3,0;34")
               .replace("v2;P2,P10;", "v2;P2,P10;1,2;")
               .replace("v3;P1;71", "v3;P1;2;71"))
    election = to_election(parse_pabulib(scoring))
    assert election.vote_type == "scoring"
    assert election.points == [(3, 0), (1, 2), (2,)]
    assert allocate(election, "greedy").scores == {"P1": 5, "P2": 1, "P10": 2}
    ordinal = (scoring.replace("vote_type;scoring", "vote_type;ordinal")
               .replace("v1;P1,P2;3,0;34", "v1;P1,P2;2,1;34")
               .replace("v2;P2,P10;1,2;", "v2;P2,P10;2;"))
    with pytest.raises(PabulibFormatError, match="names 2 projects but gives 1 points") as raised:
        parse_pabulib(ordinal)
    assert raised.value.line == 20
