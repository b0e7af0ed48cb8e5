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


Message = str | tuple[str, ...]  # a plural message: (singular, plural), its forms


def _catalog() -> dict[Message, Message]:
    with PO.open("rb") as file:
        return {m.id: m.string for m in read_po(file, locale="sv") if m.id}


def _translated(swedish: Message) -> bool:
    return all(swedish) if isinstance(swedish, tuple) else bool(swedish)


def test_every_message_in_the_source_has_a_swedish_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "N_", "-k", "translate", "-o", str(pot),
                    str(ROOT)], check=True, cwd=ROOT)
    with pot.open("rb") as file:
        wanted = {m.id for m in read_po(file) if m.id}
    translated = {k for k, v in _catalog().items() if _translated(v)}
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated (run scripts/update_translations.py): {missing}"


def test_translations_keep_the_placeholders() -> None:
    for message, swedish in _catalog().items():
        if isinstance(message, str):
            pairs = [(message, swedish)]
        else:  # Swedish has two forms too: one, and every other number, like English
            assert isinstance(swedish, tuple) and len(swedish) == len(message) == 2, message
            pairs = list(zip(message, swedish, strict=True))
        for english, translated in pairs:
            assert isinstance(translated, str)
            assert sorted(PLACEHOLDER.findall(english)) == \
                sorted(PLACEHOLDER.findall(translated)), (english, translated)


def test_the_catalog_compiles_with_its_plural_forms() -> None:
    """As the pages compile it at start (service/pages/i18n.py): from .po to .mo in memory."""
    from service.pages.i18n import translations

    translations.cache_clear()
    swedish = translations("sv")
    assert swedish.ngettext("%(num)s vote", "%(num)s votes", 1) == "%(num)s röst"
    assert swedish.ngettext("%(num)s vote", "%(num)s votes", 2) == "%(num)s röster"
    assert swedish.ngettext("%(num)s vote", "%(num)s votes", 0) == "%(num)s röster"
