from pathlib import Path

from domain.phases import GUARD_EXPLANATIONS, mermaid_diagram
from service.cli import phases_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "phases.md"


def test_the_committed_phase_diagram_is_current() -> None:
    expected = phases_markdown(mermaid_diagram(), GUARD_EXPLANATIONS)
    assert DOC.read_text().rstrip("\n") == expected, (
        "docs/phases.md is stale: regenerate it with `medborgarbudget phases > docs/phases.md`"
    )
