"""The support round on a real store (SQLite and PostgreSQL): its events replay in another
process's application and into the read models, supports carry no personal identifier and
cannot be linked to a ballot or to each other, racing supports count each one once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from domain.ballot import ballot_id
from domain.errors import Conflict, DomainError, PhaseError
from domain.phases import Phase
from projections.follower import Follower
from service import support_round
from service.application import Medborgarbudget
from service.config import Settings
from service.read_models import open_store
from tests.ballots import cast_ballot
from tests.integration.builders import (
    ADMIN,
    drive,
    refused_storing_nothing,
    resident,
    stored_since,
)

OpenApp = Callable[[], Medborgarbudget]
SUPPORTED = "medborgarbudget:Proposal.Supported"
CLOSED = "medborgarbudget:BudgetCycle.SupportRoundClosed"


def _events(app: Medborgarbudget, after: int = 0) -> list[Any]:
    return stored_since(app, after)


def test_supports_and_the_outcome_replay_in_another_application(open_app: OpenApp) -> None:
    app, other = open_app(), open_app()
    built = drive(app, Phase.SUPPORT)  # one support per area already, by resident 0
    norr = built.feasible["norr"]
    for number in (1, 2):
        support_round.support(app, norr[1], resident(number))
    support_round.withdraw(app, norr[1], resident(2))
    refused_storing_nothing(app, Conflict,
                            lambda: support_round.support(app, norr[1], resident(1)),
                            "already support")

    assert other.proposal(norr[1]).supports == 1
    assert other.proposal(norr[0]).supporters == app.proposal(norr[0]).supporters

    before = app.recorder.max_notification_id() or 0
    app.trigger(built.cycle_id, "close_support", ADMIN, "Stödet är räknat.")
    (closed,) = _events(app, before)
    assert closed.topic == CLOSED
    outcome = other.cycle(built.cycle_id).support_outcome
    assert outcome == app.cycle(built.cycle_id).support_outcome
    assert outcome is not None
    # Top 1 with norr[0] and norr[1] tied at one support each: both go on; the third is off.
    assert set(outcome["areas"]["norr"]["on_ballot"]) == {str(norr[0]), str(norr[1])}
    assert other.cycle(built.cycle_id).phase is Phase.VOTING
    refused_storing_nothing(app, PhaseError,
                            lambda: support_round.support(app, norr[0], resident(5)),
                            "phase 'voting'")


def test_a_support_names_no_one_and_links_to_no_ballot(app: Medborgarbudget) -> None:
    built = drive(app, Phase.SUPPORT)
    first, second = built.feasible["norr"][:2]
    voter = resident(7)
    before = app.recorder.max_notification_id() or 0
    support_round.support(app, first, voter)
    support_round.support(app, second, voter)
    supports = [app.mapper.to_domain_event(n) for n in _events(app, before)]
    assert [n.topic for n in _events(app, before)] == [SUPPORTED, SUPPORTED]
    pseudonyms = [e.supporter for e in supports]  # type: ignore[attr-defined]
    assert pseudonyms[0] != pseudonyms[1]  # one resident's supports are not linkable
    app.trigger(built.cycle_id, "close_support", ADMIN, "Klart.")
    ballot = cast_ballot(app, built.cycle_id, "norr", voter, [str(first)])
    stored = [n.state for n in app.recorder.select_notifications(1, 10_000)]
    for text in (voter.identity, voter.identity.replace("-", "")):
        assert not any(text.encode() in state for state in stored)
    # Whoever reads the events cannot find the supporter's ballot from their support: the
    # ballot's id is derived from another pseudonym.
    assert ballot == app.ballots.ballot_id_of(app.cycle(built.cycle_id), "norr", voter)
    for pseudonym in pseudonyms:
        assert ballot_id(str(built.cycle_id), "norr", pseudonym) != ballot


def test_racing_supports_are_each_counted_once(open_app: OpenApp) -> None:
    app, other = open_app(), open_app()
    built = drive(app, Phase.SUPPORT)
    target = built.feasible["norr"][1]
    errors: list[BaseException] = []

    def give(application: Medborgarbudget, number: int) -> None:
        try:
            support_round.support(application, target, resident(number))
        except DomainError as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=give, args=(a, n))
               for n, a in enumerate([app, other] * 4, start=10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert app.proposal(target).supports == 8


def test_the_read_models_show_counts_and_the_outcome(app: Medborgarbudget,
                                                     settings: Settings) -> None:
    built = drive(app, Phase.SUPPORT)
    norr = built.feasible["norr"]
    support_round.support(app, norr[0], resident(3))
    support_round.support(app, norr[0], resident(4))
    support_round.withdraw(app, norr[0], resident(4))
    app.trigger(built.cycle_id, "close_support", ADMIN, "Klart.")
    store = open_store(settings)
    try:
        Follower(app.recorder, app.mapper, store).catch_up()
        folded = store.proposal(str(norr[0]))
        assert folded is not None and folded["supports"] == 2  # resident 0 and 3
        cycle = store.cycle(str(built.cycle_id))
        assert cycle is not None and cycle["phase"] == "voting"
        assert cycle["support_outcome"] == app.cycle(built.cycle_id).support_outcome
        assert cycle["support_round"] == app.cycle(built.cycle_id).support_round
    finally:
        store.close()
