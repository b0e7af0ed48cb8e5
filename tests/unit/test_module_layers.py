"""Which modules may import which (issue #15): the counting rules import without a circle, the
event schema needs nothing but the standard library, and the domain knows nothing of the
service or the projections."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported(path: Path) -> set[str]:
    """Every module `path` imports, at any level (also inside functions and TYPE_CHECKING)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_election_does_not_import_the_profile_built_from_it() -> None:
    assert not {name for name in imported(ROOT / "domain/allocation/election.py")
                if name.startswith("domain.allocation.profile")}
    assert "domain.allocation.election" in imported(ROOT / "domain/allocation/profile.py")


def test_the_event_schema_imports_only_the_standard_library() -> None:
    # The payloads' documents (domain/documents.py) are part of the schema, held to it too.
    for module in ("domain/events.py", "domain/documents.py"):
        first_parts = {name.split(".")[0] for name in imported(ROOT / module)
                       if not name.startswith("domain.documents")}
        assert first_parts <= {"__future__", "dataclasses", "collections", "datetime",
                               "typing"}, module


@pytest.mark.parametrize("path", sorted((ROOT / "domain").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_imports_neither_the_service_nor_the_projections(path: Path) -> None:
    assert not {name for name in imported(path)
                if name.split(".")[0] in ("service", "projections", "fastapi", "sqlite3")}


@pytest.mark.parametrize("path", sorted((ROOT / "service/pages").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_the_pages_do_not_import_the_sign_in_side_of_the_site(path: Path) -> None:
    # service/web renders the pages' templates; the pages learn who reads them through the
    # `Visitor` it installs, so the two do not import each other.
    assert not {name for name in imported(path) if name.startswith("service.web")}
