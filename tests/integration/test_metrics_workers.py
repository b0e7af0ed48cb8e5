"""`serve --workers N` counts metrics in every worker and a scrape adds them all up
(prometheus-client's multiprocess mode, in a folder the CLI makes); its log is JSON lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from tests.integration.server_support import REQUEST_TIMEOUT, start_server, stop

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

PROBES = 24


def test_a_scrape_counts_the_requests_of_every_worker(settings: Settings,
                                                      tmp_path: Path) -> None:
    server = start_server(settings, tmp_path, workers=2, demo=False)
    try:
        for _ in range(PROBES):
            # A new connection each time, so the requests spread over the workers.
            answer = httpx.get(f"{server.base}/readyz", timeout=REQUEST_TIMEOUT)
            assert answer.status_code == 200, answer.text
        scrape = httpx.get(f"{server.base}/metrics", timeout=REQUEST_TIMEOUT).text
    finally:
        stop(server.process)
    counted = re.search(r'medborgarbudget_http_requests_total\{method="GET",route="/readyz",'
                        r'status="200"\} (\S+)', scrape)
    assert counted is not None, scrape
    assert float(counted.group(1)) == PROBES
    assert "medborgarbudget_read_model_lag_seconds" in scrape
    lines = [line for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["level"] for line in lines)
