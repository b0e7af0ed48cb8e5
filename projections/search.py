"""The proposals' search read model: one row per proposal with what residents filter on, and its
text indexed for full-text search (ADR 0023).

PostgreSQL keeps a `tsvector` of the title (weight A) and description (weight B) with the
Swedish configuration, in a generated column under a GIN index, and reads residents' words as
stem prefixes, or with `websearch_to_tsquery` when they use operators. SQLite keeps an FTS5
index of the same text (the `unicode61` tokenizer, keeping å, ä and ö as letters of their own)
fed by triggers, and is asked for every word as a prefix. The rows are the same on both; only
the index differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.json_values import SQLValue
from projections.rows import ProposalRow

SEARCH_TABLE = "rm_search"
MAX_QUERY_LENGTH = 200
# Words of a query: what FTS5's unicode61 tokenizer would keep (letters and digits).
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 20  # a query of more words is cut: each one is another term of the index to read


@dataclass(frozen=True)
class ProposalFilter:
    """What to find among a cycle's proposals; None is no condition of that kind."""

    q: str | None = None
    area: str | None = None
    category: str | None = None
    status: str | None = None
    max_cost_minor: int | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.q, self.area, self.category, self.status,
                                       self.max_cost_minor))


COLUMNS = ("proposal_id", "cycle_id", "area", "category", "status", "cost", "submitted_at",
           "title", "description")

SQLITE_CREATE = (
    # row_id: the FTS5 index refers to rows by an integer; a rowid VACUUM keeps.
    "CREATE TABLE IF NOT EXISTS {rm_search} (row_id INTEGER PRIMARY KEY, "
    "proposal_id TEXT NOT NULL UNIQUE, cycle_id TEXT NOT NULL, area TEXT NOT NULL, "
    "category TEXT NOT NULL, status TEXT NOT NULL, cost BIGINT NOT NULL, "
    "submitted_at TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS rm_search_cycle ON {rm_search} (cycle_id)",
    # remove_diacritics 0: "sjön" and "sjon" are different words in Swedish.
    "CREATE VIRTUAL TABLE IF NOT EXISTS {rm_search_text} USING fts5(title, description, "
    "content='rm_search', content_rowid='row_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS rm_search_added AFTER INSERT ON {rm_search} BEGIN "
    "INSERT INTO {rm_search_text} (rowid, title, description) "
    "VALUES (new.row_id, new.title, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS rm_search_removed AFTER DELETE ON {rm_search} BEGIN "
    "INSERT INTO {rm_search_text} ({rm_search_text}, rowid, title, description) "
    "VALUES ('delete', old.row_id, old.title, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS rm_search_retexted AFTER UPDATE OF title, description "
    "ON {rm_search} WHEN old.title IS NOT new.title "
    "OR old.description IS NOT new.description BEGIN "
    "INSERT INTO {rm_search_text} ({rm_search_text}, rowid, title, description) "
    "VALUES ('delete', old.row_id, old.title, old.description); "
    "INSERT INTO {rm_search_text} (rowid, title, description) "
    "VALUES (new.row_id, new.title, new.description); END",
)

POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS {rm_search} (proposal_id TEXT PRIMARY KEY, "
    "cycle_id TEXT NOT NULL, area TEXT NOT NULL, category TEXT NOT NULL, "
    "status TEXT NOT NULL, cost BIGINT NOT NULL, submitted_at TEXT NOT NULL, "
    "title TEXT NOT NULL, description TEXT NOT NULL, "
    "document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('swedish', title), 'A') || "
    "setweight(to_tsvector('swedish', description), 'B')) STORED)",
    "CREATE INDEX IF NOT EXISTS rm_search_cycle ON {rm_search} (cycle_id)",
    "CREATE INDEX IF NOT EXISTS rm_search_document ON {rm_search} USING GIN (document)",
)

# Status and cost change as a proposal is reviewed; the text only when a moderator hides it
# (the index then forgets it: ADR 0024).
UPSERT = ("INSERT INTO {rm_search} (" + ", ".join(COLUMNS) + ") VALUES ("
          + ", ".join("?" for _ in COLUMNS) + ") ON CONFLICT (proposal_id) DO UPDATE SET "
          "status = excluded.status, cost = excluded.cost, title = excluded.title, "
          "description = excluded.description")


def search_row(doc: ProposalRow) -> tuple[SQLValue, ...]:
    """A proposal's read model as its search row; the cost is the one that counts."""
    cost = doc.get("official_cost")
    if cost is None:
        cost = doc.get("estimated_cost") or 0
    return (doc["id"], doc["cycle_id"], doc["area"], doc.get("category") or "",
            doc["status"], int(cost), doc["submitted_at"], doc["title"], doc["description"])


def words(q: str) -> list[str]:
    """The words of a resident's query, as the index would see them."""
    return _WORD.findall(q)[:MAX_WORDS]


def fts5_query(q: str) -> str | None:
    """An FTS5 MATCH expression for `q`: every word quoted (so that nothing a resident types
    is FTS5 syntax: no operator, column filter or unbalanced quote) and matched as a prefix,
    so that "brygga" finds "bryggan"; all words must match. None when `q` has no word."""
    found = words(q)
    if not found:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in found)


def _filters(condition: ProposalFilter, alias: str) -> tuple[list[str], list[SQLValue]]:
    clauses, params = [f"{alias}.cycle_id = ?"], []
    for column in ("area", "category", "status"):
        value = getattr(condition, column)
        if value is not None:
            clauses.append(f"{alias}.{column} = ?")
            params.append(value)
    if condition.max_cost_minor is not None:
        clauses.append(f"{alias}.cost <= ?")
        params.append(condition.max_cost_minor)
    return clauses, params


def sqlite_query(cycle_id: str, condition: ProposalFilter) -> tuple[str, list[SQLValue]] | None:
    """The ids of the matching proposals, best match first when searching; None: no match
    is possible (a query with no word)."""
    clauses, params = _filters(condition, "s")
    if condition.q is None:
        return ("SELECT s.proposal_id FROM {rm_search} s WHERE " + " AND ".join(clauses)
                + " ORDER BY s.area, s.submitted_at, s.proposal_id", [cycle_id, *params])
    match = fts5_query(condition.q)
    if match is None:
        return None
    # The title weighs more than the description.
    return ("SELECT s.proposal_id FROM {rm_search_text} JOIN {rm_search} s "
            "ON s.row_id = {rm_search_text}.rowid WHERE {rm_search_text} MATCH ? AND "
            + " AND ".join(clauses)
            + " ORDER BY bm25({rm_search_text}, 10.0, 1.0), s.submitted_at, s.proposal_id",
            [match, cycle_id, *params])


def plain(q: str) -> bool:
    """Whether `q` is only words, without what a web search box reads as an operator: a
    "phrase", a -word left out, or `or`."""
    return '"' not in q and not any(w.startswith("-") or w.lower() == "or" for w in q.split())


def tsquery_prefixes(q: str) -> str:
    """A `to_tsquery` text for plain words: each word's stem as a prefix, all of them. The
    Swedish stemmer leaves "bryggan" as it is but makes "brygga" "brygg", so the stem as a
    prefix is what finds the one from the other. Words are letters and digits only (`words`),
    quoted: nothing a resident types is tsquery syntax."""
    return " & ".join(f"'{w}':*" for w in words(q))


def postgres_query(cycle_id: str, condition: ProposalFilter) -> tuple[str, list[SQLValue]] | None:
    """Plain words go to `to_tsquery` as stem prefixes (`tsquery_prefixes`); a query with
    operators to `websearch_to_tsquery`, which reads it as a web search box does and never
    fails on syntax."""
    clauses, params = _filters(condition, "s")
    if condition.q is None:
        return ("SELECT s.proposal_id FROM {rm_search} s WHERE " + " AND ".join(clauses)
                + " ORDER BY s.area, s.submitted_at, s.proposal_id", [cycle_id, *params])
    if not words(condition.q):
        return None
    if plain(condition.q):
        parse, text = "to_tsquery", tsquery_prefixes(condition.q)
    else:
        parse, text = "websearch_to_tsquery", condition.q
    return ("SELECT s.proposal_id FROM {rm_search} s, "
            f"{parse}('swedish', ?) query WHERE s.document @@ query AND "
            + " AND ".join(clauses)
            + " ORDER BY ts_rank(s.document, query) DESC, s.submitted_at, s.proposal_id",
            [text, cycle_id, *params])
