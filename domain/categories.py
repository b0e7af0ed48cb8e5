"""Proposal categories: a list the administrator sets for a cycle, which a proposal picks from.

A category has an id (what a proposal records and `?category=` filters on) and a name for
people. A cycle without categories takes a proposal's category as free text, or none, as every
cycle did before categories were a list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain import documents
from domain import text as lengths
from domain.errors import InvalidInput
from domain.text import clean_text

MAX_CATEGORIES = 50
_CATEGORY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Category:
    id: str
    name: str

    def to_dict(self) -> documents.Category:
        return {"id": self.id, "name": self.name}


def categories_from(value: object) -> tuple[Category, ...]:
    """A cycle's list of categories as given by an administrator, checked: each an id
    (lower-case letters, digits and dashes) and a name, no id or name twice."""
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise InvalidInput("categories", "must be a list of categories, each with an id and a "
                                         "name")
    if len(value) > MAX_CATEGORIES:
        raise InvalidInput("categories", f"at most {MAX_CATEGORIES} categories")
    categories: list[Category] = []
    for index, item in enumerate(value):
        field = f"categories[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(field, "must be an object with an id and a name")
        the_id, name = item.get("id"), item.get("name")
        if not isinstance(the_id, str) or not _CATEGORY_ID.match(the_id):
            raise InvalidInput(f"{field}.id", "must be 1 to 40 lower-case letters a-z, digits "
                                              "or dashes, starting with a letter or digit")
        categories.append(Category(the_id, clean_text(name, f"{field}.name", lengths.CATEGORY)))
    ids = [c.id for c in categories]
    names = [c.name.casefold() for c in categories]
    if len(set(ids)) != len(ids):
        raise InvalidInput("categories", "an id is given twice")
    if len(set(names)) != len(names):
        raise InvalidInput("categories", "a name is given twice")
    return tuple(categories)


def stored_categories(value: object) -> tuple[Category, ...]:
    """The categories as an event recorded them (checked when they were set)."""
    if not isinstance(value, Sequence):
        return ()
    return tuple(Category(str(c["id"]), str(c["name"])) for c in value
                 if isinstance(c, Mapping))


def chosen_category(categories: Sequence[Category], value: object) -> str:
    """The category a new proposal records: one of the cycle's (by id) when it has a list;
    otherwise free text as before, or "" for none."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput("category", "must be text")
    text = (value or "").strip()
    if not categories:
        return clean_text(text, "category", lengths.CATEGORY) if text else ""
    known = {c.id for c in categories}
    if text not in known:
        listed = ", ".join(c.id for c in categories)
        if not text:
            raise InvalidInput("category", f"choose one of this cycle's categories: {listed}")
        shown = text[:lengths.CATEGORY]
        raise InvalidInput("category", f"'{shown}' is not a category of this cycle; "
                                       f"choose one of: {listed}")
    return text


def category_names(categories: object) -> dict[str, str]:
    """id -> name, from a read model's list (a cycle document's `categories`)."""
    return {c.id: c.name for c in stored_categories(categories)}


def as_dicts(categories: Sequence[Category]) -> list[documents.Category]:
    return [c.to_dict() for c in categories]
