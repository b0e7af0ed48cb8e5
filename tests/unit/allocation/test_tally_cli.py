"""`medborgarbudget tally FILE.pb --rule RULE [--json]` through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.tally_command import tally
from tests.unit.allocation.real_files import PABULIB_DIR, REAL_FILES, load

pytestmark = pytest.mark.skipif(not REAL_FILES, reason="the published Pabulib files are absent")

KRAKOW = PABULIB_DIR / "Poland_Krakow_2019_Nowa_Huta.pb"
GDYNIA = PABULIB_DIR / "Poland_Gdynia_2021.pb"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(tally, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_default_rule_counts_an_ordinal_file() -> None:
    code, out, _ = run(str(KRAKOW), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"selected", "cost", "left", "scores", "reasons", "reason_codes", "rule"}
    assert data["rule"] == "greedy"
    funded = {p.id for p in load(KRAKOW).projects if p.selected}
    assert set(data["selected"]) == funded
    assert data["cost"] + data["left"] == 1523200
    assert data["scores"]["23"] == 2354
    assert data["currency"] == "PLN"


@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "greedy-threshold", "mes",
                                  "mes-add1"])
def test_every_rule_prints_json(rule: str) -> None:
    code, out, _ = run(str(GDYNIA), "--rule", rule, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["rule"] == rule
    assert isinstance(data["cost"], int)
    assert "OGM/0015" in data["selected"]


def test_without_json_a_table_with_a_reason_for_every_project() -> None:
    code, out, _ = run(str(GDYNIA), "--rule", "greedy-no-skip")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["project", "name", "cost", "score", "selected", "reason"]
    assert lines[1].startswith("OGM/0015")
    # Amounts in the file's own currency (META currency;PLN), never in kronor.
    assert "425,000\u00a0PLN" in lines[1] and "yes" in lines[1]
    assert any("did not fit: 575,517\u00a0PLN left, costs 1,000,000\u00a0PLN; counting stops "
               "here (greedy-no-skip)" in line for line in lines)
    assert " kr" not in out and "\u00a0kr" not in out
    assert "rule greedy-no-skip: 1 of 6 projects funded" in out


def test_the_reasons_in_swedish_through_the_same_catalog_as_the_pages() -> None:
    code, out, _ = run(str(GDYNIA), "--rule", "greedy-no-skip", "--lang", "sv")
    assert code == 0
    assert "fick inte plats: 575\u00a0517\u00a0PLN kvar, kostar 1\u00a0000\u00a0000\u00a0PLN; " \
           "räkningen stannar här (greedy-no-skip)" in out
    assert "nåddes inte: budgeten tog slut före detta förslag (greedy-no-skip)" in out
    code, out, _ = run(str(GDYNIA), "--rule", "greedy-no-skip", "--lang", "sv", "--json")
    data = json.loads(out)
    assert data["reasons"]["OGM/0015"] == "vald"
    assert data["reason_codes"]["OGM/0015"] == {"code": "selected"}


def test_the_swedish_table_words_its_columns_and_answers_through_the_catalog() -> None:
    code, out, _ = run(str(GDYNIA), "--rule", "greedy-no-skip", "--lang", "sv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["projekt", "namn", "kostnad", "poäng", "vald", "skäl"]
    assert lines[1].startswith("OGM/0015") and " ja " in lines[1]
    assert all(" yes " not in line and " no " not in line for line in lines)
    assert any(" nej " in line for line in lines[2:])
    assert "regel greedy-no-skip: 1 av 6 projekt får pengar" in out
    assert "projects funded" not in out


def test_an_unknown_language_is_refused() -> None:
    code, out, err = run(str(GDYNIA), "--lang", "de")
    assert code == 2 and out == "" and "--lang" in err


def test_a_malformed_file_is_refused_naming_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pb"
    text = KRAKOW.read_text(encoding="utf-8").replace("23;93400;1119;2354", "23;93 400;1119;2354")
    broken.write_text(text, encoding="utf-8")
    code, out, err = run(str(broken))
    assert code == 2
    assert out == ""
    assert "line 23:" in err and "is not a number" in err


def test_a_missing_file_or_an_unknown_rule_exits_with_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "missing.pb"))
    assert code == 2 and "does not exist" in err
    code, _, err = run(str(GDYNIA), "--rule", "borda")
    assert code == 2 and "'borda' is not one of" in err


def test_a_rule_the_file_cannot_be_counted_with_exits_with_2() -> None:
    code, _, err = run(str(KRAKOW), "--rule", "greedy-threshold")
    assert code == 2
    assert "min_project_score_threshold" in err


def test_the_console_script_group_has_the_command() -> None:
    from service.cli import main

    result = CliRunner().invoke(main, ["tally", str(GDYNIA), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["selected"] == ["OGM/0015", "OGM/0013", "OGM/0018"]


def test_decimal_amounts_are_exact_in_json_and_written_like_the_tables(tmp_path: Path) -> None:
    file = tmp_path / "grosze.pb"
    file.write_text("META\nkey;value\nnum_projects;2\nnum_votes;2\nbudget;969245.38\n"
                    "vote_type;approval\ncurrency;PLN\nPROJECTS\nproject_id;cost;name\n"
                    "1;700000.75;Park\n2;269244.64;Ławki\nVOTES\nvoter_id;vote\n1;1,2\n2;1\n",
                    encoding="utf-8")
    code, out, _ = run(str(file), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["cost"], data["left"], data["currency"]) == ("700000.75", "269244.63", "PLN")
    code, out, _ = run(str(file))
    assert code == 0
    assert "700,000.75\u00a0PLN" in out  # the cost column and the reasons write amounts alike
    assert "did not fit: 269,244.63\u00a0PLN left, costs 269,244.64\u00a0PLN" in out
    assert "700,000.75\u00a0PLN of 969,245.38\u00a0PLN, 269,244.63\u00a0PLN left" in out
    code, out, _ = run(str(file), "--json")
    assert json.loads(out)["reason_codes"]["2"] == {
        "code": "did-not-fit", "amounts": {"left": 26924463, "cost": 26924464},
        "currency": "PLN"}
