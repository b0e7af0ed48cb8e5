"""A Pabulib election as read from a .pb file: every META entry and every column kept as text.

Values are kept exactly as written (minus surrounding whitespace), so that writing a file back
gives the same data; the typed properties (`cost`, `vote`, `points`, ...) read them on demand.
The reader has already checked that they parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated cell ('12,7,3'); an empty cell is an empty list."""
    return tuple(item.strip() for item in value.split(",")) if value.strip() else ()


@dataclass(frozen=True)
class _Row:
    """A row of a section: its columns as written, and the line it was read from (not part of
    the data)."""

    fields: dict[str, str]
    line: int = field(default=0, compare=False)


class PabulibProject(_Row):
    @property
    def id(self) -> str:
        return self.fields["project_id"]

    @property
    def cost(self) -> Decimal:
        return Decimal(self.fields["cost"])

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    @property
    def selected(self) -> bool | None:
        """The published result, when the file has a `selected` column."""
        value = self.fields.get("selected")
        return None if value is None or value == "" else value.strip() not in ("0", "")


class PabulibVote(_Row):
    @property
    def voter_id(self) -> str:
        return self.fields["voter_id"]

    @property
    def vote(self) -> tuple[str, ...]:
        return split_list(self.fields["vote"])

    @property
    def points(self) -> tuple[int, ...] | None:
        value = self.fields.get("points")
        return None if value is None else tuple(int(Decimal(p)) for p in split_list(value))


@dataclass(frozen=True)
class PabulibFile:
    meta: dict[str, str]
    project_columns: list[str]
    projects: list[PabulibProject]
    vote_columns: list[str]
    votes: list[PabulibVote]
    # The line of each META key, to name it when a value cannot be used (not part of the data).
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def budget(self) -> Decimal:
        return Decimal(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule")

    def has_selected(self) -> bool:
        return "selected" in self.project_columns


def numbered_votes(votes: Iterable[Mapping[str, str]]) -> list[PabulibVote]:
    """Votes (their columns but `voter_id`) numbered 1..N as `voter_id`, in the order of what
    they say. The numbers then tell nothing about a ballot but its content: not who cast it,
    nor when, nor its ballot id (a resident's receipt number). Ballots with the same content are
    alike, so the order among them is no choice; the file is the same whatever order the
    ballots came in, and its tally is that of the ballots."""
    contents = sorted(
        ({k: v for k, v in vote.items() if k != "voter_id"} for vote in votes),
        key=lambda fields: sorted(fields.items()))
    return [PabulibVote({"voter_id": str(number), **fields})
            for number, fields in enumerate(contents, start=1)]
