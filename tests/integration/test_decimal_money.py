"""An election whose money has grosze (Warszawa 2017 Gocław's budget is 969245.38 PLN) is
imported with every grosz, counted exactly, shown in its own currency and exported back with the
same decimals; a cycle made here in another currency exports its currency and its öre. On both
stores."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain.allocation import allocate
from domain.audit import verify_lines
from domain.errors import InvalidInput
from domain.pabulib import format_pabulib, parse_pabulib, to_election
from domain.phases import Phase
from service.application import Medborgarbudget, actor_of
from service.audit_export import export_lines
from service.cli import main
from service.pabulib_cycles import export_area, import_election
from tests.ballots import cast_ballot, person

# The budget as Gocław's; projects 2 and 1 (four votes each) leave 269244.63 PLN, which project 3
# (three votes) misses by one grosz and project 4 fills exactly.
DECIMAL_PB = """META
key;value
description;Grosze test
country;Poland
unit;Warszawa
instance;2017
subunit;Gocław
num_projects;4
num_votes;6
budget;969245.38
vote_type;approval
rule;greedy
currency;PLN
max_sum_cost;969245.38
PROJECTS
project_id;cost;name
1;400000.50;Park
2;300000.25;Plac zabaw
3;269244.64;Ławki
4;269244.63;Drzewa
VOTES
voter_id;vote
1;1,2,4
2;1,2
3;1,3
4;2,3
5;1,3
6;2
"""
ADMIN = actor_of("admin", "test.processledare")
REVIEWER = actor_of("reviewer", "test.tjansteperson")


def test_an_election_with_grosze_is_imported_counted_and_exported_exactly(
        app: Medborgarbudget) -> None:
    original = parse_pabulib(DECIMAL_PB)
    imported = import_election(app, original, "grosze.pb")
    cycle = app.cycle(imported.cycle_id)

    assert cycle.currency == "PLN"
    (area,) = cycle.areas.values()
    assert area.budget == 96_924_538  # grosze
    assert cycle.voting_rule is not None and cycle.voting_rule.max_total_cost == 96_924_538
    file_id = {str(p.id): p.title.partition(": ")[0] for p in app.proposals(cycle.id)}
    costs = {file_id[str(p.id)]: p.cost for p in app.proposals(cycle.id)}
    assert costs == {"1": 40_000_050, "2": 30_000_025, "3": 26_924_464, "4": 26_924_463}

    assert cycle.results is not None
    assert cycle.results["currency"] == "PLN"
    (result,) = cycle.results["areas"].values()
    assert [file_id[p] for p in result["selected"]] == ["2", "1", "4"]
    assert (result["budget"], result["cost"], result["left"]) == (96_924_538, 96_924_538, 0)
    by_file = {file_id[p]: reason for p, reason in result["reasons"].items()}
    # Recorded as a code with its amounts in grosze, no sentence (ADR 0017).
    assert by_file["3"] == {"code": "did-not-fit", "currency": "PLN",
                            "amounts": {"left": 26_924_463, "cost": 26_924_464}}
    # The same as counting the file itself.
    counted = allocate(to_election(original), "greedy")
    assert counted.selected == ["2", "1", "4"] and counted.cost == Decimal("969245.38")

    # Back out as the file it came from, every grosz and the currency with it.
    text = format_pabulib(export_area(app, imported.cycle_id, None))
    exported = parse_pabulib(text)
    assert exported.meta == original.meta
    assert exported.meta["budget"] == "969245.38" and exported.meta["currency"] == "PLN"
    assert [p.fields["cost"] for p in exported.projects] == [
        "400000.50", "300000.25", "269244.64", "269244.63"]
    assert allocate(to_election(exported), "greedy").selected == counted.selected

    # The audit export recounts it.
    report = verify_lines(list(export_lines(app, imported.cycle_id)))
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.results_checked


def test_amounts_finer_than_a_grosz_are_refused_naming_the_line(app: Medborgarbudget) -> None:
    finer = DECIMAL_PB.replace("3;269244.64;", "3;269244.645;")
    with pytest.raises(InvalidInput, match=r"cost of project 3: line 19: 269244.645 has more "
                                           r"than two decimals"):
        import_election(app, parse_pabulib(finer), "finer.pb")
    with pytest.raises(InvalidInput, match=r"currency: line 13: 'zł' is not a currency code"):
        import_election(app, parse_pabulib(DECIMAL_PB.replace("currency;PLN", "currency;zł")),
                        "zloty.pb")
    assert app.cycle_ids() == []  # nothing was created


def test_a_cycle_in_euro_with_cents_exports_its_currency_and_cents(app: Medborgarbudget) -> None:
    cycle_id = app.create_cycle("Bürgerhaushalt", "Gemeinde", ADMIN, currency="EUR")
    app.record_decision(cycle_id, "Gemeinderat", "2027-01-10", "GR 1/2027", ADMIN)
    app.add_area(cycle_id, {"id": "alle", "name": "Alle", "budget": "1500.50"}, ADMIN)
    app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 2},
                        ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beschluss")
    bench = app.submit_proposal(cycle_id, "alle", "Bank", "Eine Bank.", "700,25", "park", "p1")
    tree = app.submit_proposal(cycle_id, "alle", "Baum", "Ein Baum.", 900, "park", "p2")
    app.trigger(cycle_id, "close_ideas", ADMIN, "Ideenphase vorbei")
    app.review_proposal(bench, True, "800.25", "", REVIEWER)
    app.review_proposal(tree, True, Decimal("700.25"), "", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "Alle geprüft")
    for number in range(3):
        cast_ballot(app, cycle_id, "alle", person(number), [str(bench), str(tree)])
    app.trigger(cycle_id, "close_voting", ADMIN, "Abstimmung vorbei")
    assert app.trigger(cycle_id, "publish_results", ADMIN, "Gezählt") is Phase.RESULTS

    cycle = app.cycle(cycle_id)
    assert cycle.currency == "EUR"
    assert cycle.results is not None
    (result,) = cycle.results["areas"].values()
    assert (result["cost"], result["left"]) == (150_050, 0)  # 800.25 + 700.25 EUR, in cents
    exported = parse_pabulib(format_pabulib(export_area(app, cycle_id, None)))
    assert exported.meta["currency"] == "EUR" and exported.meta["budget"] == "1500.50"
    assert sorted(p.fields["cost"] for p in exported.projects) == ["700.25", "800.25"]
    assert to_election(exported).budget == Decimal("1500.50")

    # A successor keeps the currency its copied configuration is in.
    successor = app.create_cycle("Bürgerhaushalt 2028", "Gemeinde", ADMIN, cycle_id)
    assert app.cycle(successor).currency == "EUR"
    assert app.cycle(successor).area("alle").budget == 150_050
    with pytest.raises(InvalidInput, match="currency"):
        app.create_cycle("Anders", "Gemeinde", ADMIN, cycle_id, currency="SEK")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_command_line_imports_and_exports_the_grosze(tmp_path: Path, backend: str) -> None:
    source = tmp_path / "grosze.pb"
    source.write_text(DECIMAL_PB, encoding="utf-8")
    data = str(tmp_path / "cli-data")
    runner = CliRunner()
    imported = runner.invoke(main, ["pabulib", "import", str(source), "--data", data])
    assert imported.exit_code == 0, imported.output
    assert "3 selected by greedy, costing 969 245,38 PLN of 969 245,38 PLN" in imported.stdout
    cycle_id = imported.stdout.strip().splitlines()[-1]
    exported = runner.invoke(main, ["pabulib", "export", cycle_id, "--data", data])
    assert exported.exit_code == 0, exported.output
    again = parse_pabulib(exported.stdout)
    assert again.meta == parse_pabulib(DECIMAL_PB).meta
    assert [p.fields["cost"] for p in again.projects] == [
        "400000.50", "300000.25", "269244.64", "269244.63"]
    tallied = runner.invoke(main, ["tally", str(source), "--json"])
    assert tallied.exit_code == 0, tallied.output
    assert '"cost": "969245.38"' in tallied.stdout
