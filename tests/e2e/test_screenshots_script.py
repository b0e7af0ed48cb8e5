"""The gallery script runs: `python -m scripts.screenshots --only home` writes the home page in
both languages at both widths, from a demo history in a store of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import screenshots
from tests.e2e.participation_support import CHROMIUM, require

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_gallery_has_the_home_page_in_both_languages_at_both_widths(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (set MEDBORGARBUDGET_CHROMIUM)")
    out = tmp_path / "gallery"
    assert screenshots.main(["--out", str(out), "--only", "home"]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["home-en-1280.png", "home-en-390.png", "home-sv-1280.png",
                       "home-sv-390.png"]
    assert all((out / name).read_bytes().startswith(PNG) for name in written)
    assert "4 screenshots" in capsys.readouterr().out

