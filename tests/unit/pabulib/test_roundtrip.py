"""Writing .pb text: what is written reads back the same and passes pabulib-checker."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from domain.pabulib import (
    PabulibFile,
    PabulibProject,
    PabulibVote,
    format_pabulib,
    numbered_votes,
    parse_pabulib,
    write_pabulib,
)
from tests.unit.allocation.real_files import REAL_FILES, load


def checker_errors(text: str) -> dict[str, object]:
    from pabulib.checker import Checker

    with contextlib.redirect_stdout(io.StringIO()):  # the checker prints progress
        results = Checker().process_files([text])
    (name,) = [key for key in results if key not in ("metadata", "summary")]
    details = results[name]["results"]
    return details.get("errors", {}) if isinstance(details, dict) else {"checker": details}


@pytest.mark.skipif(not REAL_FILES, reason="the published Pabulib files are absent")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.stem)
def test_a_published_file_written_back_reads_the_same_and_passes_the_checker(
    path: Path,
) -> None:
    original = load(path)
    text = format_pabulib(original)
    again = parse_pabulib(text)
    assert again == original
    assert format_pabulib(again) == text
    assert checker_errors(text) == {}


def test_a_file_built_in_code_is_written_readably() -> None:
    pb = PabulibFile(
        meta={
            "description": "Medborgarbudget Nässjö 2025, Norr",
            "country": "Sweden",
            "unit": "Nässjö",
            "instance": "2025",
            "num_projects": "2",
            "num_votes": "2",
            "budget": "250000",
            "vote_type": "approval",
            "rule": "greedy",
            "date_begin": "01.09.2025",
            "date_end": "30.09.2025",
        },
        project_columns=["project_id", "cost", "votes", "name", "selected"],
        projects=[
            PabulibProject({"project_id": "1", "cost": "100000", "votes": "2",
                            "name": 'Ny "lekplats"; Norr', "selected": "1"}),
            PabulibProject({"project_id": "2", "cost": "200000", "votes": "1",
                            "name": "Utegym", "selected": "0"}),
        ],
        vote_columns=["voter_id", "vote"],
        votes=[PabulibVote({"voter_id": "a", "vote": "1,2"}), PabulibVote({"voter_id": "b",
                                                                          "vote": "1"})],
    )
    stream = io.StringIO()
    write_pabulib(pb, stream)
    text = stream.getvalue()
    assert '"Ny ""lekplats""; Norr"' in text
    assert parse_pabulib(text) == pb
    assert checker_errors(text) == {}


def test_values_that_cannot_be_written_are_refused() -> None:
    pb = PabulibFile({"budget": "1", "vote_type": "approval", "note": "two\nlines"}, [], [],
                     [], [])
    with pytest.raises(ValueError, match="line break"):
        format_pabulib(pb)


def test_votes_are_numbered_by_what_they_say_whatever_order_they_came_in() -> None:
    ballots = [{"voter_id": "9a7d4f7e-receipt", "vote": "3,1"}, {"vote": "2"},
               {"vote": "1,2"}, {"vote": "2"}]
    numbered = numbered_votes(ballots)
    assert [(v.voter_id, v.fields["vote"]) for v in numbered] == [
        ("1", "1,2"), ("2", "2"), ("3", "2"), ("4", "3,1")]
    assert numbered_votes(reversed(ballots)) == numbered
    assert "9a7d4f7e-receipt" not in format_pabulib(PabulibFile(
        {"budget": "10", "vote_type": "approval"}, ["project_id", "cost"], [],
        ["voter_id", "vote"], numbered))
