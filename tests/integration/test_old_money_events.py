"""Events stored before money was kept in minor units (whole kronor, class version 1) still load,
with the right amounts in öre, and the audit chain of their history means what it meant: the
same lines, the same heads, and `audit verify` passes on the export made then and on one made
now. On both stores.

The events are the fixture tests/fixtures/old_events/stored_events.jsonl, captured from the code
before the change exactly as the library stored them (see the README beside it): written into
a fresh store as they are, they are that store's history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from domain.audit import verify_lines
from domain.money import AS_STORED
from service.api.app import create_app
from service.api.views import cycle_view, proposal_view, results_view
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import Settings
from service.pabulib_cycles import export_area
from service.read_models import follower_for, open_store
from service.schema_version import SCHEMA_VERSION, stamp, stored_version

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "old_events"
OLD_LINES = [json.loads(line) for line in
             (FIXTURE / "stored_events.jsonl").read_text(encoding="utf-8").splitlines()]
CYCLES: dict[str, str] = json.loads((FIXTURE / "cycles.json").read_text(encoding="utf-8"))
ADMIN = "admin:test.processledare"


def old_export(name: str) -> list[str]:
    return (FIXTURE / f"{name}_audit_export.jsonl").read_text(
        encoding="utf-8").splitlines(keepends=True)


def store_old_events(app: Medborgarbudget) -> None:
    app.recorder.insert_events([
        StoredEvent(UUID(row["originator_id"]), row["originator_version"], row["topic"],
                    row["state"].encode("utf-8"))
        for row in OLD_LINES])


@contextmanager
def pages_of(settings: Settings, app: Medborgarbudget) -> Iterator[TestClient]:
    """The service's pages on the store under test, its read models folded from the store's
    events first."""
    store = open_store(settings)
    try:
        follower_for(app, store).catch_up()
    finally:
        store.close()
    with TestClient(create_app(settings, app=app)) as client:
        yield client


@pytest.fixture
def old_app(app: Medborgarbudget) -> Medborgarbudget:
    store_old_events(app)
    return app


def test_the_fixture_is_in_the_old_form() -> None:
    """What the test loads is what the code before minor units wrote: kronor, no class version."""
    area = next(json.loads(row["state"]) for row in OLD_LINES
                if row["topic"] == "medborgarbudget:BudgetCycle.AreaAdded")
    assert area["area"]["budget"] == 250_000 and "class_version" not in area
    assert all("class_version" not in json.loads(row["state"]) for row in OLD_LINES)


def test_old_amounts_load_in_ore(old_app: Medborgarbudget) -> None:
    app = old_app
    demo = app.cycle(CYCLES["demo"])
    assert demo.currency == "SEK"
    assert {a.id: a.budget for a in demo.areas.values()} == {
        "norr": 25_000_000, "soder": 25_000_000, "unga": 10_000_000}
    proposals = {p.title: p for p in app.proposals(demo.id)}
    gym = proposals["Utegym vid Runnerydsjön"]
    assert (gym.estimated_cost, gym.official_cost, gym.cost) == (12_000_000, 13_500_000,
                                                                13_500_000)
    assert proposals["Ny simhall"].official_cost is None  # not feasible: no cost, as then
    built = [p for p in proposals.values() if p.progress]
    assert built and {s.spent for p in built for s in p.progress} == {2_000_000, 3_000_000}

    assert demo.results is not None and demo.results["format"] == 2
    norr = demo.results["areas"]["norr"]
    assert (norr["budget"], norr["cost"], norr["left"]) == (25_000_000, 23_000_000, 2_000_000)
    # The reasons and scores stay as they were published.
    assert "did not fit: 20 000 kr left, costs 38 000 kr" in norr["reasons"].values()

    successor = app.cycle(CYCLES["successor"])  # created from the demo: a copied configuration
    assert successor.currency == "SEK"
    assert successor.area("norr").budget == 25_000_000
    unga = successor.area("unga")
    assert unga.budget == 12_000_000 and unga.voting_rule is not None
    assert (unga.voting_rule.min_total_cost, unga.voting_rule.max_total_cost) == (1_000_000,
                                                                                  12_000_000)
    assert successor.voting_rule is not None
    assert successor.voting_rule.max_total_cost == 25_000_000

    imported = app.cycle(CYCLES["imported"])  # the file named PLN; the cycle recorded none
    assert imported.recorded_currency is None and imported.currency == "PLN"
    assert imported.area("testowo").budget == 10_000_000


def test_the_api_shows_old_amounts_in_kronor_and_ore(old_app: Medborgarbudget) -> None:
    demo = old_app.cycle(CYCLES["demo"])
    shown = cycle_view(demo)
    assert shown["currency"] == "SEK"
    norr = next(a for a in shown["areas"] if a["id"] == "norr")
    assert (norr["budget"], norr["budget_minor"]) == (250_000, 25_000_000)
    # Stored before pots had a minimum of votes: counted without one, and shown so.
    assert norr["min_votes"] == 0 and demo.area_rules()["norr"].min_votes == 0
    results = results_view(demo)["areas"]["norr"]
    assert (results["cost"], results["cost_minor"], results["left"]) == (230_000, 23_000_000,
                                                                         20_000)
    gym = next(p for p in old_app.proposals(demo.id) if p.title == "Utegym vid Runnerydsjön")
    view = proposal_view(gym, demo.currency)
    assert (view["official_cost"], view["official_cost_minor"]) == (135_000, 13_500_000)
    imported = cycle_view(old_app.cycle(CYCLES["imported"]))
    assert imported["currency"] == "PLN" and imported["areas"][0]["budget"] == 100_000


@pytest.mark.parametrize("name", sorted(CYCLES))
def test_the_audit_chain_of_an_old_history_is_unchanged(old_app: Medborgarbudget,
                                                        name: str) -> None:
    before = old_export(name)
    now = list(export_lines(old_app, CYCLES[name]))
    # Every event line, hashes and all, is the line written then; so is the head.
    assert now[1:-1] == before[1:-1]
    then_manifest, now_manifest = json.loads(before[-1]), json.loads(now[-1])
    for key in ("head", "published_head", "published_events", "counts", "results_digest"):
        assert now_manifest[key] == then_manifest[key], key
    for lines in (before, now):
        report = verify_lines(lines)
        assert report.ok, [str(f) for f in report.findings[:3]]
        assert report.results_checked == (name != "successor")  # in draft: nothing to count


def test_an_old_event_remembers_how_it_was_stored_and_a_new_one_its_version(
        old_app: Medborgarbudget) -> None:
    app = old_app
    successor = CYCLES["successor"]
    app.add_area(successor, {"id": "oster", "name": "Öster", "budget": "31 666,67"}, ADMIN)
    lines = list(export_lines(app, successor))
    data = [json.loads(line)["data"] for line in lines[1:-1]]
    old_area = next(d for d in data if d.get("area", {}).get("id") == "unga")
    new_area = next(d for d in data if d.get("area", {}).get("id") == "oster")
    assert old_area["area"]["budget"] == 120_000 and "class_version" not in old_area
    assert AS_STORED not in old_area
    assert new_area["area"]["budget"] == 3_166_667 and new_area["class_version"] == 2
    # Old and new events in one history: the chain goes on from the old head and verifies.
    assert lines[1:-2] == old_export("successor")[1:-1]
    report = verify_lines(lines)
    assert report.ok, [str(f) for f in report.findings[:3]]
    assert app.cycle(successor).area("oster").budget == 3_166_667


def test_old_imported_election_exports_as_its_file(old_app: Medborgarbudget) -> None:
    exported = export_area(old_app, CYCLES["imported"], None)
    assert exported.meta["budget"] == "100000" and exported.meta["currency"] == "PLN"
    assert [p.fields["cost"] for p in exported.projects] == ["60000", "50000", "30000"]


def test_a_store_of_the_old_schema_is_upgraded_and_its_read_models_hold_ore(
        settings: Settings, open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    store_old_events(app)
    env = settings.eventsourcing_env()
    stamp(env, 1)  # as the server before minor units left it
    store = open_store(settings)
    try:
        store.clear()  # read models of that server (in kronor): here, none at all
    finally:
        store.close()

    open_app()  # a server of today opens it: upgrades, rebuilding the read models
    assert stored_version(env) == SCHEMA_VERSION
    store = open_store(settings)
    try:
        demo = store.cycle(CYCLES["demo"])
        assert demo is not None
        assert {k: a["budget"] for k, a in demo["areas"].items()} == {
            "norr": 25_000_000, "soder": 25_000_000, "unga": 10_000_000}
        rows = store.results_of(CYCLES["demo"])
        assert sorted({r["cost"] for r in rows if r["area"] == "norr"}) == [
            3_000_000, 3_800_000, 9_500_000, 13_500_000]
        # The chain the read models keep is the export's: the published head is the one then.
        manifest = json.loads(old_export("demo")[-1])
        assert demo["audit"]["published_head"] == manifest["published_head"]
        assert demo["audit"]["head"] == manifest["head"]
        gym = next(p for p in store.proposals_of(CYCLES["demo"])
                   if p["title"] == "Utegym vid Runnerydsjön")
        assert (gym["estimated_cost"], gym["official_cost"]) == (12_000_000, 13_500_000)
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_pages_show_old_amounts_in_their_currency(settings: Settings,
                                                      old_app: Medborgarbudget) -> None:
    with pages_of(settings, old_app) as client:
        results = client.get(f"/cycles/{CYCLES['demo']}/results").text
        assert "250\u00a0000\u00a0kr" in results
        # The page words the reason as a sentence of its own (ADR 0027).
        assert "Fick inte plats: 20\u00a0000\u00a0kr kvar, kostar 38\u00a0000\u00a0kr." in results
        english = client.get(f"/cycles/{CYCLES['demo']}/results?lang=en").text
        assert "250,000\u00a0kr" in english
        assert "Did not fit: 20,000\u00a0kr left, costs 38,000\u00a0kr." in english
        polish = client.get(f"/cycles/{CYCLES['imported']}").text
        assert "100\u00a0000\u00a0PLN" in polish and "\u00a0kr" not in polish
