"""One person, one ballot per area, however their personnummer is written and whichever channel
they use; and nothing links one person's ballots in two cycles (ADR 0004)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.ballot import Ballot, BallotTerms
from domain.cycle import BudgetCycle
from domain.errors import Conflict, DuplicateBallot
from domain.phases import Phase
from domain.pseudonym import pseudonym
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.ballot_intake import CastBallot, MarkInRoll, Voter
from service.config import OPAQUE, Settings
from service.demo import run_demo
from service.runtime import open_application
from tests.ballots import cast_ballot
from tests.identities import valid_personnummer
from tests.integration.builders import refused_storing_nothing

BORN = date(1981, 12, 18)
NUMBER = valid_personnummer(987, BORN)  # YYYYMMDD-NNNC
DIGITS = NUMBER.replace("-", "")


def _full_width(text: str) -> str:
    return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in text)


WRITTEN = [
    DIGITS[2:8] + "-" + DIGITS[8:],  # 10 digits with '-'
    DIGITS,  # 12 digits, no separator
    DIGITS[2:],  # 10 digits, no separator
    f"{DIGITS[:8]} {DIGITS[8:]}",  # a space
    f"{DIGITS[:8]}\u2013{DIGITS[8:]}",  # an en dash
    f"{DIGITS[:8]}\u2212{DIGITS[8:]}",  # a minus sign
    _full_width(NUMBER),  # full-width digits
    f"\u200b{NUMBER}\u200b",  # zero-width spaces around
    f"{DIGITS[:8]}\u00a0-\u00a0{DIGITS[8:]}",  # no-break spaces
    f"\u202a{NUMBER}\u202c",  # bidi embedding
]


@pytest.fixture
def voting(app: Medborgarbudget) -> UUID:
    return run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id


def _options(app: Medborgarbudget, cycle_id: UUID) -> list[str]:
    return sorted(app.ballots.options(app.cycle(cycle_id), "norr"))


def test_every_way_of_writing_a_personnummer_is_one_voter(app: Medborgarbudget,
                                                           voting: UUID) -> None:
    options = _options(app, voting)
    cast_ballot(app, voting, "norr", Voter(NUMBER, BORN, "norr"), options[:1])
    for written in WRITTEN:
        voter = Voter(written, BORN, "norr")
        refused_storing_nothing(app, DuplicateBallot,
                                lambda v=voter: cast_ballot(app, voting, "norr", v, options[:1]))
        refused_storing_nothing(app, DuplicateBallot, lambda v=voter: app.ballots.mark_in_roll(
            MarkInRoll(voting, "norr", "Stadsbiblioteket", v)))
    assert len(app.counted_ballots(voting)) == 1


def test_a_persons_ballots_in_two_cycles_share_nothing(app: Medborgarbudget) -> None:
    first = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
    second = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
    voter = Voter(NUMBER, BORN, "norr")
    ids = [cast_ballot(app, c, "norr", voter, _options(app, c)[:1]) for c in (first, second)]
    pseudonyms = [app.repository.get(i).voter for i in ids]
    assert ids[0] != ids[1] and pseudonyms[0] != pseudonyms[1]
    for cycle_id, other in ((first, pseudonyms[1]), (second, pseudonyms[0])):
        app.trigger(cycle_id, "close_voting", "admin:test", "closed")
        text = "".join(export_lines(app, cycle_id))
        assert other not in text and NUMBER not in text and DIGITS not in text


def test_a_cycle_created_before_per_cycle_pseudonyms_keeps_its_voters(
        app: Medborgarbudget, settings: Settings) -> None:
    """A cycle whose Created event predates the per-cycle keying (no `pseudonyms` field) goes
    on deriving its voters' pseudonyms as before, so a ballot stored before an upgrade still
    refuses the same person's second ballot after it."""
    demo = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0)
    configuration = app.cycle(demo.cycle_id).configuration()
    configuration["areas"] = [a for a in configuration["areas"] if a["id"] == "norr"]
    configuration.pop("categories", None)  # nor had cycles categories then
    # As a cycle was created before then: its Created event has no `pseudonyms`.
    legacy = BudgetCycle(name="Medborgarbudget 2026", municipality="Nässjö kommun",
                         actor="admin:test", at=datetime.now(UTC), predecessor_id=None,
                         configuration=configuration)
    assert legacy.pseudonyms == "global"
    app.save(legacy)
    app.record_decision(legacy.id, "Kommunfullmäktige", "2025-11-26", "KF § 1/2025",
                        "admin:test")
    app.trigger(legacy.id, "open_ideas", "admin:test", "decided")
    proposal = app.submit_proposal(legacy.id, "norr", "Bänkar", "Bänkar vid ån.", 10_000,
                                   "park", NUMBER)
    app.trigger(legacy.id, "close_ideas", "admin:test", "closed")
    app.review_proposal(proposal, True, 10_000, "", "reviewer:test")
    app.trigger(legacy.id, "open_voting", "admin:test", "reviewed")
    cycle = app.cycle(legacy.id)
    secret = app._secret  # the deployment's key, as the service held it before the upgrade
    before_upgrade = Ballot.cast(
        str(legacy.id), "norr", pseudonym(secret, NUMBER, purpose="voter"), [str(proposal)],
        None, BallotTerms(cycle.voting_rule_for("norr"), {str(proposal): 10_000},
                          cycle.area("norr").budget))
    app.save(before_upgrade)
    refused_storing_nothing(app, DuplicateBallot, lambda: cast_ballot(
        app, legacy.id, "norr", Voter(NUMBER, BORN, "norr"), [str(proposal)]))


def test_with_opaque_subjects_there_is_no_paper_voting(settings: Settings,
                                                       open_app: Callable[[], Medborgarbudget],
                                                       ) -> None:
    """An identity provider that gives only an opaque subject: residents vote digitally, one
    ballot per subject, and a station cannot mark voters (it could not tell them from those
    who voted digitally), which is refused plainly."""
    app = open_application(settings.model_copy(update={"identities": OPAQUE}))
    try:
        cycle_id = run_demo(app, stop_in=Phase.VOTING, voters_per_area=0).cycle_id
        options = _options(app, cycle_id)
        subject = Voter("a1b2c3-opaque-subject", BORN, "norr")
        app.ballots.cast(CastBallot(cycle_id, "norr", subject, options[:1]))
        refused_storing_nothing(app, DuplicateBallot, lambda: app.ballots.cast(
            CastBallot(cycle_id, "norr", subject, options[:1])))
        refused_storing_nothing(app, Conflict, lambda: app.ballots.mark_in_roll(
            MarkInRoll(cycle_id, "norr", "Stadsbiblioteket", Voter(NUMBER, BORN, "norr"))),
            match="Paper voting needs voters identified by personnummer")
    finally:
        app.close()
