"""Where the tests find what lies outside the code: the installed console script, and the
published Pabulib elections beside the checkout (override: MEDBORGARBUDGET_PABULIB)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "medborgarbudget"
PABULIB_DIR = Path(os.environ.get(
    "MEDBORGARBUDGET_PABULIB", Path(__file__).resolve().parents[2] / "shared" / "pabulib"))
# Real files that today's import once refused (see its README): beside the ten.
PABULIB_QUIRKS_DIR = Path(os.environ.get(
    "MEDBORGARBUDGET_PABULIB_QUIRKS", PABULIB_DIR.parent / "pabulib-quirks"))
