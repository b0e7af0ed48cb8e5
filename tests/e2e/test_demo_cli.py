"""The `medborgarbudget demo` console script, end to end, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from domain.phases import Phase
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.demo import AREAS as DEMO_AREAS
from service.runtime import open_application
from tests.integration.builders import FORWARD
from tests.paths import SCRIPT


def _winners(output: str) -> dict[str, list[str]]:
    """Area heading -> the winning proposals listed under it."""
    section = output.split("\nWinners:\n", 1)[1]
    winners: dict[str, list[str]] = {}
    area = None
    for line in section.splitlines():
        if line.startswith("    * "):
            assert area is not None, line
            winners[area].append(line[len("    * "):])
        elif line.startswith("  ") and not line.startswith("    "):
            area = line.strip().split(" — ")[0]
            winners[area] = []
    return winners


@pytest.mark.slow
def test_demo_runs_a_whole_cycle(settings: Settings, tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (run pip install -e .)"
    env = {k: v for k, v in os.environ.items() if k not in (DATABASE_URL_ENV, DATA_ENV)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    done = subprocess.run(
        [str(SCRIPT), "demo", "--data", str(settings.data_dir), "--voters", "30"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    output = done.stdout
    expected_store = "PostgreSQL at" if settings.database_url else "SQLite in"
    assert f"Store: {expected_store}" in output

    history = output.split("\nPhase history:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    moves = [re.search(r" UTC\s+(\w+)\s+(\w+) -> (\w+) \(", line) for line in history]
    assert all(moves), history
    phases = ["draft", "ideas", "review", "voting", "counting", "results", "implementation",
              "evaluation", "closed"]
    assert [m.groups() for m in moves if m] == [
        (trigger, before, after)
        for (trigger, _), before, after in zip(FORWARD, phases[:-1], phases[1:], strict=True)
    ]
    assert "90 ballots cast" in output

    winners = _winners(output)
    assert set(winners) == {area["name"] for area in DEMO_AREAS}
    assert all(winners.values()), winners

    # The store the command wrote to holds that closed cycle.
    app = open_application(settings)
    try:
        (cycle_id,) = app.cycle_ids()
        cycle = app.cycle(cycle_id)
        assert cycle.phase is Phase.CLOSED and str(cycle.id) in output
        titles = {p.title for p in app.proposals(cycle_id)}
        assert {w.split("  (")[0] for ws in winners.values() for w in ws} <= titles
    finally:
        app.close()
