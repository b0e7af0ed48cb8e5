"""The one event schema (domain/events.py) and what uses it: every event class of the
aggregates has its topic and exactly its fields there, the stored topic strings never change,
events stored in every older form still load into their typed payloads, and the fast ballot
decoder reads only the layout the schema gives."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Notification,
    StoredEvent,
)
from eventsourcing.persistence import (
    UUIDAsHex as UUIDAsHexTranscoding,
)

from domain import events
from domain.ballot import Ballot, BallotTerms, RollMark, ballot_id
from domain.comment import Comment
from domain.cycle import BudgetCycle
from domain.moderation import Moderation
from domain.pot_cap import PotPlace
from domain.proposal import Proposal
from domain.voting_rules import VotingRule
from projections.stored_ballot import cast_ballot

AGGREGATES: tuple[type[Aggregate], ...] = (BudgetCycle, Proposal, Ballot, RollMark, Comment,
                                            Moderation, PotPlace)
ENVELOPE = {"originator_id", "originator_version", "timestamp"}
OLD_EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "old_events" / \
    "stored_events.jsonl"

# What existing stores hold, written out: a topic that changes orphans their history.
STORED_TOPICS = {
    "medborgarbudget:BudgetCycle.Created", "medborgarbudget:BudgetCycle.DecisionRecorded",
    "medborgarbudget:BudgetCycle.AreaAdded", "medborgarbudget:BudgetCycle.AreaChanged",
    "medborgarbudget:BudgetCycle.AreaRemoved", "medborgarbudget:BudgetCycle.VotingRuleSet",
    "medborgarbudget:BudgetCycle.AllocationRuleSet", "medborgarbudget:BudgetCycle.TimelineSet",
    "medborgarbudget:BudgetCycle.PhaseChanged", "medborgarbudget:BudgetCycle.ResultsPublished",
    "medborgarbudget:BudgetCycle.AdoptionRecorded",
    "medborgarbudget:BudgetCycle.EvaluationRecorded",
    "medborgarbudget:BudgetCycle.EvaluationRevised",
    "medborgarbudget:BudgetCycle.PaperBallotsEntered",
    "medborgarbudget:BudgetCycle.CategoriesSet", "medborgarbudget:BudgetCycle.SupportRoundSet",
    "medborgarbudget:BudgetCycle.SupportRoundClosed",
    "medborgarbudget:BudgetCycle.ProposalsMarkedIncompatible",
    "medborgarbudget:BudgetCycle.WinnersAmended",
    "medborgarbudget:Proposal.Submitted", "medborgarbudget:Proposal.Reviewed",
    "medborgarbudget:Proposal.Merged", "medborgarbudget:Proposal.MergeUndone",
    "medborgarbudget:Proposal.Withdrawn", "medborgarbudget:Proposal.ProgressReported",
    "medborgarbudget:Proposal.Completed", "medborgarbudget:Proposal.Abandoned",
    "medborgarbudget:Proposal.Supported", "medborgarbudget:Proposal.SupportWithdrawn",
    "medborgarbudget:Proposal.PictureAdded", "medborgarbudget:Proposal.PictureRemoved",
    "medborgarbudget:Proposal.PictureWithdrawn",
    "medborgarbudget:Ballot.Cast", "medborgarbudget:Ballot.Changed",
    "medborgarbudget:RollMark.Marked",
    "medborgarbudget:Comment.Posted", "medborgarbudget:Moderation.Opened",
    "medborgarbudget:Moderation.Reported", "medborgarbudget:Moderation.Hidden",
    "medborgarbudget:BudgetCycle.PotCapSet", "medborgarbudget:PotPlace.Taken",
}


def event_classes(aggregate: type[Aggregate]) -> list[type[Any]]:
    # `Event` is the base every event of the aggregate derives from, never one itself.
    return [value for name, value in vars(aggregate).items()
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and name != "Event"]


def all_event_classes() -> list[type[Any]]:
    return [cls for aggregate in AGGREGATES for cls in event_classes(aggregate)]


def mapper() -> Mapper[UUID]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHexTranscoding(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def test_every_event_class_has_its_topic_in_the_schema_and_every_topic_a_class() -> None:
    recorded = {cls.TOPIC for cls in all_event_classes()} - events.NEVER_RECORDED
    assert recorded == set(events.SCHEMA)
    assert {cls.TOPIC for cls in all_event_classes()} >= events.NEVER_RECORDED
    assert {aggregate.TOPIC for aggregate in AGGREGATES} == \
        set(events.AGGREGATES) | set(events.OTHER_AGGREGATES)


def test_the_topics_are_the_ones_existing_stores_hold() -> None:
    assert set(events.SCHEMA) == STORED_TOPICS
    assert all(payload.TOPIC.startswith(events.PREFIX) for payload in events.PAYLOADS)
    assert len(events.PAYLOADS) == len(events.SCHEMA)  # no topic given twice


@pytest.mark.parametrize("event_class", [cls for cls in all_event_classes()
                                         if cls.TOPIC in events.SCHEMA],
                         ids=lambda cls: cls.TOPIC.removeprefix(events.PREFIX))
def test_each_event_class_has_exactly_the_schemas_fields(event_class: type[Any]) -> None:
    payload = events.SCHEMA[event_class.TOPIC]
    # The library makes each event class a dataclass of its method's arguments (their defaults
    # stay on the method: replaying an event that lacks one calls it without).
    recorded = {f.name for f in dataclasses.fields(event_class)}
    assert recorded - ENVELOPE == events.field_names(payload)
    assert getattr(event_class, "class_version", 1) == payload.VERSION
    assert event_class.__name__ == payload.NAME


def test_the_defaults_are_the_domains_names_for_them() -> None:
    from domain.allocation.election import DEFAULT_TIE_BREAK
    from domain.pseudonym import GLOBAL

    assert events.LOWER_COST_FIRST == DEFAULT_TIE_BREAK
    assert events.GLOBAL_PSEUDONYMS == GLOBAL


def test_every_event_stored_before_minor_units_loads_into_its_payload() -> None:
    """The captured history of the code before money in minor units (version 1 events, fields
    added since missing) decodes, upcast, into each kind's typed payload."""
    rows = [json.loads(line) for line in OLD_EVENTS.read_text(encoding="utf-8").splitlines()]
    the_mapper = mapper()
    seen = set()
    for row in rows:
        event = the_mapper.to_domain_event(StoredEvent(
            UUID(row["originator_id"]), row["originator_version"], row["topic"],
            row["state"].encode()))
        payload = events.payload_of(row["topic"], vars(event))
        assert isinstance(payload, events.SCHEMA[row["topic"]])
        seen.add(row["topic"])
    assert len(seen) >= 19


def stored(topic: str, state: dict[str, Any], version: int = 1,
           originator: UUID | None = None) -> StoredEvent:
    at = {"_type_": "datetime_iso", "_data_": "2025-03-01T09:30:00.123456+00:00"}
    return StoredEvent(originator or uuid4(), version, topic,
                       json.dumps({"timestamp": at, **state}).encode())


AT = {"_type_": "datetime_iso", "_data_": "2025-03-01T09:30:00.123456+00:00"}
# Each kind of event in its oldest stored form: no class version (whole kronor where money),
# none of the fields added since.
OLDEST: dict[str, dict[str, Any]] = {
    events.CycleCreated.TOPIC: {
        "originator_topic": events.CYCLE, "name": "Budget 2025", "municipality": "Växjö",
        "actor": "admin:a", "at": AT, "predecessor_id": None, "configuration": None},
    events.DecisionRecorded.TOPIC: {"decision": {"body": "KF", "date": "2025-01-01",
                                                 "reference": "§ 1"}, "actor": "admin:a",
                                    "at": AT},
    events.AreaAdded.TOPIC: {"area": {"id": "norr", "name": "Norr", "budget": 1000},
                             "actor": "admin:a", "at": AT},
    events.AreaChanged.TOPIC: {"area": {"id": "norr", "name": "Norr", "budget": 2000},
                               "actor": "admin:a", "at": AT},
    events.AreaRemoved.TOPIC: {"area_id": "norr", "actor": "admin:a", "at": AT},
    events.VotingRuleSet.TOPIC: {"rule": {"kind": "approval", "min_choices": 1,
                                          "max_choices": 3},
                                 "allow_ballot_changes": False, "actor": "admin:a", "at": AT},
    events.AllocationRuleSet.TOPIC: {"rule": "greedy", "threshold": None, "actor": "admin:a",
                                     "at": AT},
    events.CategoriesSet.TOPIC: {"categories": [{"id": "idrott", "name": "Idrott"}],
                                 "actor": "admin:a", "at": AT},
    events.SupportRoundSet.TOPIC: {
        "support_round": {"default": {"kind": "top", "value": 5}, "areas": {}},
        "actor": "admin:a", "at": AT},
    events.SupportRoundClosed.TOPIC: {
        "trigger": "close_support", "from_phase": "support", "to_phase": "voting",
        "actor": "admin:a", "reason": "Klart", "at": AT,
        "outcome": {"norr": {"rule": "top", "value": 5, "proposals": [], "on_ballot": []}}},
    events.TimelineSet.TOPIC: {"timeline": {"ideas": "2025-02-01"}, "actor": "admin:a",
                               "at": AT},
    events.PotCapSet.TOPIC: {"pot_cap": {"max_pots": 1, "uncounted": ["unga"]},
                             "actor": "admin:a", "at": AT},
    events.PhaseChanged.TOPIC: {"trigger": "open_ideas", "from_phase": "draft",
                                "to_phase": "ideas", "actor": "admin:a", "reason": "",
                                "at": AT},
    events.ResultsPublished.TOPIC: {
        "trigger": "publish_results", "from_phase": "counting", "to_phase": "results",
        "actor": "admin:a", "reason": "", "at": AT,
        "results": {"areas": {"norr": {"budget": 1000, "cost": 900, "left": 100}}}},
    events.ProposalsMarkedIncompatible.TOPIC: {
        "first": "0b6c2f0e-5d55-4c1e-9a8e-0f3b2f7c1d11",
        "second": "7d2e1c40-2b1a-4f5e-8c3d-9a0b1c2d3e4f", "area": "norr",
        "reason": "Samma plats", "actor": "reviewer:r", "at": AT},
    events.WinnersAmended.TOPIC: {
        "kind": "exclude", "area": "norr", "proposal_id": "0b6c2f0e-5d55-4c1e-9a8e-0f3b2f7c1d11",
        "reason": "Förorenad mark", "actor": "admin:a", "at": AT,
        "results": {"areas": {"norr": {"budget": 1000, "cost": 0, "left": 1000}}}},
    events.AdoptionRecorded.TOPIC: {"adoption": {"body": "KF", "date": "2025-06-01",
                                                 "reference": "§ 9"}, "actor": "admin:a",
                                    "at": AT},
    events.EvaluationRecorded.TOPIC: {"evaluation": {"report": "Bra"}, "actor": "admin:a",
                                      "at": AT},
    events.EvaluationRevised.TOPIC: {"evaluation": {"report": "Bättre"}, "reason": "Fel",
                                     "actor": "admin:a", "at": AT},
    events.PaperBallotsEntered.TOPIC: {"area": "norr", "station": "Biblioteket", "count": 3,
                                       "actor": "official:o", "at": AT},
    events.ProposalSubmitted.TOPIC: {
        "originator_topic": events.PROPOSAL, "cycle_id": "c", "area": "norr", "title": "Gym",
        "description": "Ett utegym", "estimated_cost": 120, "category": "idrott",
        "place": None, "proposer": "p", "at": AT},
    events.ProposalReviewed.TOPIC: {"feasible": True, "official_cost": 135, "reason": "",
                                    "actor": "admin:a", "at": AT},
    events.ProposalMerged.TOPIC: {"into": "other", "reason": "Samma", "actor": "admin:a",
                                  "at": AT},
    events.MergeUndone.TOPIC: {"into": "other", "reason": "Fel", "status": "feasible",
                               "actor": "admin:a", "at": AT},
    events.ProposalWithdrawn.TOPIC: {"reason": "Ångrade", "actor": "admin:a", "at": AT},
    events.ProgressReported.TOPIC: {"percent": 50, "note": "Halvvägs", "spent": 20,
                                    "actor": "admin:a", "at": AT},
    events.ProjectCompleted.TOPIC: {"note": "Klart", "spent": 30, "actor": "admin:a",
                                    "at": AT},
    events.ProjectAbandoned.TOPIC: {"reason": "Stopp", "actor": "admin:a", "at": AT},
    events.ProposalSupported.TOPIC: {"supporter": "p", "at": AT},
    events.SupportWithdrawn.TOPIC: {"supporter": "p", "at": AT},
    events.PictureAdded.TOPIC: {"digest": "d" * 64, "alt": "En brygga", "media_type":
                                "image/webp", "width": 960, "height": 640, "widths": [480, 960],
                                "size": 51_200, "at": AT},
    events.PictureRemoved.TOPIC: {"digest": "d" * 64, "reason": "Visar ett ansikte",
                                  "actor": "reviewer:m", "at": AT},
    events.PictureWithdrawn.TOPIC: {"digest": "d" * 64, "at": AT},
    events.BallotCast.TOPIC: {
        "originator_topic": events.BALLOT, "cycle_id": "c", "area": "norr", "voter": "v",
        "selections": ["a"], "points": None, "channel": "digital", "station": None, "at": AT,
        "age_band": "30-44"},
    events.BallotChanged.TOPIC: {"selections": ["b"], "points": None, "at": AT},
    events.RollMarked.TOPIC: {"originator_topic": events.ROLL_MARK, "cycle_id": "c",
                              "area": "norr", "voter": "v", "station": "Biblioteket",
                              "day": "2025-03-01"},
    events.PotPlaceTaken.TOPIC: {"originator_topic": events.POT_PLACE, "cycle_id": "c",
                                 "voter": "v", "number": 1, "area": "norr"},
    events.CommentPosted.TOPIC: {
        "originator_topic": events.COMMENT, "cycle_id": "c", "proposal_id": "p",
        "parent_id": None, "text": "Bra idé", "author": "a", "by_proposer": False, "at": AT},
    events.ModerationOpened.TOPIC: {"originator_topic": events.MODERATION, "cycle_id": "c",
                                    "item_id": "p", "item_kind": "proposal", "at": AT},
    events.ItemReported.TOPIC: {"cycle_id": "c", "item_id": "p", "item_kind": "proposal",
                                "reporter": "r", "at": AT},
    events.ItemHidden.TOPIC: {"cycle_id": "c", "item_id": "p", "item_kind": "proposal",
                              "reason": "Kränkande", "actor": "reviewer:m", "at": AT},
}


def test_every_kind_has_an_oldest_form_here() -> None:
    assert set(OLDEST) == set(events.SCHEMA)


@pytest.mark.parametrize("topic", sorted(OLDEST), ids=lambda t: t.removeprefix(events.PREFIX))
def test_an_event_in_its_oldest_stored_form_still_loads(topic: str) -> None:
    event = mapper().to_domain_event(stored(topic, OLDEST[topic]))
    payload = events.payload_of(topic, vars(event))
    for field in events.fields_of(type(payload)):
        if not field.required and field.name not in OLDEST[topic]:
            # What an event stored before the field existed means.
            default = next(f.default for f in dataclasses.fields(payload)
                           if f.name == field.name)
            assert getattr(payload, field.name) == default


def test_old_money_is_upcast_to_minor_units_on_the_way_to_the_payload() -> None:
    event = mapper().to_domain_event(stored(events.ProgressReported.TOPIC,
                                            OLDEST[events.ProgressReported.TOPIC]))
    payload = events.payload_of(events.ProgressReported.TOPIC, vars(event))
    assert isinstance(payload, events.ProgressReported)
    assert payload.spent == 2000 and payload.explanation is None


def test_an_old_ballot_and_its_change_replay_into_a_ballot() -> None:
    the_mapper = mapper()
    the_id = ballot_id("c", "norr", "v")
    cast = the_mapper.to_domain_event(stored(events.BallotCast.TOPIC,
                                             OLDEST[events.BallotCast.TOPIC], 1, the_id))
    changed = the_mapper.to_domain_event(stored(events.BallotChanged.TOPIC,
                                                OLDEST[events.BallotChanged.TOPIC], 2, the_id))
    ballot = changed.mutate(cast.mutate(None))  # type: ignore[attr-defined]
    assert isinstance(ballot, Ballot) and ballot.selections == ["b"]
    assert ballot.day == "2025-03-01" and ballot.changes == 1
    payload = events.payload_of(events.BallotCast.TOPIC, vars(cast))
    assert isinstance(payload, events.BallotCast) and payload.cast_on == "2025-03-01"


def test_data_with_a_field_the_schema_lacks_or_without_a_required_one_is_refused() -> None:
    with pytest.raises(events.LayoutMismatch, match="not in the schema"):
        events.check_layout(events.ProposalWithdrawn, {"reason", "actor", "at", "smuggled"})
    with pytest.raises(events.LayoutMismatch, match=r"missing \['reason'\]"):
        events.payload_of(events.ProposalWithdrawn.TOPIC, {"actor": "a", "at": None})


# ---- the fast ballot decoder (projections/stored_ballot.py) ---------------------------------

def stored_ballot() -> tuple[Ballot, StoredEvent]:
    rule = VotingRule("approval", min_choices=1, max_choices=2)
    ballot = Ballot.cast("c", "norr", "v", ["a"], None,
                         BallotTerms(rule, {"a": 100, "b": 200}, 1000), receipt="d" * 64)
    (event,) = ballot.collect_events()
    return ballot, mapper().to_stored_event(event)


def notification(event: StoredEvent, state: bytes | None = None) -> Notification:
    return Notification(id=1, originator_id=event.originator_id,
                        originator_version=event.originator_version, topic=event.topic,
                        state=state if state is not None else event.state)


def test_the_library_stores_a_ballot_in_the_layout_the_decoder_reads() -> None:
    """Fails if the library's stored JSON layout or the event's fields change: the decoder
    would otherwise read them unguarded."""
    _, event = stored_ballot()
    state = json.loads(event.state)
    assert set(state) == events.field_names(events.BallotCast) | {"timestamp"}
    assert state["timestamp"].keys() == {"_type_", "_data_"}
    decoded = cast_ballot(notification(event))
    assert decoded is not None
    assert decoded.data == {k: v for k, v in state.items() if k != "timestamp"}
    assert (decoded.cycle_id, decoded.area, decoded.channel, decoded.receipt) == (
        "c", "norr", "digital", "d" * 64)


@pytest.mark.parametrize("change", ["extra", "missing", "no timestamp", "version"])
def test_the_decoder_leaves_any_other_layout_to_the_librarys_mapper(change: str) -> None:
    _, event = stored_ballot()
    state = json.loads(event.state)
    if change == "extra":
        state["smuggled"] = "x"
    elif change == "missing":
        del state["channel"]
    elif change == "no timestamp":
        del state["timestamp"]
    else:
        state["class_version"] = 7
    assert cast_ballot(notification(event, json.dumps(state).encode())) is None


def test_the_decoders_ballot_has_every_attribute_the_fold_reads() -> None:
    _, event = stored_ballot()
    decoded = cast_ballot(notification(event))
    assert decoded is not None
    read = {"cycle_id", "area", "channel", "station", "age_band", "receipt", "day"}
    assert read <= events.field_names(events.BallotCast)
    assert all(hasattr(decoded, name) for name in read)
