"""`medborgarbudget backup FILE` and `restore FILE`, on SQLite and PostgreSQL.

A store with two cycles (one closed with ballots and results, one still voting) is backed up
and restored into a fresh store of the same kind: every cycle's audit export verifies and has
the same head as before, the read models are rebuilt, and a store that is not empty is refused.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain.audit import verify_lines
from domain.phases import Phase
from service.audit_export import export_lines
from service.cli import main
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.demo import run_demo
from service.pictures import AddPicture
from service.read_models import open_store
from service.runtime import open_application
from tests.backends import database_url
from tests.integration.builders import drive
from tests.paths import SCRIPT
from tests.picture_files import png


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A second empty store of the same kind: another data folder, another schema."""
    for url in database_url(backend, tmp_path / "fresh"):
        yield Settings(tmp_path / "fresh" / "data", url)


def cli_env(settings: Settings) -> dict[str, str]:
    env = {DATA_ENV: str(settings.data_dir)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    return env


def heads(settings: Settings) -> dict[str, tuple[str, int]]:
    """Each cycle's audit head and its number of events."""
    app = open_application(settings)
    try:
        found = {}
        for cycle_id in app.cycle_ids():
            report = verify_lines(export_lines(app, cycle_id))
            assert report.ok, report.findings
            found[str(cycle_id)] = (report.head, report.events)
        return found
    finally:
        app.close()


def test_a_backup_restores_into_an_empty_store_with_the_same_history(
        settings: Settings, fresh: Settings, tmp_path: Path) -> None:
    app = open_application(settings)
    closed = run_demo(app, voters_per_area=4)
    run_demo(app, stop_in=Phase.VOTING, seed=7, voters_per_area=2)
    # A picture, whose bytes live outside the event log (ADR 0030), is in the backup too.
    ideas = drive(app, Phase.IDEAS)
    mine = app.proposer_pseudonym("proposer-0")
    proposal = next(p for p in ideas.proposals.values() if app.proposal(p).proposer == mine)
    picture = app.execute(AddPicture(proposal, png(), "En skiss", "proposer-0")).value
    stored_picture = app.picture_blobs.get(picture.digest, picture.width)
    head = app.recorder.max_notification_id()
    app.close()
    before = heads(settings)
    assert len(before) == 3 and all(events for _, events in before.values())

    archive = tmp_path / "medborgarbudget.backup"
    runner = CliRunner()
    made = runner.invoke(main, ["backup", str(archive)], env=cli_env(settings))
    assert made.exit_code == 0, made.output
    assert archive.stat().st_mode & 0o077 == 0  # every ballot is in it: the owner's only

    restored = runner.invoke(main, ["restore", str(archive)], env=cli_env(fresh))
    assert restored.exit_code == 0, restored.output
    assert heads(fresh) == before

    store = open_store(fresh)
    try:
        assert store.position() == head  # the read models are rebuilt
        assert {c["id"] for c in store.cycles()} == set(before)
        assert store.picture_shown(picture.digest)
    finally:
        store.close()
    restored_app = open_application(fresh)
    try:
        assert stored_picture is not None
        assert restored_app.picture_blobs.get(picture.digest, picture.width) == stored_picture
    finally:
        restored_app.close()

    # `audit verify`, the command a citizen runs, on the restored store's export.
    export = tmp_path / "closed.jsonl"
    exported = runner.invoke(main, ["audit", "export", str(closed.cycle_id), "-o", str(export)],
                             env=cli_env(fresh))
    assert exported.exit_code == 0, exported.output
    verified = subprocess.run([str(SCRIPT), "audit", "verify", str(export), "--expect-head",
                               before[str(closed.cycle_id)][0]],
                              capture_output=True, text=True, env=os.environ.copy(),
                              check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # A store with events is never restored into; nothing in it changes.
    again = runner.invoke(main, ["restore", str(archive)], env=cli_env(fresh))
    assert again.exit_code == 2
    assert "not empty" in again.output
    assert heads(fresh) == before


def test_restore_refuses_what_is_not_a_backup(settings: Settings, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.backup"
    bogus.write_text("not a backup")
    refused = CliRunner().invoke(main, ["restore", str(bogus)], env=cli_env(settings))
    assert refused.exit_code == 2
    assert "not a medborgarbudget backup" in refused.output
