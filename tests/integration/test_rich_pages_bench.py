"""The benchmark's heavy pages (benchmarks.rich_pages) are what its latency rows claim: every
proposal page shows three pictures and twenty comments, the list shows a thumbnail for each
proposal, and residents browsing them through a real server get 200s."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx

from benchmarks import rich_pages
from service.config import Settings
from tests.identities import valid_personnummer
from tests.integration.server_support import (
    REQUEST_TIMEOUT,
    Browse,
    demo_cycle,
    drive_residents,
    resident_headers,
    start_projector,
    start_server,
    stop,
    wait_for_page,
)

PICTURE = re.compile(r'<img[^>]* src="/pictures/([0-9a-f]{64})/')
RESIDENTS = 4


def test_proposal_pages_carry_pictures_and_comments_and_residents_read_them(
        settings: Settings, tmp_path: Path) -> None:
    rich = rich_pages.seed(settings)
    server = start_server(settings, tmp_path, 2 if settings.database_url else 1)
    projector = start_projector(settings, tmp_path)  # on PostgreSQL, as the benchmark runs
    try:
        rich_pages.wait_until_shown(server.base, rich)
        with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT) as client:
            for path in rich.proposal_paths:
                page = client.get(path).text
                assert len(set(PICTURE.findall(page))) == 3, path
                assert page.count("Kommentar ") == rich_pages.COMMENTS, path
            listed = client.get(rich.list_path).text
        assert len(set(PICTURE.findall(listed))) == rich_pages.PROPOSALS

        demo = demo_cycle(server.base)
        wait_for_page(server.base, f"/cycles/{demo.cycle_id}")
        voters = [valid_personnummer(n) for n in range(RESIDENTS)]
        outcomes = drive_residents(
            server.base, demo, resident_headers(settings, voters),
            {v: demo.options[:1] for v in voters}, voters, concurrency=RESIDENTS, pages=2,
            browse=Browse(rich.list_path, rich.proposal_paths))
    finally:
        stop(server.process)
        if projector is not None:
            stop(projector)
    assert Counter((o.kind, o.status) for o in outcomes) == {
        ("page", 200): 2 * RESIDENTS, ("list", 200): RESIDENTS,
        ("proposal", 200): RESIDENTS, ("ballot", 201): RESIDENTS}
