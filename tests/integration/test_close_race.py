"""Nothing is stored after voting closes, however close the race.

Residents keep casting and changing ballots (through the group commit, as the API route does,
and without waiting, as the lean lane does) while another process closes voting. Each ballot was
decided on the cycle as this process last loaded it; the write transaction itself checks that
the cycle has not changed since (service/recorders.py). So in the log no digital ballot and no
ballot change follows the close, every ballot a resident was told is stored is there before it,
and the audit export of the raced cycle verifies.

Repeated: MEDBORGARBUDGET_STRESS_ROUNDS rounds (3 by default; more to hunt a rare race).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.audit import verify_lines
from domain.errors import DomainError
from domain.phases import Phase
from service.application import BALLOT_CAST, BALLOT_CHANGED, Medborgarbudget
from service.audit_export import export_lines
from service.ballot_intake import BallotStored, CastBallot, ChangeBallot, Voter
from service.config import Settings
from service.demo import run_demo
from tests.ballots import person

ROUNDS = int(os.environ.get("MEDBORGARBUDGET_STRESS_ROUNDS", "3"))
CASTERS = 4
CHANGERS = 2
LANE = 2  # residents whose ballots are submitted without waiting, as the ASGI lane does
TIMEOUT = 60
PHASE_CHANGED = "medborgarbudget:BudgetCycle.PhaseChanged"
ADMIN = "admin:elsewhere"


def _close_in_child(settings: Settings, cycle_id: str, start: Any, done: Any) -> None:
    """Another process (another worker, or the admin's server) closes voting."""
    from service.runtime import open_application

    try:
        app = open_application(Settings(Path(settings.data_dir), settings.database_url))
        try:
            app.cycle(cycle_id)  # loaded before the race begins
            start.wait(timeout=TIMEOUT)
            app.trigger(cycle_id, "close_voting", ADMIN, "the polls close")
            done.put("closed")
        finally:
            app.close()
    except Exception as error:  # reported to the parent, which fails on it
        done.put(f"error: {error!r}")


class Racers:
    """Residents casting and changing ballots until voting is closed under them."""

    def __init__(self, app: Medborgarbudget, cycle_id: UUID, options: list[str],
                 first: int) -> None:
        self.app, self.cycle_id, self.options = app, cycle_id, options
        self.next_voter = first
        self.lock = threading.Lock()
        self.stored: list[BallotStored] = []
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.closed = threading.Event()

    def voter(self) -> Voter:
        with self.lock:
            self.next_voter += 1
            return person(self.next_voter, date(1970, 1, 1), "norr")

    def _until_closed(self, attempt: Callable[[int], BallotStored | None]) -> None:
        for n in range(5_000):  # bounded; ends as soon as voting is closed
            if self.closed.is_set():
                return
            try:
                outcome = attempt(n)
            except DomainError as refusal:
                if "phase" in str(refusal):
                    self.closed.set()
                    return
                self.errors.append(repr(refusal))
                return
            except Exception as error:  # reported to the test, which fails on it
                self.errors.append(repr(error))
                return
            if outcome is not None:
                with self.lock:
                    self.stored.append(outcome)

    def caster(self) -> None:
        self._until_closed(lambda n: self.app.ballots.cast(CastBallot(
            self.cycle_id, "norr", self.voter(), self.options[n % 2:n % 2 + 1])))

    def changer(self, voter: Voter) -> None:
        self._until_closed(lambda n: self.app.ballots.change(ChangeBallot(
            self.cycle_id, "norr", voter, [self.options[n % len(self.options)]])))

    def lane(self) -> None:
        """As the ASGI lane: decided on the loaded cycle, handed to the group commit's thread;
        a refusal there, or a stale cycle, is decided again the blocking way."""
        def attempt(_: int) -> BallotStored | None:
            answered = threading.Event()
            outcome: list[BallotStored | BaseException] = []

            def done(result: BallotStored | BaseException) -> None:
                outcome.append(result)
                answered.set()

            command = CastBallot(self.cycle_id, "norr", self.voter(), self.options[:1])
            if not self.app.ballots.cast_without_waiting(command, done):
                return self.app.ballots.cast(command)
            assert answered.wait(timeout=TIMEOUT)
            if isinstance(outcome[0], BaseException):
                return self.app.ballots.cast(command)  # StaleRead: decided again, fresh
            return outcome[0]

        self._until_closed(attempt)


def _race_once(settings: Settings, app: Medborgarbudget, round_number: int) -> None:
    cycle_id = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
    cycle = app.cycle(cycle_id)
    options = sorted(app.ballots.options(cycle, "norr"))
    racers = Racers(app, cycle_id, options, first=round_number * 10_000)
    changing = [racers.voter() for _ in range(CHANGERS)]
    for voter in changing:
        app.ballots.cast(CastBallot(cycle_id, "norr", voter, options[:1]))

    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    closer = context.Process(target=_close_in_child, args=(settings, str(cycle_id), start, done))
    closer.start()
    threads = [threading.Thread(target=racers.caster) for _ in range(CASTERS)]
    threads += [threading.Thread(target=racers.changer, args=(v,)) for v in changing]
    threads += [threading.Thread(target=racers.lane) for _ in range(LANE)]
    for thread in threads:
        thread.start()
    try:
        start.set()
        assert done.get(timeout=TIMEOUT) == "closed"
    finally:
        closer.join(timeout=TIMEOUT)
        if closer.is_alive():
            closer.kill()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
        assert not thread.is_alive(), "a resident never heard that voting closed"
    assert not racers.errors, racers.errors

    members = app.cycle_member_ids(cycle_id)
    log = [n for n in app.recorder.select_notifications(1, 1_000_000)
           if n.originator_id in members]
    closed_at = next(n.id for n in log if n.topic == PHASE_CHANGED
                     and b'"close_voting"' in n.state)
    late = [n for n in log if n.id > closed_at and n.topic in (BALLOT_CAST, BALLOT_CHANGED)]
    assert late == [], f"round {round_number}: {len(late)} ballot event(s) after the close"
    # Every resident told that their ballot is stored finds it before the close.
    told = [s.position for s in racers.stored]
    assert all(p is not None and p < closed_at for p in told)
    stored_positions = {n.id for n in log if n.topic in (BALLOT_CAST, BALLOT_CHANGED)}
    assert set(told) <= stored_positions

    app.trigger(cycle_id, "publish_results", ADMIN, "counted")
    report = verify_lines(list(export_lines(app, cycle_id)))
    assert report.ok, report.findings


def test_no_ballot_lands_after_voting_closes(settings: Settings,
                                              open_app: Callable[[], Medborgarbudget]) -> None:
    app = open_app()
    for round_number in range(ROUNDS):
        _race_once(settings, app, round_number)
