"""The timeline on a cycle's page shows the date of every phase: when it was entered, or, for
the phases to come, the date the cycle plans for it."""

from __future__ import annotations

import re
from itertools import pairwise

from service.pages import charts, i18n
from tests.e2e.api_client import API, TIMELINE, Api, build_cycle


def test_every_step_of_the_chart_shows_its_date() -> None:
    steps = [charts.Step(f"Fas {n}", f"{n + 1} mars 2027", "todo") for n in range(9)]
    svg = str(charts.timeline("phases", "Faserna", "Alla faser", steps))
    for step in steps:
        assert f">{step.date}</text>" in svg, step.date
    # Neighbours' dates sit in different rows, so they cannot run into each other.
    rows = re.findall(r'<text x="[\d.]+" y="(\d+)" font-size="11"', svg)
    assert len(rows) == 9 and all(a != b for a, b in pairwise(rows))


def test_the_cycle_page_shows_every_planned_date(api: Api) -> None:
    cycle = build_cycle(api, "ideas")
    created = api.ok("GET", f"{API}/cycles/{cycle.id}")
    for lang in ("sv", "en"):
        page = api.client.get(f"/cycles/{cycle.id}", params={"lang": lang,
                                                             "position": api.stored()})
        svg = page.text.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
        # Ideas shows the day it was entered; the phases to come their planned dates.
        for change in created["history"]:
            assert i18n.day(change["at"][:10], lang) in svg
        for phase, planned in TIMELINE.items():
            if phase != "ideas":
                assert i18n.day(planned, lang) in svg, (lang, phase)
