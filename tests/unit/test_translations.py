"""The Swedish catalog covers every message of the pages, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "service" / "pages" / "locale" / "sv" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog() -> dict[str, str]:
    with PO.open("rb") as file:
        return {m.id: m.string for m in read_po(file, locale="sv") if m.id}


def test_every_message_in_the_source_has_a_swedish_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "N_", "-k", "translate", "-o", str(pot),
                    str(ROOT)], check=True, cwd=ROOT)
    with pot.open("rb") as file:
        wanted = {m.id for m in read_po(file) if m.id}
    translated = {k for k, v in _catalog().items() if v}
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run scripts/update_translations.py): {missing}"


def test_translations_keep_the_placeholders() -> None:
    for message, swedish in _catalog().items():
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(swedish)), (
            message, swedish)
