"""Results and proposals as CSV and XLSX over HTTP, on both backends: read back (with the csv
module, with openpyxl) they say what the JSON says, typed; residents' text never becomes a
formula; no proposer is named; the results stay unreadable until they are published."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from service.api.formats import XLSX
from tests.e2e.api_client import API, DECISION, PROBLEM, Api, build_cycle
from tests.e2e.exports_support import (
    HOSTILE_CATEGORY,
    HOSTILE_DESCRIPTION,
    HOSTILE_PROPOSER,
    HOSTILE_TITLE,
    published_cycle,
)
from tests.identities import personnummer_for

FORMULA_STARTS = ("=", "+", "-", "@")


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv; charset=utf-8")
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")),
                               delimiter=";"))


def xlsx_rows(response: httpx.Response) -> list[dict[str, Cell]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    header = [str(c.value) for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def as_csv(value: Any) -> str:
    """A JSON value as the CSV writes it; text a spreadsheet would run gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def same_cell(cell: Cell, value: Any, kind: str) -> None:
    """An XLSX cell holds the JSON value, typed."""
    if value is None or value == "":
        assert cell.value is None, (cell.coordinate, cell.value)
    elif kind == "money":
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(str(value))
        assert cell.number_format == '#,##0.00 "kr"'
    elif kind == "number":
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(str(value))
    elif kind == "instant":
        assert cell.is_date
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        assert cell.value == moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    elif kind == "boolean":
        assert cell.value is value
    else:
        assert cell.data_type == "s" and cell.value == value, (cell.coordinate, cell.value)


MONEY = ("budget", "cost", "left", "estimated_cost", "official_cost", "spent")
INSTANTS = ("published_at", "submitted_at", "progress_at")


def kind_of(key: str, value: Any) -> str:
    if key in MONEY:
        return "money"
    if key in INSTANTS:
        return "instant"
    if isinstance(value, bool):
        return "boolean"
    if key == "score" or (isinstance(value, int) and not isinstance(value, bool)):
        return "number"
    return "text"


def expected_results(results: dict[str, Any], titles: dict[str, str]) -> list[dict[str, Any]]:
    """The rows the JSON's results make, worked out here from the JSON alone."""
    rows = []
    for area_id, area in results["areas"].items():
        for proposal_id, score in area["scores"].items():
            rank = area["selected"].index(proposal_id) + 1 \
                if proposal_id in area["selected"] else None
            rows.append({
                "cycle_id": results["cycle_id"], "published_at": results["published_at"],
                "ballots_counted": results["ballots_counted"], "currency": results["currency"],
                "area": area_id, "rule": area["rule"], "ballots": area["ballots"],
                **{k: area[k] for k in ("budget", "budget_minor", "cost", "cost_minor", "left",
                                        "left_minor")},
                "proposal_id": proposal_id, "title": titles[proposal_id], "score": score,
                "selected": proposal_id in area["selected"], "rank": rank,
                "reason": area["reasons"][proposal_id],
                "ballots_digest": results["ballots_digest"],
                "area_ballots_digest": area["ballots_digest"],
                **{k: results[k] for k in ("published_head", "published_events",
                                           "audit_head", "audit_events")}})
    return rows


def test_results_as_csv_and_xlsx_say_what_the_json_says(api: Api) -> None:
    cycle = published_cycle(api)
    base = f"{API}/cycles/{cycle.id}/results"
    # The audit heads come from the read models: wait until they hold every write.
    results = api.ok("GET", base, params={"position": api.stored()})
    assert results["published_head"] is not None
    titles = {p["id"]: p["title"]
              for p in api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"]}
    expected = expected_results(results, titles)
    assert any(r["selected"] for r in expected) and any(r["reason"] for r in expected)
    assert any(r["title"] == HOSTILE_TITLE for r in expected)

    by_csv = csv_rows(api.request("GET", base, params={"format": "csv"}))
    assert by_csv == [{k: as_csv(v) for k, v in row.items()} for row in expected]
    assert api.request("GET", base, headers={"Accept": "text/csv"}).content == \
        api.request("GET", base, params={"format": "csv"}).content
    assert api.request("GET", base).headers["vary"] == "Accept"

    by_xlsx = xlsx_rows(api.request("GET", base, params={"format": "xlsx"}))
    assert len(by_xlsx) == len(expected)
    for cells, row in zip(by_xlsx, expected, strict=True):
        assert set(cells) == set(row)
        for key, value in row.items():
            same_cell(cells[key], value, kind_of(key, value))
    hostile = next(c["title"] for c in by_xlsx if c["title"].value == HOSTILE_TITLE)
    assert hostile.data_type == "s" and hostile.quotePrefix  # text, not a formula

    # The reasons in words come from the one renderer, in the language asked for (ADR 0017).
    swedish = api.ok("GET", base, params={"lang": "sv"})
    assert expected_results(swedish, titles) != expected
    by_csv = csv_rows(api.request("GET", base, params={"format": "csv", "lang": "sv"}))
    assert by_csv == [{k: as_csv(v) for k, v in row.items()}
                      for row in expected_results(swedish, titles)]
    assert any(r["reason"] == "vald" for r in by_csv)


def test_the_files_are_named_after_the_cycle_and_what_they_hold(api: Api) -> None:
    cycle = published_cycle(api, name="Medborgarbudget Nässjö 2027")
    for what in ("results", "proposals"):
        for format_ in ("csv", "xlsx"):
            response = api.request("GET", f"{API}/cycles/{cycle.id}/{what}",
                                   params={"format": format_})
            assert response.headers["content-disposition"] == (
                f'attachment; filename="medborgarbudget-nassjo-2027-{cycle.id[:8]}-{what}'
                f'.{format_}"')


def test_proposals_as_csv_and_xlsx_say_what_the_json_says_and_name_no_proposer(
        api: Api) -> None:
    cycle = build_cycle(api, "review")
    proposals = api.ok("GET", f"{API}/cycles/{cycle.id}/proposals")["proposals"]
    assert all("proposer" not in p for p in proposals)  # the JSON names no proposer either
    base = f"{API}/cycles/{cycle.id}/proposals"
    assert api.request("GET", base, params={"format": "json"}).json() == {"proposals": proposals}

    by_csv = csv_rows(api.request("GET", base, params={"format": "csv"}))
    by_xlsx = xlsx_rows(api.request("GET", base, params={"format": "xlsx"}))
    assert len(by_csv) == len(by_xlsx) == len(proposals)
    for proposal, row, cells in zip(proposals, by_csv, by_xlsx, strict=True):
        assert proposal["progress"] == []
        # `position` is for answers to writes (null in a listing), not a column.
        flat = {k: v for k, v in proposal.items()
                if k not in ("place", "progress", "position", "pictures")}
        for key, value in flat.items():
            assert row[key] == as_csv(value), (key, row[key], value)
            same_cell(cells[key], value, kind_of(key, value))
        assert row["progress_reports"] == "0" and cells["progress_reports"].value == 0
        assert row["pictures"] == str(len(proposal["pictures"]))
    assert not {"proposer", "proposer_id", "voter"} & set(by_csv[0])


def test_residents_text_never_becomes_a_formula_and_the_proposer_stays_unnamed(
        api: Api) -> None:
    cycle = published_cycle(api)
    base = f"{API}/cycles/{cycle.id}/proposals"
    hostile = cycle.proposals["hostile"]
    by_csv = {r["id"]: r for r in csv_rows(api.request("GET", base, params={"format": "csv"}))}
    row = by_csv[hostile]
    assert (row["title"], row["description"], row["category"], row["place_name"]) == (
        "'" + HOSTILE_TITLE, "'" + HOSTILE_DESCRIPTION, "'" + HOSTILE_CATEGORY, "'@Torget")
    assert (row["official_cost"], row["official_cost_minor"]) == ("1234.56", "123456")
    by_xlsx = {r["id"].value: r for r in xlsx_rows(api.request("GET", base,
                                                               params={"format": "xlsx"}))}
    for key, text in (("title", HOSTILE_TITLE), ("description", HOSTILE_DESCRIPTION),
                      ("category", HOSTILE_CATEGORY)):
        cell = by_xlsx[hostile][key]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert b"<f>" not in api.request("GET", base, params={"format": "xlsx"}).content
    pseudonym = api.app.proposer_pseudonym(personnummer_for(HOSTILE_PROPOSER))
    for format_ in ("csv", "xlsx"):
        for what in ("proposals", "results"):
            content = api.request("GET", f"{API}/cycles/{cycle.id}/{what}",
                                  params={"format": format_}).content
            assert pseudonym.encode() not in content


def test_the_latest_progress_report_is_in_the_proposals_export(api: Api) -> None:
    cycle = published_cycle(api)
    hostile = cycle.proposals["hostile"]
    api.admin("PUT", f"{API}/cycles/{cycle.id}/adoption", json=dict(DECISION))
    api.fire(cycle.id, "adopt")
    for percent, spent, note in ((40, "100.50", "=första"), (70, 900, "andra")):
        api.admin("POST", f"{API}/proposals/{hostile}/progress",
                  json={"percent": percent, "note": note, "spent": spent})
    shown = api.ok("GET", f"{API}/proposals/{hostile}")
    base = f"{API}/cycles/{cycle.id}/proposals"
    row = next(r for r in csv_rows(api.request("GET", base, params={"format": "csv"}))
               if r["id"] == hostile)
    latest = shown["progress"][-1]
    assert (row["progress_reports"], row["progress_percent"], row["spent"], row["spent_minor"],
            row["progress_at"], row["progress_note"], row["status"]) == (
        "2", "70", "900", "90000", latest["at"], "andra", "in_progress")
    cells = next(r for r in xlsx_rows(api.request("GET", base, params={"format": "xlsx"}))
                 if r["id"].value == hostile)
    same_cell(cells["spent"], latest["spent"], "money")
    same_cell(cells["progress_at"], latest["at"], "instant")
    assert cells["progress_percent"].value == 70


def test_results_stay_unreadable_in_every_format_until_published(api: Api) -> None:
    cycle = build_cycle(api, "voting")
    api.resident("POST", f"{API}/cycles/{cycle.id}/ballots", 201, subject="early voter",
                 json={"area": "norr", "selections": cycle.feasible("norr")[:1]})
    for params, headers in (({"format": "csv"}, {}), ({"format": "xlsx"}, {}),
                            ({}, {"Accept": "text/csv"})):
        problem = api.refused("GET", f"{API}/cycles/{cycle.id}/results", 409, params=params,
                              headers=headers)
        assert "'voting'" in problem["detail"]


def test_an_unknown_format_is_refused_naming_the_formats_there_are(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    for what in ("results", "proposals"):
        for given in ("pdf", "", "csv%00", "x" * 150):
            problem = api.refused("GET", f"{API}/cycles/{cycle.id}/{what}", 400,
                                  params={"format": given})
            assert problem["allowed"] == ["json", "csv", "xlsx"]
            assert "json, csv, xlsx" in problem["detail"]
    response = api.request("GET", f"{API}/cycles/{cycle.id}/proposals",
                           params={"format": "x" * 201})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    # A resident-facing default: JSON, whatever else the Accept header lists.
    assert api.request("GET", f"{API}/cycles/{cycle.id}/proposals",
                       headers={"Accept": "application/xml"}).headers[
        "content-type"].startswith("application/json")


def test_the_results_and_proposals_pages_link_to_the_files_in_both_languages(
        api: Api) -> None:
    cycle = published_cycle(api)
    position = api.stored()
    for what, swedish, english in (("results", "Resultatet som kalkylblad:",
                                    "The results as a spreadsheet:"),
                                   ("proposals", "Förslagen som kalkylblad:",
                                    "The proposals as a spreadsheet:")):
        for lang, words in (("sv", swedish), ("en", english)):
            page = api.request("GET", f"/cycles/{cycle.id}/{what}",
                               params={"lang": lang, "position": position}).text
            assert words in page
            links = re.findall(r'<a href="([^"]+)" download>', page)
            assert links == [f"{API}/cycles/{cycle.id}/{what}?format=xlsx",
                             f"{API}/cycles/{cycle.id}/{what}?format=csv"]
            for link in links:  # plain links: no script needed to download
                response = api.request("GET", link)
                assert response.status_code == 200
                assert "attachment" in response.headers["content-disposition"]
    voting = build_cycle(api, "voting", name="Ett år som röstar")
    page = api.request("GET", f"/cycles/{voting.id}/results").text
    assert "format=" not in page  # nothing to download before the results are published
