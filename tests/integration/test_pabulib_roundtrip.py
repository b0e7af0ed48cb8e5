"""An imported election goes back out as the file it came from: the same META, project ids and
names, the same ballots (voters numbered 1..N), accepted by pabulib-checker, and counted the
same by every rule. Every real file on SQLite, a small one on PostgreSQL; the quirk files
(../shared/pabulib-quirks) import too, the one with decimal money (Warszawa 2017 Gocław) with
its grosze (tests/integration/test_decimal_money.py looks at that closely).
The tie-break chosen for a cycle is recorded with its results and survives the audit recount."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.allocation import RULES, allocate
from domain.allocation.election import TIE_BREAKS
from domain.audit import verify_lines
from domain.ballot import Ballot
from domain.errors import DuplicateBallot, PhaseError
from domain.pabulib import PabulibFile, format_pabulib, parse_pabulib, read_pabulib, to_election
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.ballot_intake import ImportedBallot
from service.pabulib_cycles import export_area, import_election
from tests.ballots import cast_ballot, person
from tests.paths import PABULIB_DIR, PABULIB_QUIRKS_DIR
from tests.unit.allocation.test_tie_break import EXPECTED, TIED
from tests.unit.pabulib.test_roundtrip import checker_errors

FILES = sorted(PABULIB_DIR.glob("*.pb"))
QUIRKS = sorted(PABULIB_QUIRKS_DIR.glob("*.pb"))
SMALL_ON_POSTGRES = "Poland_Gdansk_2020_Oliwa.pb"
SLOW = ("Poland_Gdynia_2021.pb",)


def read(path: Path) -> PabulibFile:
    with path.open(encoding="utf-8", newline="") as stream:
        return read_pabulib(stream)


def _cases() -> list[Any]:
    cases = []
    for path in FILES + QUIRKS:
        marks = [pytest.mark.slow] if path.name in SLOW else []
        backends = ("sqlite", "postgres") if path.name == SMALL_ON_POSTGRES else ("sqlite",)
        cases += [pytest.param(path, backend, id=f"{path.stem}-{backend}", marks=marks)
                  for backend in backends]
    return cases


def votes_of(pb: PabulibFile) -> Counter[tuple[str, str]]:
    return Counter((v.fields["vote"], v.fields.get("points", "")) for v in pb.votes)


def counted(pb: PabulibFile) -> dict[str, list[str]]:
    rules = [r for r in RULES
             if r != "greedy-threshold" or "min_project_score_threshold" in pb.meta]
    return {rule: allocate(to_election(pb), rule).selected for rule in rules}


@pytest.mark.skipif(not FILES and not QUIRKS, reason="no Pabulib files beside the checkout")
@pytest.mark.parametrize(("path", "backend"), _cases(), indirect=["backend"])
def test_an_imported_election_exports_as_its_file(path: Path, backend: str,
                                                  app: Medborgarbudget) -> None:
    original = read(path)
    imported = import_election(app, original, path.name)
    text = format_pabulib(export_area(app, imported.cycle_id, None))
    exported = parse_pabulib(text)

    assert exported.meta == original.meta
    assert [(p.id, p.name) for p in exported.projects] == [
        (p.id, p.name) for p in original.projects]
    assert votes_of(exported) == votes_of(original)
    assert [v.voter_id for v in exported.votes] == [
        str(n) for n in range(1, len(original.votes) + 1)]
    assert checker_errors(text) == {}
    assert counted(exported) == counted(original)


@pytest.mark.skipif(not QUIRKS, reason=f"no quirk files in {PABULIB_QUIRKS_DIR}")
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_ballots_over_the_files_limit_are_kept_and_reported(app: Medborgarbudget) -> None:
    pb = read(PABULIB_QUIRKS_DIR / "Poland_Warszawa_2018_Bialoleka.pb")
    imported = import_election(app, pb, "Bialoleka")
    assert imported.breaks == {"max_sum_cost": 11}
    cycle = app.cycle(imported.cycle_id)
    assert cycle.results is not None
    (result,) = cycle.results["areas"].values()
    assert result["ballots"] == len(pb.votes)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("tie_break", TIE_BREAKS)
def test_a_cycles_tie_break_is_recorded_and_recounted(app: Medborgarbudget,
                                                      tie_break: str) -> None:
    imported = import_election(app, parse_pabulib(TIED), "tied.pb", tie_break=tie_break)
    cycle = app.cycle(imported.cycle_id)
    assert cycle.tie_break == tie_break
    assert cycle.results is not None
    (result,) = cycle.results["areas"].values()
    assert result["tie_break"] == tie_break
    ids = {str(p.id): p.title.partition(": ")[0] for p in app.proposals(cycle.id)}
    assert [ids[w] for w in result["selected"]] == EXPECTED[tie_break]
    report = verify_lines(list(export_lines(app, imported.cycle_id)))
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.results_checked



@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_importing_the_same_ballots_again_stores_nothing_twice(
        app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ballots are written in chunks straight to the event store (issue #14): the same voters
    imported into the cycle again are refused by the store, and a chunk with one voter twice is
    stored not at all (its new ballot neither)."""
    store = app.ballots.import_ballots
    tried: list[int] = []

    def twice(cycle_id: Any, area: str, ballots: Any, chunk: int | None = None) -> Any:
        ballots = list(ballots)
        stored = store(cycle_id, area, ballots, chunk)
        with pytest.raises(DuplicateBallot):
            store(cycle_id, area, ballots, chunk)
        with pytest.raises(DuplicateBallot):
            store(cycle_id, area, [ImportedBallot("tied.pb:new", ballots[0].selections),
                                   ballots[0]], chunk)
        tried.append(len(stored))
        return stored

    monkeypatch.setattr(app.ballots, "import_ballots", twice)
    pb = parse_pabulib(TIED)
    cycle_id = import_election(app, pb, "tied.pb").cycle_id
    assert tried == [len(pb.votes)]
    assert len(app.counted_ballots(cycle_id)) == len(pb.votes)
    cycle = app.cycle(cycle_id)
    assert cycle.results is not None
    (result,) = cycle.results["areas"].values()
    assert result["ballots"] == len(pb.votes)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_a_ballot_cast_beside_an_import_is_counted_too(
        app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import counts the ballots it stored as it holds them, without reading them back
    (ADR 0016), but only when the store holds no others: a resident who votes in the imported
    cycle while it is open is counted as well, and the audit's recount agrees."""
    store = app.ballots.import_ballots
    residents: list[UUID] = []

    def and_a_resident(cycle_id: Any, area: str, ballots: Any,
                       chunk: int | None = None) -> Any:
        stored = store(cycle_id, area, ballots, chunk)
        residents.append(cast_ballot(app, cycle_id, area, person(7), [stored[0].selections[0]]))
        return stored

    monkeypatch.setattr(app.ballots, "import_ballots", and_a_resident)
    pb = parse_pabulib(TIED)
    cycle_id = import_election(app, pb, "tied.pb").cycle_id
    cycle = app.cycle(cycle_id)
    assert cycle.results is not None
    (result,) = cycle.results["areas"].values()
    assert result["ballots"] == len(pb.votes) + 1
    assert str(residents[0]) in {b.id for b in app.counted_ballots(cycle_id)}
    report = verify_lines(list(export_lines(app, cycle_id)))
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert report.results_checked


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
def test_an_imported_election_is_counted_as_stored(app: Medborgarbudget) -> None:
    """Counted without reading the ballots back, the results are those of the ballots as
    stored: the same ballot digest and winners as a count read from the store."""
    pb = parse_pabulib(TIED)
    cycle_id = import_election(app, pb, "tied.pb").cycle_id
    cycle = app.cycle(cycle_id)
    assert cycle.results is not None
    read_back = app.tally(cycle)
    assert cycle.results["areas"] == read_back["areas"]
    assert app.cycle_index.count_cycle_events(cycle.id, [Ballot.Cast.TOPIC]) == len(pb.votes)  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_import_that_fails_mid_chunk_leaves_no_part_of_that_chunk(
        app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure inside the transaction of the second chunk (after its events were inserted,
    while its cycle index rows are written) stores none of that chunk: the first chunk's
    ballots are all there, and not one more (chunks of one ballot here, to have several)."""
    pb = parse_pabulib(TIED)
    assert len(pb.votes) >= 3
    recorder = type(app.recorder)
    index = recorder._index  # type: ignore[attr-defined]
    writes: list[int] = []

    def cut_off(self: Any, c: Any, stored_events: Any, *args: Any, **kwargs: Any) -> None:
        if any(s.topic == Ballot.Cast.TOPIC for s in stored_events):  # type: ignore[attr-defined]
            writes.append(len(stored_events))
            if len(writes) == 2:
                raise RuntimeError("the power went")
        index(self, c, stored_events, *args, **kwargs)

    monkeypatch.setattr(recorder, "_index", cut_off)
    store = app.ballots.import_ballots
    monkeypatch.setattr(app.ballots, "import_ballots",
                        lambda cycle_id, area, ballots: store(cycle_id, area, ballots, 1))
    with pytest.raises(RuntimeError, match="power"):
        import_election(app, pb, "tied.pb")
    (cycle_id,) = app.cycle_ids()
    assert writes == [1, 1]
    assert app.cycle_index.count_cycle_events(cycle_id, [Ballot.Cast.TOPIC]) == 1  # type: ignore[attr-defined]
    assert len(app.counted_ballots(cycle_id)) == 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_ballot_is_imported_into_a_cycle_that_is_not_voting(app: Medborgarbudget) -> None:
    """Ballots imported into a cycle whose results are published are refused, saying the phase,
    and none is stored."""
    pb = parse_pabulib(TIED)
    cycle_id = import_election(app, pb, "tied.pb").cycle_id
    (area,) = app.cycle(cycle_id).areas
    options = [str(p.id) for p in app.proposals(cycle_id)]
    with pytest.raises(PhaseError, match="results") as refused:
        app.ballots.import_ballots(cycle_id, area, [ImportedBallot("late.pb:1", options[:1])])
    assert refused.value.allowed is not None
    assert app.cycle_index.count_cycle_events(cycle_id, [Ballot.Cast.TOPIC]) == len(pb.votes)  # type: ignore[attr-defined]
