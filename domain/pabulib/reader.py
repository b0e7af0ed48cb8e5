"""Reading the Pabulib format (pabulib.org/format) from text.

Three sections, META, PROJECTS and VOTES, in that order; `;`-separated and split into values by
Python's csv module with its default (lenient) dialect, as pabutools' own parser does: so a
quoted value may hold `;` and doubled quotes, a value that merely *starts* with a quoted word
(`"Odkupmy" i my - zakup`) reads as csv reads it (`Odkupmy i my - zakup`), and a quote inside an
unquoted value is kept. LF or CRLF line ends, an optional byte-order mark, empty lines, and
separators at the end of a row (empty values beyond the header, an empty last header column) are
all taken. Anything else that is off raises `PabulibFormatError` naming the line; in particular
a value that runs over a line end, which in a .pb file only an unclosed quote produces.

Checked: the section order and headers, the number of cells per row, the required columns
(`project_id`, `cost`; `voter_id`, `vote`, and `points` for cumulative and scoring votes), META
`budget` and `vote_type`, numbers where numbers belong, unique project and voter ids, that votes
name known projects with as many points as projects (ordinal files may carry points too, the
points each rank got), and that `num_projects` / `num_votes` (when present)
match the rows. Ballot-length limits and the published scores are the business of a validator
such as pabulib-checker, not of the reader.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TextIO

from domain.pabulib.errors import PabulibFormatError
from domain.pabulib.model import PabulibFile, PabulibProject, PabulibVote, split_list

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
_SECTIONS = ("meta", "projects", "votes")
MAX_DIGITS = 18  # budgets, costs and points above 10**18 are refused
MAX_NUMBER_LENGTH = 64


def read_pabulib(stream: TextIO) -> PabulibFile:
    """Read a .pb file from an open text stream (open it with newline='' to keep CRLF intact)."""
    return parse_pabulib(stream.read())


def parse_pabulib(text: str) -> PabulibFile:
    return _Parser(text).parse()


def _identified(row: list[str], header: list[str], line: int, key: str,
                seen: dict[str, int]) -> tuple[dict[str, str], str]:
    """A project's or vote's row as its fields, and its id (the `key` column), which must be
    given and not repeat an earlier row's; `seen` then holds it, with its line."""
    fields = dict(zip(header, row, strict=True))
    identity = fields[key]
    if not identity:
        raise PabulibFormatError(line, f"{key} is empty")
    if identity in seen:
        raise PabulibFormatError(
            line, f"{key} {identity!r} repeated (first on line {seen[identity]})"
        )
    seen[identity] = line
    return fields, identity


def _number(value: str, line: int, what: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        hint = " (use a dot for decimals)" if "," in value else ""
        raise PabulibFormatError(line, f"{what} {value!r} is not a number{hint}") from None
    if not number.is_finite():
        raise PabulibFormatError(line, f"{what} {value!r} is not a finite number")
    if number < 0:
        raise PabulibFormatError(line, f"{what} {value!r} must not be negative")
    if number.adjusted() > MAX_DIGITS or len(value) > MAX_NUMBER_LENGTH:
        # 1e999999999 is a valid Decimal, but counting with it would never finish.
        raise PabulibFormatError(line, f"{what} {value[:40]!r} is too large a number")
    return number


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text.removeprefix("\ufeff")
        self.last_line = 0

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        # Not strict: a quote in the middle of a value is data to csv (and to pabutools), and
        # refusing it would refuse real files; what is truly broken is caught below.
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=";")
        line = 0
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                self.last_line = line
                return
            except csv.Error as error:
                raise PabulibFormatError(
                    start, f"cannot split the row that starts here into values: {error}"
                ) from None
            line = reader.line_num
            if any("\n" in cell or "\r" in cell for cell in row):
                # No Pabulib value holds a line break: an unclosed quote swallowed line ends.
                raise PabulibFormatError(
                    start, "a value runs over the end of the line: is a quote left open?")
            if not row or all(not cell.strip() for cell in row):
                continue
            yield start, [cell.strip() for cell in row]

    def parse(self) -> PabulibFile:
        meta: dict[str, str] = {}
        meta_lines: dict[str, int] = {}
        meta_start = 1
        project_columns: list[str] = []
        projects: list[PabulibProject] = []
        vote_columns: list[str] = []
        votes: list[PabulibVote] = []
        section = ""
        header: list[str] | None = None
        header_line = 0
        project_lines: dict[str, int] = {}
        voter_lines: dict[str, int] = {}

        for line, row in self.rows():
            # Separators at the end of a row (`VOTES;`, `key;value;`) add empty values.
            trimmed = row
            while len(trimmed) > 1 and not trimmed[-1]:
                trimmed = trimmed[:-1]
            marker = trimmed[0].lower() if len(trimmed) == 1 else ""
            if marker in _SECTIONS:
                expected = _SECTIONS[_SECTIONS.index(section) + 1] if section else "meta"
                if marker != expected:
                    raise PabulibFormatError(
                        line, f"found section {row[0]} where {expected.upper()} was expected"
                    )
                if marker == "votes":
                    self._check_meta(meta, meta_lines, meta_start)
                if marker == "meta":
                    meta_start = line
                section, header, header_line = marker, None, line
                continue
            if not section:
                raise PabulibFormatError(line, "the file must start with the META section")
            if header is None:
                header = self._header(section, trimmed, line)
                header_line = line
                if section == "projects":
                    project_columns = header
                elif section == "votes":
                    vote_columns = header
                continue
            if len(row) > len(header) and not any(row[len(header):]):
                row = row[:len(header)]  # only empty values beyond the header
            if len(row) != len(header):
                raise PabulibFormatError(
                    line,
                    f"{len(row)} values but the {section.upper()} header (line {header_line}) "
                    f"has {len(header)} columns",
                )
            if section == "meta":
                key, value = row
                if not key:
                    raise PabulibFormatError(line, "META key is empty")
                if key in meta:
                    raise PabulibFormatError(
                        line, f"META key {key!r} repeated (first on line {meta_lines[key]})"
                    )
                meta[key], meta_lines[key] = value, line
            elif section == "projects":
                projects.append(self._project(row, header, line, project_lines))
            else:
                votes.append(
                    self._vote(row, header, line, meta.get("vote_type", ""), project_lines,
                               voter_lines)
                )

        end = self.last_line + 1
        if section != "votes":
            missing = _SECTIONS[_SECTIONS.index(section) + 1] if section else "meta"
            raise PabulibFormatError(end, f"the file ends before the {missing.upper()} section")
        if header is None:
            raise PabulibFormatError(end, "the VOTES section has no header row")
        self._check_counts(meta, meta_lines, len(projects), len(votes))
        return PabulibFile(meta, project_columns, projects, vote_columns, votes, meta_lines)

    @staticmethod
    def _header(section: str, row: list[str], line: int) -> list[str]:
        if any(not cell for cell in row):
            raise PabulibFormatError(line, f"the {section.upper()} header has an empty column name")
        if len(set(row)) != len(row):
            raise PabulibFormatError(line, f"the {section.upper()} header repeats a column name")
        required = {"meta": ("key", "value"), "projects": ("project_id", "cost"),
                    "votes": ("voter_id", "vote")}[section]
        if section == "meta":
            if [cell.lower() for cell in row] != ["key", "value"]:
                raise PabulibFormatError(line, "the META header must be 'key;value'")
            return row
        missing = [column for column in required if column not in row]
        if missing:
            raise PabulibFormatError(
                line, f"the {section.upper()} header lacks the column(s) {', '.join(missing)}"
            )
        return row

    @staticmethod
    def _check_meta(meta: dict[str, str], lines: dict[str, int], start: int) -> None:
        for key in ("budget", "vote_type"):
            if key not in meta:
                raise PabulibFormatError(start, f"the META section has no {key!r} entry")
        _number(meta["budget"], lines["budget"], "budget")
        if meta["vote_type"] not in VOTE_TYPES:
            raise PabulibFormatError(
                lines["vote_type"],
                f"vote_type {meta['vote_type']!r} is not supported; expected one of "
                f"{', '.join(VOTE_TYPES)}",
            )
        if "min_project_score_threshold" in meta:
            _number(
                meta["min_project_score_threshold"],
                lines["min_project_score_threshold"],
                "min_project_score_threshold",
            )
        if "max_length" in meta and meta["vote_type"] == "ordinal":
            value = meta["max_length"]
            if not value.isdigit() or int(value) < 1:
                raise PabulibFormatError(
                    lines["max_length"], f"max_length {value!r} is not a positive whole number"
                )

    @staticmethod
    def _project(
        row: list[str], header: list[str], line: int, seen: dict[str, int]
    ) -> PabulibProject:
        fields, pid = _identified(row, header, line, "project_id", seen)
        if not fields["cost"]:
            raise PabulibFormatError(line, f"project {pid} has no cost")
        _number(fields["cost"], line, f"the cost of project {pid}")
        return PabulibProject(fields, line)

    @staticmethod
    def _vote(
        row: list[str],
        header: list[str],
        line: int,
        vote_type: str,
        projects: dict[str, int],
        seen: dict[str, int],
    ) -> PabulibVote:
        fields, voter = _identified(row, header, line, "voter_id", seen)
        chosen = split_list(fields["vote"])
        for pid in chosen:
            if pid not in projects:
                raise PabulibFormatError(
                    line, f"voter {voter} votes for {pid!r}, which is not in PROJECTS"
                )
        if vote_type in ("cumulative", "scoring") or (
                vote_type == "ordinal" and "points" in fields):
            if "points" not in fields:
                raise PabulibFormatError(line, f"{vote_type} votes need a 'points' column")
            points = split_list(fields["points"])
            if len(points) != len(chosen):
                raise PabulibFormatError(
                    line,
                    f"voter {voter} names {len(chosen)} projects but gives {len(points)} points",
                )
            for value in points:
                number = _number(value, line, f"points of voter {voter}")
                if number != number.to_integral_value():
                    raise PabulibFormatError(
                        line, f"points of voter {voter} must be whole numbers, got {value!r}"
                    )
        return PabulibVote(fields, line)

    @staticmethod
    def _check_counts(
        meta: dict[str, str], lines: dict[str, int], projects: int, votes: int
    ) -> None:
        for key, counted, what in (("num_projects", projects, "projects"),
                                   ("num_votes", votes, "votes")):
            if key not in meta:
                continue
            value = meta[key]
            if not value.isdigit():
                raise PabulibFormatError(lines[key], f"{key} {value!r} is not a whole number")
            if int(value) != counted:
                raise PabulibFormatError(
                    lines[key], f"{key} says {value} but the file has {counted} {what}"
                )
