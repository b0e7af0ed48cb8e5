"""Pictures stored on both backends (ADR 0030): two uploads racing for a proposal's last place
from two workers, only one is recorded; the bytes live outside the event log and the read
models serve only what a proposal shows."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from domain.errors import Conflict
from domain.phases import Phase
from projections.follower import Follower
from service import pictures
from service.application import Medborgarbudget
from service.config import Settings
from service.read_models import open_store
from tests import picture_files as files
from tests.integration.builders import drive

PROPOSER = "proposer-0"
TIMEOUT = 60


def _proposal(app: Medborgarbudget) -> str:
    built = drive(app, Phase.IDEAS)
    mine = app.proposer_pseudonym(PROPOSER)
    return next(str(p) for p in built.proposals.values() if app.proposal(p).proposer == mine)


def _add(app: Medborgarbudget, proposal: str, colour: int) -> str:
    done = app.execute(pictures.AddPicture(proposal, files.photo(640, 480,
                                                                colour=(colour, 90, 30)),
                                           f"Bild {colour}", PROPOSER))
    return done.value.digest


def test_two_workers_racing_for_the_third_place_only_one_wins(
        app: Medborgarbudget, open_app: Callable[[], Medborgarbudget]) -> None:
    proposal = _proposal(app)
    _add(app, proposal, 10)
    _add(app, proposal, 20)
    workers = [open_app(), open_app()]
    barrier = threading.Barrier(len(workers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def upload(worker: Medborgarbudget, colour: int) -> None:
        barrier.wait(timeout=TIMEOUT)
        try:
            outcome = _add(worker, proposal, colour)
        except Conflict as refused:
            outcome = f"refused: {refused.message}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=upload, args=(w, 100 + 50 * n))
               for n, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert len(outcomes) == 2, outcomes
    refused = [o for o in outcomes if o.startswith("refused")]
    assert len(refused) == 1 and "at most 3" in refused[0], outcomes
    assert len(app.proposal(proposal).pictures) == 3


def test_the_bytes_are_outside_the_log_and_only_shown_pictures_are_served(
        app: Medborgarbudget, settings: Settings) -> None:
    proposal = _proposal(app)
    photo = files.photo(800, 600, gps=True)
    digest = _add(app, proposal, 30)
    position = app.recorder.max_notification_id() or 0
    log = app.recorder.select_notifications(1, position)
    assert all(b"Exif" not in n.state and len(n.state) < 10_000 for n in log)
    stored = json.loads(log[-1].state)
    assert stored["digest"] == digest and set(stored) >= {"alt", "width", "height", "widths"}
    assert app.picture_blobs.get(digest, 480) is not None
    assert photo  # made above, never stored as sent

    store = open_store(settings)
    try:
        Follower(app.recorder, app.mapper, store).catch_up()
        assert store.picture_shown(digest)
        shown = store.proposal(proposal)
        assert shown is not None and [p["digest"] for p in shown["pictures"]] == [digest]
        app.execute(pictures.RemovePicture(proposal, digest, "Fel bild", "reviewer:m"))
        Follower(app.recorder, app.mapper, store).catch_up()
        assert not store.picture_shown(digest)
        shown = store.proposal(proposal)
        assert shown is not None and shown["pictures"] == []
    finally:
        store.close()
