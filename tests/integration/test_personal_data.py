"""The personal-data store on both backends: two outbox projections racing turn each event
into mails once; a merge is told with the proposal merged into; erasing a resident drops their
unsent mails and no later event mails them; where a resident voted is found from their own
identity, never with what the ballot says; the event history verifies after erasure."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain.audit import verify_lines
from domain.phases import Phase
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.cli import main
from service.config import Settings
from service.personal.mailing import open_residents
from service.personal.store import open_personal_data
from service.web.my_pages import pots_voted_in
from service.web.session import Resident
from tests.backends import database_url
from tests.integration.builders import ADMIN, drive, resident
from tests.integration.test_backup_restore import cli_env
from tests.integration.test_mail_outbox import confirmed


def test_two_projections_racing_write_each_mail_once(app: Medborgarbudget,
                                                     settings: Settings) -> None:
    first, second = open_residents(app, settings), open_residents(app, settings)
    try:
        built = drive(app, Phase.REVIEW, prepared=False)
        followers = [confirmed(first, f"1980010{n}-0000", f"r{n}@example.se") for n in range(4)]
        for proposal_id in built.proposals.values():
            for follower in followers:
                first.follow(follower, str(proposal_id), str(built.cycle_id))
        for proposal_id in built.proposals.values():
            app.review_proposal(proposal_id, True, 10_000, "Genomförbart.", ADMIN)
        start = threading.Barrier(2)

        def run(projection_of: object) -> None:
            start.wait()
            projection_of.projection.catch_up()  # type: ignore[attr-defined]

        threads = [threading.Thread(target=run, args=(r,)) for r in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        notes = [m for m in first.store.outbox() if "confirm." not in m.message_id]
        pairs = Counter((m.address, m.subject) for m in notes)
        assert len(notes) == len(built.proposals) * len(followers)
        assert set(pairs.values()) == {1}
        assert first.store.tracked() == app.recorder.max_notification_id()
    finally:
        first.store.close()
        second.store.close()


def test_a_merge_is_told_and_erasure_stops_every_mail(app: Medborgarbudget,
                                                      settings: Settings) -> None:
    residents = open_residents(app, settings)
    try:
        built = drive(app, Phase.REVIEW, prepared=False)
        gym, lights = (str(built.proposals[t]) for t in ("Utegym vid sjön",
                                                         "Belysning längs ån"))
        follower = confirmed(residents, "19800101-0000", "f@example.se", lang="en")
        leaving = confirmed(residents, "19750505-0000", "l@example.se")
        for who in (follower, leaving):
            residents.follow(who, gym, str(built.cycle_id))
        app.merge_proposal(gym, lights, "Samma plats.", ADMIN)
        residents.projection.catch_up()
        merged = [m for m in residents.store.outbox() if m.address == "f@example.se"
                  and "confirm." not in m.message_id]
        assert [m.subject for m in merged] == ["Merged: Utegym vid sjön"]
        assert 'merged with the proposal "Belysning längs ån"' in merged[0].body
        assert "Reason: Samma plats." in merged[0].body
        unsent = [m for m in residents.store.outbox() if m.address == "l@example.se"]
        assert unsent and all(m.sent_at is None for m in unsent)

        residents.store.erase(leaving)
        assert [m for m in residents.store.outbox() if m.address == "l@example.se"] == []
        assert residents.store.profile(leaving) is None
        assert residents.store.follows(leaving) == {}
        app.undo_merge(gym, "Fel sammanslagning.", ADMIN)
        app.review_proposal(gym, True, 65_000, "Ryms.", ADMIN)
        residents.projection.catch_up()
        assert [m for m in residents.store.outbox() if m.address == "l@example.se"] == []
        report = verify_lines(list(export_lines(app, built.cycle_id)))
        assert report.ok, report
    finally:
        residents.store.close()


def test_where_a_resident_voted_is_found_from_their_identity_alone(
        app: Medborgarbudget) -> None:
    built = drive(app, Phase.VOTING, voters=2)
    voter = resident(0, "norr")
    signed_in = Resident(voter.identity, "Röstare", voter.birth_date, voter.residence, "local")
    voted = pots_voted_in(app, signed_in)
    assert [(v["cycle_id"], v["area"]) for v in voted] == [(str(built.cycle_id), "Norr")]
    assert set(voted[0]) == {"cycle", "cycle_id", "area"}  # where, never how
    stranger = resident(99, "norr")
    assert pots_voted_in(app, Resident(stranger.identity, "Ny", stranger.birth_date,
                                       stranger.residence, "local")) == []


@pytest.fixture
def empty_store(backend: str, tmp_path: Path) -> Iterator[Settings]:
    for url in database_url(backend, tmp_path / "empty"):
        yield Settings(tmp_path / "empty" / "data", url)


def test_personal_data_is_backed_up_and_restored(app: Medborgarbudget, settings: Settings,
                                                 empty_store: Settings, tmp_path: Path) -> None:
    fresh = empty_store
    residents = open_residents(app, settings)
    try:
        drive(app, Phase.IDEAS)
        pseudonym = confirmed(residents, "19800101-0000", "kept@example.se")
        residents.store.set_display_name(pseudonym, "Kim", "sv")
    finally:
        residents.store.close()
    archive = tmp_path / "backup"
    runner = CliRunner()
    assert runner.invoke(main, ["backup", str(archive)], env=cli_env(settings)).exit_code == 0
    restored = runner.invoke(main, ["restore", str(archive)], env=cli_env(fresh))
    assert restored.exit_code == 0, restored.output
    store = open_personal_data(fresh)
    try:
        profile = store.profile(pseudonym)
        assert profile is not None
        assert (profile.email, profile.display_name) == ("kept@example.se", "Kim")
    finally:
        store.close()
