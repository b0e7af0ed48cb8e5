"""Extract the pages' messages and merge them into the Swedish catalog (keeps translations).

Run after changing a template: .venv/bin/python scripts/update_translations.py
Then translate any new empty msgstr in service/pages/locale/sv/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POT = ROOT / "build" / "messages.pot"
PO = ROOT / "service" / "pages" / "locale" / "sv" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    POT.parent.mkdir(exist_ok=True)
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run([*babel, "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_",
                    "-k", "translate", "--no-location", "--sort-output", "-o", str(POT),
                    str(ROOT)], check=True, cwd=ROOT)
    command = "update" if PO.exists() else "init"
    arguments = ["-i", str(POT), "-l", "sv", "-o", str(PO)]
    if command == "update":
        arguments.append("--no-fuzzy-matching")
    subprocess.run([*babel, command, *arguments], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
