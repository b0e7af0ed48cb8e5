"""Tables for spreadsheets: one table written as CSV or as XLSX, each cell typed by its column.

The rows hold values as the API's JSON gives them (amounts in whole units as an int or exact
decimal text, minor units as int, instants as ISO 8601 text in UTC), so an export says what the
JSON says. CSV (ADR 0022): UTF-8 with a byte order mark and `;` between fields, which Excel in
Swedish reads as columns; values as the JSON writes them. XLSX: numbers as numbers (amounts with
the currency's number format), instants as dates, text as text, a header row, frozen panes.

Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return; OWASP "CSV injection") is never a formula: in CSV it is prefixed with an apostrophe, in
XLSX it is a text cell marked to stay text when edited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from domain.money import unit

CSV_DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CELL = 32_767  # characters Excel keeps in a cell
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MINOR_FORMAT = "0"


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # whole units: an int, or exact decimal text ("969245.38")
    NUMBER = "number"  # a score: an int, or exact decimal text
    BOOLEAN = "boolean"
    INSTANT = "instant"  # ISO 8601 text, UTC


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind = Kind.TEXT
    width: int = 14


@dataclass(frozen=True)
class Table:
    """`name`: the sheet's name; `currency`: the ISO 4217 code of every MONEY column."""

    name: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    currency: str


def defused(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(value: Any, kind: Kind) -> str:
    """A value of the JSON as a CSV field: what the JSON writes, `true`/`false`, empty for null."""
    if value is None:
        return ""
    if kind is Kind.BOOLEAN:
        return "true" if value else "false"
    if kind is Kind.TEXT:
        return defused(str(value))
    return str(value)


def write_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([column.key for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_text(row.get(c.key), c.kind) for c in table.columns])
    # Text stored before input was checked may hold a lone surrogate, which UTF-8 cannot say.
    return buffer.getvalue().encode("utf-8-sig", "replace")


def money_format(currency: str) -> str:
    """Thousands grouped, two decimals, the unit as the pages name it ('kr', 'EUR'); Excel
    writes the separators of the reader's locale."""
    return f'#,##0.00 "{unit(currency)}"'


def _instant(text: str) -> datetime:
    """ISO 8601 text as a naive datetime in UTC, to the second: Excel has no time zones and
    keeps no more than milliseconds (the CSV and the JSON give the instant exactly)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _excel_text(value: Any) -> str:
    # Control characters are not allowed in the file's XML; Excel truncates beyond its limit.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))[:EXCEL_MAX_CELL]


def write_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = table.name[:31]
    sheet.append([column.key for column in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money = money_format(table.currency)
    for row_number, row in enumerate(table.rows, start=2):
        for column_number, column in enumerate(table.columns, start=1):
            value = row.get(column.key)
            if value is None or value == "":  # an empty cell: XLSX has no empty text
                continue
            cell = sheet.cell(row=row_number, column=column_number)
            if column.kind is Kind.TEXT:
                text = _excel_text(value)
                cell.value = text
                cell.data_type = "s"  # openpyxl would take "=..." for a formula
                if text.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True  # and Excel keeps it text when it is edited
            elif column.kind is Kind.MONEY:
                cell.value = Decimal(str(value))
                cell.number_format = money
            elif column.kind is Kind.NUMBER:
                cell.value = Decimal(str(value))
            elif column.kind is Kind.INTEGER:
                cell.value = int(value)
                cell.number_format = MINOR_FORMAT
            elif column.kind is Kind.BOOLEAN:
                cell.value = bool(value)
            else:
                cell.value = _instant(str(value))
                cell.number_format = DATETIME_FORMAT
    for number, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(column.width,
                                                                       len(column.key) + 2)
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
