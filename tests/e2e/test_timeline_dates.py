"""The timeline on a cycle's page shows, for every phase, the date the cycle plans for it and,
once the cycle entered it, the date it did: as HTML text, a vertical list on a phone."""

from __future__ import annotations

import re

from service.pages import charts, i18n
from tests.e2e.api_client import API, TIMELINE, Api, build_cycle

WORDS = charts.TimelineWords("Planerat", "Började", "pågår nu")


def test_every_step_of_the_timeline_shows_its_planned_and_actual_date() -> None:
    steps = [charts.Step(f"Fas {n}", f"{n + 1} mars 2027",
                         f"{n + 2} mars 2027" if n < 4 else "",
                         "done" if n < 3 else "current" if n == 3 else "todo") for n in range(9)]
    html = str(charts.timeline("phases", "Faserna", steps, WORDS))
    items = re.findall(r"<li[^>]*>(.*?)</li>", html)
    assert len(items) == 9
    for step, item in zip(steps, items, strict=True):
        assert f"Planerat: {step.planned}" in item, item
        assert (f"Började: {step.entered}" in item) == bool(step.entered), item
    # The current phase is said in words and to assistive technology, not by colour alone.
    assert re.findall(r'<li class="(\w+)"( aria-current="step")?', html)[3] == (
        "current", ' aria-current="step"')
    assert "(pågår nu)" in items[3] and "pågår nu" not in "".join(items[:3] + items[4:])
    # Nothing of it is SVG: text in a drawing would shrink with it on a phone.
    assert "<timeline" not in html and "<text" not in html


def test_the_cycle_page_shows_every_planned_date(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    created = api.ok("GET", f"{API}/cycles/{cycle.id}")
    for lang in ("sv", "en"):
        page = api.client.get(f"/cycles/{cycle.id}", params={"lang": lang,
                                                             "position": api.stored()})
        timeline = page.text.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
        # Ideas shows the day it was entered; every phase its planned date.
        for change in created["history"]:
            assert i18n.day(change["at"][:10], lang) in timeline
        for phase, planned in TIMELINE.items():
            assert i18n.day(planned, lang) in timeline, (lang, phase)
