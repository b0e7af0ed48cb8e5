"""Which format a read answers in: JSON by default, CSV or XLSX for spreadsheets.

`?format=json|csv|xlsx` decides; without it, the `Accept` header may ask for `text/csv` or the
XLSX media type (the highest `q` the API can give wins); anything else answers JSON, as the API
always did. An unknown `?format=` is refused (400) naming the formats there are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response

from service.api.openapi import PROBLEM_CONTENT
from service.api.schemas import Problem
from service.tabular import Table, write_csv, write_xlsx

JSON = "application/json"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"json": JSON, "csv": CSV, "xlsx": XLSX}
ALLOWED = tuple(MEDIA_TYPES)
_BY_MEDIA_TYPE = {media_type: name for name, media_type in MEDIA_TYPES.items()}


class UnknownFormat(Exception):
    """400: `?format=` names no format the API writes."""

    def __init__(self, given: str) -> None:
        super().__init__(f"There is no format '{given[:40]}'; use one of: "
                         f"{', '.join(ALLOWED)}.")


FormatQuery = Annotated[str | None, Query(
    alias="format", max_length=200,
    description="`json` (the default), `csv` (UTF-8 with a byte order mark, `;` between "
                "fields) or `xlsx`. Without it, `Accept: text/csv` or the XLSX media type "
                "asks for those.",
    json_schema_extra={"enum": list(ALLOWED)})]


def _accepted(accept: str) -> list[tuple[float, str]]:
    ranges = []
    for part in accept.split(",")[:20]:
        media_type, *parameters = (p.strip() for p in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, media_type.lower()))
    return ranges


def chosen(format_: str | None, accept: str | None) -> str:
    """The format to answer in: 'json', 'csv' or 'xlsx'."""
    if format_ is not None:
        name = format_.strip().lower()
        if name not in MEDIA_TYPES:
            raise UnknownFormat(format_)
        return name
    best, best_quality = "json", 0.0
    for quality, media_type in _accepted(accept or ""):
        offered = _BY_MEDIA_TYPE.get(media_type)
        if offered is not None and quality > best_quality:
            best, best_quality = offered, quality
        elif media_type in ("*/*", "application/*") and quality > best_quality:
            best, best_quality = "json", quality
    return best


def file_name(cycle_name: str, cycle_id: object, what: str, extension: str) -> str:
    """'medborgarbudget-nassjo-2027-3f1c9b4e-results.csv': the cycle by name (in ASCII, which
    every browser saves) and by the start of its id, and what the file holds."""
    ascii_name = unicodedata.normalize("NFKD", cycle_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    parts = [p for p in (slug, str(cycle_id)[:8], re.sub(r"[^a-z0-9-]+", "-", what.lower()))
             if p]
    return f"{'-'.join(parts)}.{extension}"


def varies(response: Response) -> Response:
    """A cache must not give the JSON to a request that asks for CSV, nor the other way."""
    response.headers["Vary"] = "Accept"
    return response


def download(content: bytes, media_type: str, name: str) -> Response:
    return varies(Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"'}))


def table_response(table: Table, format_: str, cycle_name: str, cycle_id: object,
                   what: str) -> Response:
    """The table as CSV or XLSX, to save as a file named after the cycle and `what`."""
    if format_ == "csv":
        return download(write_csv(table), f"{CSV}; charset=utf-8; header=present",
                        file_name(cycle_name, cycle_id, what, "csv"))
    return download(write_xlsx(table), XLSX, file_name(cycle_name, cycle_id, what, "xlsx"))


def documented(model: type[Any], description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a read that also answers in CSV and XLSX."""
    return {
        200: {"model": model, "description": description, "content": {
            CSV: {"schema": {"type": "string"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        400: {"model": Problem, "content": PROBLEM_CONTENT,
              "description": "An unknown `format`: the problem names the formats there are."},
    }
