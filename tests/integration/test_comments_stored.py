"""Comments and moderation stored on both backends: the rules hold against a real store,
refusals store nothing, the read models rebuilt from the log equal the live ones, and the audit
export (which carries the discussion too) verifies with the head the read models chain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from domain.audit import verify_lines
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from domain.phases import Phase
from projections.follower import Follower
from projections.store import TABLES, ReadModelStore
from service import comments, moderation
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import Settings
from service.read_models import open_store
from tests.integration.builders import ADMIN, REVIEWER, drive, refused_storing_nothing

RESIDENT = "19800101-0000"  # a resident's identity as the token gives it
NEIGHBOUR = "19750505-0000"


@pytest.fixture
def scratch_stores(settings: Settings) -> Iterator[Callable[[str], ReadModelStore]]:
    opened: list[ReadModelStore] = []

    def make(name: str) -> ReadModelStore:
        store = open_store(settings, scratch=name)
        store.clear()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.clear()
        store.close()


def test_a_discussion_is_stored_moderated_and_rebuilt_the_same(
        app: Medborgarbudget, scratch_stores: Callable[[str], ReadModelStore]) -> None:
    built = drive(app, Phase.IDEAS)
    proposal_id = next(iter(built.proposals.values()))
    first = comments.post_comment(app, proposal_id, "Bra idé, men var?", RESIDENT)
    comments.post_comment(app, proposal_id, "Vid sjön.", NEIGHBOUR, reply_to=first)
    abusive = comments.post_comment(app, proposal_id, "Något elakt", NEIGHBOUR)
    moderation.report(app, abusive, RESIDENT)
    moderation.report(app, abusive, NEIGHBOUR)
    moderation.report(app, proposal_id, RESIDENT)
    moderation.hide(app, abusive, "Personangrepp", REVIEWER)

    live = scratch_stores("live")
    follower = Follower(app.recorder, app.mapper, live, page=3)  # across several batches
    follower.catch_up()
    threads = live.comments_of(str(proposal_id))
    assert [t["id"] for t in threads] == [str(first), str(abusive)]
    assert [r["text"] for r in threads[0]["replies"]] == ["Vid sjön."]
    hidden = threads[1]
    assert hidden["text"] == "" and hidden["hidden"]["reason"] == "Personangrepp"
    assert hidden["reports"] == 2
    assert "Något elakt" not in json.dumps(live.table_rows("rm_comments"))
    assert [(i["kind"], i["reports"]) for i in live.reported_in(str(built.cycle_id))] == [
        ("proposal", 1)]  # the hidden comment has left the queue

    moderation.hide(app, proposal_id, "Kränkande titel", REVIEWER)
    follower.catch_up()
    shown = live.proposal(str(proposal_id))
    assert shown is not None
    assert (shown["title"], shown["description"], shown["hidden"]["reason"]) == (
        "", "", "Kränkande titel")
    assert shown["status"] == "submitted"  # its fate still explained
    assert live.reported_in(str(built.cycle_id)) == []

    again = scratch_stores("again")
    Follower(app.recorder, app.mapper, again).catch_up()
    for table in TABLES:
        assert again.table_rows(table) == live.table_rows(table), table

    # The discussion is part of the cycle's history: the export verifies, with the head the
    # read models chained.
    lines = list(export_lines(app, built.cycle_id))
    report = verify_lines(lines)
    assert report.ok, str(report)
    folded = live.cycle(str(built.cycle_id))
    assert folded is not None
    assert folded["audit"]["head"] == json.loads(lines[-1])["head"]


def test_no_personal_identifier_is_stored(app: Medborgarbudget) -> None:
    built = drive(app, Phase.IDEAS)
    proposal_id = next(iter(built.proposals.values()))
    made = comments.post_comment(app, proposal_id, "Hej", RESIDENT)
    moderation.report(app, made, NEIGHBOUR)
    stored = b"".join(n.state for n in app.recorder.select_notifications(1, 10_000))
    for identity in (RESIDENT, NEIGHBOUR, RESIDENT.replace("-", "")):
        assert identity.encode() not in stored


def test_the_proposer_is_marked_and_pseudonyms_differ_by_purpose(app: Medborgarbudget) -> None:
    built = drive(app, Phase.IDEAS)
    proposal_id = built.proposals["Utegym vid sjön"]
    by_proposer = comments.comment(app, comments.post_comment(app, proposal_id, "Jag föreslog",
                                                              "proposer-0"))
    other = comments.comment(app, comments.post_comment(app, proposal_id, "Jag inte",
                                                        RESIDENT))
    assert by_proposer.by_proposer and not other.by_proposer
    assert other.author == app.resident_pseudonym(built.cycle_id, RESIDENT, "commenter")
    assert other.author != app.resident_pseudonym(built.cycle_id, RESIDENT, "reporter")


def test_every_refusal_stores_nothing(app: Medborgarbudget) -> None:
    built = drive(app, Phase.IDEAS)
    proposal_id = next(iter(built.proposals.values()))
    top = comments.post_comment(app, proposal_id, "Första", RESIDENT)
    reply = comments.post_comment(app, proposal_id, "Svar", NEIGHBOUR, reply_to=top)
    refused_storing_nothing(app, Conflict, lambda: comments.post_comment(
        app, proposal_id, "Svar på svar", RESIDENT, reply_to=reply), "one level deep")
    refused_storing_nothing(app, InvalidInput, lambda: comments.post_comment(
        app, proposal_id, "   ", RESIDENT))
    refused_storing_nothing(app, InvalidInput, lambda: comments.post_comment(
        app, proposal_id, "x" * 2001, RESIDENT))
    refused_storing_nothing(app, NotFound, lambda: comments.post_comment(
        app, proposal_id, "Svar", RESIDENT, reply_to=proposal_id))
    moderation.report(app, top, NEIGHBOUR)
    refused_storing_nothing(app, Conflict, lambda: moderation.report(app, top, NEIGHBOUR),
                            "reported this comment already")
    refused_storing_nothing(app, InvalidInput, lambda: moderation.hide(app, top, " ", REVIEWER))
    moderation.hide(app, top, "Spam", REVIEWER)
    refused_storing_nothing(app, Conflict, lambda: moderation.hide(app, top, "Igen", REVIEWER),
                            "already hidden")
    refused_storing_nothing(app, NotFound, lambda: moderation.report(app, built.cycle_id,
                                                                    RESIDENT))
    moderation.hide(app, proposal_id, "Kränkande", REVIEWER)
    refused_storing_nothing(app, Conflict, lambda: comments.post_comment(
        app, proposal_id, "Hallå?", RESIDENT), "hidden this proposal")
    assert moderation.hidden_in_cycle(app, built.cycle_id) == {
        str(top): "Spam", str(proposal_id): "Kränkande"}


def test_comments_close_when_voting_closes(app: Medborgarbudget) -> None:
    built = drive(app, Phase.COUNTING)
    proposal_id = next(iter(built.proposals.values()))
    refusal = refused_storing_nothing(app, PhaseError, lambda: comments.post_comment(
        app, proposal_id, "För sent?", RESIDENT), "possible only in phase ideas, review, voting")
    assert refusal.phase == Phase.COUNTING
    # Reports and moderation go on after the discussion closed.
    moderation.report(app, proposal_id, RESIDENT)
    moderation.hide(app, proposal_id, "Kränkande", ADMIN)
