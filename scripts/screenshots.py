"""A gallery of the residents' pages: every public page, in Swedish and English, at a desktop's
1280 px and a phone's 390 px, as PNG files in one folder.

    .venv/bin/python -m scripts.screenshots [--out DIR] [--only NAME ...]

The pages show a demo history (three cycles: one closed, one voting, one collecting ideas)
written into a temporary store, served on a loopback port and photographed with Chromium
(/usr/bin/chromium, or MEDBORGARBUDGET_CHROMIUM). A signed-in resident's ballots, and an area
closed to them, are in the gallery too. Nothing outside the output folder is written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Browser, Page, sync_playwright

from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from service.runtime import open_application
from tests.cycle_history import History, build_history
from tests.e2e.participation_support import CHROMIUM, CHROMIUM_ARGS, screenshot, serve

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "artifacts" / "screenshots" / "gallery"
WIDTHS = (1280, 390)
LANGUAGES = ("sv", "en")
VOTERS_PER_AREA = 12  # enough for results with every kind of reason, quick to write


# Who is signed in for a page: nobody, an adult living in Norr, or a young resident of Norr.
RESIDENTS = {"adult": ("Gallerie Exempel", 1990), "young": ("Ung Exempel", 2010)}


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # without the language
    resident: str | None = None  # a key of RESIDENTS
    tick_first: bool = False  # the first proposal ticked (a ballot as it is being filled in)


def public_pages(app: Medborgarbudget, history: History) -> list[Shot]:
    """Every public page of the history: the cycles' pages and a proposal of each fate."""
    shots = [Shot("home", "/"), Shot("sign-in", "/sign-in"),
             Shot("accessibility", "/tillganglighetsredogorelse"),
             Shot("privacy", "/personuppgifter")]
    cycles = {"closed": history.closed.cycle_id, "voting": history.voting,
              "ideas": history.ideas}
    for label, cycle_id in cycles.items():
        for page, suffix in (("cycle", ""), ("proposals", "/proposals"),
                             ("results", "/results"), ("progress", "/progress"),
                             ("receipt", "/receipt")):
            shots.append(Shot(f"{label}-{page}", f"/cycles/{cycle_id}{suffix}"))
    seen: set[str] = set()
    for proposal in app.proposals(history.closed.cycle_id):
        fate = proposal.status.value
        if fate not in seen:  # one of each status: built, being built, not feasible, ...
            seen.add(fate)
            shots.append(Shot(f"proposal-{fate}", f"/proposals/{proposal.id}"))
    if history.waiting_proposal is not None:
        shots.append(Shot("proposal-waiting", f"/proposals/{history.waiting_proposal}"))
    # An adult of Norr signed in: the areas, each ballot (Söder and the youth area closed to
    # them, saying why); a young resident filling in the youth area's budget ballot.
    voting = history.voting
    shots.append(Shot("vote-areas", f"/cycles/{voting}/vote", "adult"))
    for area in app.cycle(voting).areas:
        shots.append(Shot(f"ballot-{area}", f"/cycles/{voting}/vote/{area}", "adult"))
    shots.append(Shot("ballot-unga-young", f"/cycles/{voting}/vote/unga", "young",
                      tick_first=True))
    return shots


class PageFailed(Exception):
    """A page of the gallery answered with an error: the gallery would show a broken page."""


@contextmanager
def served_history(folder: Path) -> Iterator[tuple[str, Medborgarbudget, History]]:
    settings = Settings(folder / "data")
    app = open_application(settings)
    try:
        history = build_history(app, voters_per_area=VOTERS_PER_AREA)
        api = create_app(settings, app=app, test_sign_in=True)
        served = serve(api)
        try:
            yield served.url, app, history
        finally:
            served.stop()
    finally:
        app.close()


def _address(path: str, lang: str, position: int | None = None) -> str:
    query = {**({"lang": lang} if lang != "sv" else {}),
             **({"position": str(position)} if position else {})}
    return f"{path}?{urlencode(query)}" if query else path


def _sign_in(page: Page, lang: str, resident: str) -> None:
    name, born = RESIDENTS[resident]
    page.goto(_address("/sign-in", lang))
    page.fill("#name", name)
    page.fill("#birth_year", str(born))
    page.select_option("#residence", "norr")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def photograph(browser: Browser, url: str, shots: Sequence[Shot], out: Path,
               position: int) -> list[Path]:
    written = []
    for lang in LANGUAGES:
        for width in WIDTHS:
            for resident in dict.fromkeys(s.resident for s in shots):
                context = browser.new_context(
                    base_url=url, viewport={"width": width, "height": 900},
                    locale="sv-SE" if lang == "sv" else "en-GB")
                try:
                    page = context.new_page()
                    if resident is not None:
                        _sign_in(page, lang, resident)
                    for shot in (s for s in shots if s.resident == resident):
                        # The first page waits until the read models hold the whole history.
                        answer = page.goto(_address(shot.path, lang, position))
                        if answer is None or answer.status >= 400:
                            raise PageFailed(f"{shot.path} ({lang}, {width} px) answered "
                                             f"{answer.status if answer else 'nothing'}")
                        if shot.tick_first:
                            page.locator("main input[type=checkbox]").first.check()
                        target = out / f"{shot.name}-{lang}-{width}.png"
                        screenshot(page, target)
                        written.append(target)
                finally:
                    context.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.screenshots",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the PNG files (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only the page of this name (e.g. home, voting-results); repeatable")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"No Chromium at {CHROMIUM}: install Debian's chromium or set "
              "MEDBORGARBUDGET_CHROMIUM.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gallery-") as folder, \
            served_history(Path(folder)) as (url, app, history):
        shots = public_pages(app, history)
        if args.only:
            unknown = set(args.only) - {s.name for s in shots}
            if unknown:
                print(f"No such page: {', '.join(sorted(unknown))}", file=sys.stderr)
                return 2
            shots = [s for s in shots if s.name in args.only]
        position = app.recorder.max_notification_id() or 0
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            try:
                written = photograph(browser, url, shots, args.out, position)
            except PageFailed as failed:
                print(f"A page failed: {failed}", file=sys.stderr)
                return 1
            finally:
                browser.close()
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
