"""The sender killed (SIGKILL) in the middle of a batch, on both backends: started again, it
loses no mail, and sends again only the one that was in flight, with the same Message-ID (so the
receiving system can drop the copy). The exact guarantee is ADR 0028's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from domain.phases import Phase
from service.application import Medborgarbudget
from service.config import Settings
from service.personal.mailing import open_residents
from tests.integration.builders import ADMIN, drive
from tests.integration.test_mail_outbox import confirmed, send_all
from tests.mail_server import smtp_server

FOLLOWERS = 8
HELD = 3  # the mail the server holds unanswered while the sender is killed


def mail_command(settings: Settings, url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MEDBORGARBUDGET_SMTP_URL": url}
    env.pop("MEDBORGARBUDGET_DATABASE_URL", None)
    if settings.database_url:
        env["MEDBORGARBUDGET_DATABASE_URL"] = settings.database_url
    command = Path(sys.executable).parent / "medborgarbudget"
    return subprocess.Popen([str(command), "mail", "--once", "--data", str(settings.data_dir),
                             *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_sender_loses_nothing_and_repeats_only_the_mail_in_flight(
        app: Medborgarbudget, settings: Settings) -> None:
    residents = open_residents(app, settings)
    try:
        built = drive(app, Phase.IDEAS)
        gym = str(built.proposals["Utegym vid sjön"])
        for number in range(FOLLOWERS):
            follower = confirmed(residents, f"1980010{number}-0000", f"f{number}@example.se")
            residents.follow(follower, gym, str(built.cycle_id))
        with smtp_server() as (url, _):
            send_all(residents, url)  # the confirmations, out of the way
        app.trigger(built.cycle_id, "close_ideas", ADMIN, "test")
        app.review_proposal(gym, True, 65_000, "Ryms i budgeten.", ADMIN)
        residents.projection.catch_up()
        expected = {m.message_id for m in residents.store.outbox() if m.sent_at is None}
        assert len(expected) == FOLLOWERS

        with smtp_server(hold_at=HELD) as (url, inbox):
            # A lease of 0: the killed sender's claim has run out as soon as it dies (one
            # sender at a time here; in service a claim lasts minutes).
            first = mail_command(settings, url, "--lease", "0")
            try:
                assert inbox.held.wait(timeout=120), first.communicate(timeout=5)
                first.send_signal(signal.SIGKILL)
                first.wait(timeout=30)
            finally:
                if first.poll() is None:
                    first.kill()
            inbox.release.set()
            in_flight = inbox.message_ids()[HELD - 1]
            assert len(inbox.message_ids()) == HELD  # killed mid-batch
            # Started again: the mail in flight is sent again, the others once.
            again = mail_command(settings, url, "--lease", "0")
            _, err = again.communicate(timeout=120)
            assert again.returncode == 0, err.decode()
            received = Counter(inbox.message_ids())

        assert set(received) == expected  # none lost
        assert {i for i, n in received.items() if n > 1} <= {in_flight}  # only it repeated
        assert sum(received.values()) <= FOLLOWERS + 1
        assert received[in_flight] == 2  # it was in flight: the server had it, unconfirmed
        assert [m for m in residents.store.outbox() if m.sent_at is None] == []
    finally:
        residents.store.close()
