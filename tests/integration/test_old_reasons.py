"""Results published before reasons were codes (English sentences, results format 1 and 2) still
load, and their reasons read the same as new ones in Swedish and English on the pages and in the
API; a sentence of an earlier wording is shown as it was recorded (ADR 0017). On both stores;
the pages on SQLite.

The stored records are those of tests/fixtures/old_events (format 1, class version 1), and one
built here from them in the shape format 2 had (class version 2, öre)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from service.api.views import results_view
from service.application import Medborgarbudget
from service.config import Settings
from tests.integration.test_old_money_events import (
    CYCLES,
    OLD_LINES,
    pages_of,
    store_old_events,
)

NBSP = "\u00a0"
PUBLISHED = "medborgarbudget:BudgetCycle.ResultsPublished"
EARLIER_WORDING = "selected: it costs nothing and has supporters"


@pytest.fixture
def old_app(app: Medborgarbudget) -> Medborgarbudget:
    store_old_events(app)
    return app


def _format_2(row: dict[str, Any]) -> dict[str, Any]:
    """The demo's results event as results format 2 stored it: class version 2, amounts in öre,
    the reasons English sentences; one of them in a wording older than any pattern."""
    state = json.loads(row["state"])
    results = state["results"]
    for outcome in results["areas"].values():
        for key in ("budget", "cost", "left"):
            outcome[key] *= 100
    unga = results["areas"]["unga"]["reasons"]
    unga["6247efec-7742-4e2c-ac34-ebcd38a2a376"] = EARLIER_WORDING
    results.update(format=2, currency="SEK")
    state["class_version"] = 2
    return {**row, "state": json.dumps(state, ensure_ascii=False)}


@pytest.fixture
def format_2_app(app: Medborgarbudget) -> Medborgarbudget:
    rows = [_format_2(row) if row["topic"] == PUBLISHED
            and row["originator_id"] == CYCLES["demo"] else row for row in OLD_LINES]
    app.recorder.insert_events([
        StoredEvent(UUID(row["originator_id"]), row["originator_version"], row["topic"],
                    row["state"].encode("utf-8")) for row in rows])
    return app


def test_format_1_results_keep_their_sentences_and_read_as_codes(
        old_app: Medborgarbudget) -> None:
    demo = old_app.cycle(CYCLES["demo"])
    assert demo.results is not None and demo.results["format"] == 2  # upcast from 1 (öre)
    norr = demo.results["areas"]["norr"]
    assert "did not fit: 20 000 kr left, costs 38 000 kr" in norr["reasons"].values()

    swedish = results_view(demo, lang="sv")["areas"]
    english = results_view(demo)["areas"]
    pid = "74063337-d5ca-45e6-9023-8eac76b88f84"
    assert swedish["norr"]["reasons"][pid] == (
        f"fick inte plats: 20{NBSP}000{NBSP}kr kvar, kostar 38{NBSP}000{NBSP}kr")
    assert english["norr"]["reasons"][pid] == (
        f"did not fit: 20,000{NBSP}kr left, costs 38,000{NBSP}kr")
    assert english["norr"]["reason_codes"][pid] == {
        "code": "did-not-fit", "amounts": {"left": 2_000_000, "cost": 3_800_000},
        "currency": "SEK"}
    mes = "6247efec-7742-4e2c-ac34-ebcd38a2a376"
    assert swedish["unga"]["reasons"][mes] == (
        f"vald i omgång 1: 4 anhängare delade på kostnaden och betalade högst 8{NBSP}000{NBSP}kr "
        "var")
    short = "ee0be9b7-99a0-437a-a2ea-6c80de576747"
    assert english["unga"]["reasons"][short] == (
        f"not affordable: its supporters had 7,332{NBSP}kr left of their equal shares, it costs "
        f"50,000{NBSP}kr (equal share: 11,666{NBSP}kr per voter, after adding 1,666{NBSP}kr to "
        "each share)")

    imported = results_view(old_app.cycle(CYCLES["imported"]), lang="sv")["areas"]["testowo"]
    winner = "1cbb5790-fb5c-4cc4-9f62-eb5784dc18ed"
    loser = "3ed60763-c56b-49c0-9e5d-2165520363b9"
    assert imported["reasons"][winner] == (
        f"vald (lika poäng som {loser}; vid lika avgjorde lägre kostnad, sedan lägre id)")
    assert imported["reason_codes"][loser]["tie"] == {
        "kind": "lost-on-score", "others": [winner], "tie_break": "lower-cost"}


def test_format_2_results_load_and_an_unknown_sentence_shows_as_recorded(
        format_2_app: Medborgarbudget) -> None:
    demo = format_2_app.cycle(CYCLES["demo"])
    assert demo.results is not None and demo.results["format"] == 2
    unga = demo.results["areas"]["unga"]
    assert (unga["budget"], unga["cost"]) == (10_000_000, 3_200_000)  # not upcast again
    pid = "6247efec-7742-4e2c-ac34-ebcd38a2a376"
    for lang in ("sv", "en"):
        shown = results_view(demo, lang=lang)["areas"]["unga"]
        assert shown["reasons"][pid] == EARLIER_WORDING
        assert shown["reason_codes"][pid] is None
    assert results_view(demo, lang="sv")["areas"]["norr"]["reasons"][
        "74063337-d5ca-45e6-9023-8eac76b88f84"].startswith("fick inte plats: 20")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_pages_and_the_api_word_old_reasons_in_each_language(
        settings: Settings, format_2_app: Medborgarbudget) -> None:
    with pages_of(settings, format_2_app) as client:
        demo = CYCLES["demo"]
        swedish = client.get(f"/cycles/{demo}/results").text
        # The pages word each reason as a sentence of its own (ADR 0027).
        assert f"Fick inte plats: 20{NBSP}000{NBSP}kr kvar, kostar 38{NBSP}000{NBSP}kr." in swedish
        assert "Kunde inte finansieras: anhängarna hade 7" in swedish
        assert "Selected: it costs nothing and has supporters." in swedish
        english = client.get(f"/cycles/{demo}/results?lang=en").text
        assert f"Did not fit: 20,000{NBSP}kr left, costs 38,000{NBSP}kr." in english
        assert "Selected: it costs nothing and has supporters." in english
        api = client.get(f"/api/v1/cycles/{demo}/results", params={"lang": "sv"})
        assert api.status_code == 200, api.text
        norr = api.json()["areas"]["norr"]
        assert norr["reasons"]["74063337-d5ca-45e6-9023-8eac76b88f84"].startswith(
            "fick inte plats")
        imported = client.get(f"/cycles/{CYCLES['imported']}/results").text
        loser = format_2_app.proposal("3ed60763-c56b-49c0-9e5d-2165520363b9")
        assert f"Vald (lika poäng som {loser.title}; vid lika avgjorde lägre kostnad" in imported
        refused = client.get(f"/api/v1/cycles/{demo}/results", params={"lang": "de"})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
