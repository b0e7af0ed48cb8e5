"""Writing the Pabulib format: the inverse of `reader`, LF line ends, minimal CSV quoting."""

from __future__ import annotations

import csv
import io
from typing import TextIO

from domain.pabulib.model import PabulibFile


def write_pabulib(election: PabulibFile, stream: TextIO) -> None:
    stream.write(format_pabulib(election))


def format_pabulib(election: PabulibFile) -> str:
    """The .pb text of `election`; reading it back gives an equal `PabulibFile`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def row(values: list[str], where: str) -> None:
        for value in values:
            if "\n" in value or "\r" in value:
                raise ValueError(f"{where}: a value cannot contain a line break: {value!r}")
            if value != value.strip():
                raise ValueError(f"{where}: a value cannot start or end with blanks: {value!r}")
        writer.writerow(values)

    row(["META"], "META")
    row(["key", "value"], "META")
    for key, value in election.meta.items():
        row([key, value], f"META {key}")
    for section, columns, items, what, key in (
        ("PROJECTS", election.project_columns, election.projects, "project", "project_id"),
        ("VOTES", election.vote_columns, election.votes, "voter", "voter_id"),
    ):
        row([section], section)
        row(list(columns), f"{section} header")
        for item in items:
            row([item.fields.get(column, "") for column in columns],
                f"{what} {item.fields.get(key, '?')}")
    return out.getvalue()
