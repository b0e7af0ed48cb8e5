"""Folding a run of events into the changes of the read models, in memory.

A batch starts from what is stored (through `Lookups`), applies events in store order, and hands
the store every changed row at once, with the position of the last event, to write in one
transaction. Nothing here touches a database.

Each handler reads an event as its typed payload (domain/schema.py, the one event schema), so
a field the fold reads that no event has is a type error, and stored data of another layout is
refused rather than folded half-right.

Each cycle's document also carries the cycle's audit chain (domain/audit.py): every event of
the cycle, its proposals and its ballots is linked as it is folded, exactly as the audit export
links it, so the head the results show can be reproduced by anyone from the export.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol, TypeVar

from domain import documents
from domain import events as schema
from domain.audit import Chain, RecordedEvent, event_data
from domain.phases import Phase
from domain.proposal_states import ProposalStatus as Status
from domain.vocabulary import AllocationRule
from projections.rows import (
    CommentRow,
    CycleRow,
    ProposalRow,
    ResultRow,
    StepDetails,
)
from projections.stored_ballot import CastBallot

CYCLE = schema.CYCLE + "."
PROPOSAL = schema.PROPOSAL + "."
BALLOT = schema.BALLOT + "."
ROLL_MARK = schema.ROLL_MARK + "."
# Comments and their moderation belong to the cycle's history too (ADR 0024); each of their
# events names its cycle.
COMMENT = schema.COMMENT + "."
MODERATION = schema.MODERATION + "."
# The aggregates whose events make up a cycle's history: the cycle, its proposals, its ballots
# and the stations' roll marks.
CHAINED = schema.MEMBER_PREFIXES
BALLOT_CAST = schema.BallotCast.TOPIC


class Lookups(Protocol):
    def cycle(self, cycle_id: str) -> CycleRow | None: ...
    def proposal(self, proposal_id: str) -> ProposalRow | None: ...
    def comment(self, comment_id: str) -> CommentRow | None: ...
    def ballot_cycle(self, ballot_id: str) -> tuple[str, str] | None:
        """(cycle, area) of a stored ballot: a ballot's later events do not repeat them."""


class Envelope(NamedTuple):
    """What the library records beside every event's payload."""

    originator_id: str
    originator_version: int
    timestamp: str


class Cast(Protocol):
    """A cast ballot as the fold reads it: the schema's payload, or the fast decoder's."""

    @property
    def cycle_id(self) -> str: ...
    @property
    def area(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def station(self) -> str | None: ...
    @property
    def age_band(self) -> str | None: ...
    @property
    def receipt(self) -> str | None: ...
    @property
    def cast_on(self) -> str: ...


class AuditRow(NamedTuple):
    """A row of rm_audit, its fields in the table's column order."""

    position: int
    cycle_id: str
    at: str
    role: str
    actor: str
    event: str
    summary: str
    reason: str


def _role_and_actor(actor: str | None) -> tuple[str, str]:
    if not actor:
        return "", ""
    role, _, subject = actor.partition(":")
    return role, subject


def _iso(at: datetime | str | None) -> str:
    return at.isoformat() if isinstance(at, datetime) else str(at or "")


def envelope_of(event: RecordedEvent) -> Envelope:
    """The envelope of an event decoded by the library's mapper."""
    return Envelope(str(event.originator_id), int(event.originator_version),
                    _iso(vars(event)["timestamp"]))


P = TypeVar("P", bound=schema.Payload)
# An event's attributes as the library's mapper decoded them (`vars(event)`): read as their
# typed payload by the handler.
Handler = Callable[["Batch", int, Envelope, Mapping[str, object]], None]
# The fold of one kind of event, given it as its typed payload.
FoldOf = Callable[["Batch", int, Envelope, P], None]


def _on(payload: type[P], fold: FoldOf[P]) -> tuple[str, Handler]:
    """The handler of `payload`'s topic: the event's data read as its typed payload."""
    def handler(batch: Batch, position: int, envelope: Envelope,
                data: Mapping[str, object]) -> None:
        fold(batch, position, envelope, schema.payload_as(payload, data))
    return payload.TOPIC, handler


# The handlers by topic: Batch's methods marked @folds(...) and, after the class, the folds
# made for the cycle's configuration and for a proposal's end.
_HANDLERS: dict[str, Handler] = {}


def folds(payload: type[P]) -> Callable[[FoldOf[P]], FoldOf[P]]:
    """Marks a Batch method as the fold of `payload`'s events, where a reader sees what it does."""
    def register(fold: FoldOf[P]) -> FoldOf[P]:
        _HANDLERS.update([_on(payload, fold)])
        return fold
    return register


@dataclass
class Batch:
    lookups: Lookups
    cycles: dict[str, CycleRow] = field(default_factory=dict)
    proposals: dict[str, ProposalRow] = field(default_factory=dict)
    comments: dict[str, CommentRow] = field(default_factory=dict)
    ballot_cycles: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    turnout: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)
    audit: list[AuditRow] = field(default_factory=list)
    receipts: list[tuple[str, str]] = field(default_factory=list)  # (cycle, receipt digest)
    results: dict[str, list[ResultRow]] = field(default_factory=dict)
    # (cycle, proposal) whose stored result rows must lose the title (hidden after the count)
    hidden_titles: list[tuple[str, str]] = field(default_factory=list)
    # What the picture index must do, in the order of the events (ADR 0030): ("shown",
    # digest, proposal, cycle), ("gone", digest, proposal), ("hidden", "", proposal).
    picture_changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    last_position: int | None = None
    events: int = 0

    # ---- lookups through the batch's own changes first --------------------------------------

    def _cycle(self, cycle_id: str) -> CycleRow | None:
        return _through(self.cycles, cycle_id, self.lookups.cycle)

    def _proposal(self, proposal_id: str) -> ProposalRow | None:
        return _through(self.proposals, proposal_id, self.lookups.proposal)

    def _comment(self, comment_id: str) -> CommentRow | None:
        return _through(self.comments, comment_id, self.lookups.comment)

    def _ballot_cycle(self, ballot_id: str) -> tuple[str, str] | None:
        if ballot_id not in self.ballot_cycles:
            # Kept: a changed ballot is looked up by its handler and again by the chain.
            self.ballot_cycles[ballot_id] = self.lookups.ballot_cycle(ballot_id)
        return self.ballot_cycles[ballot_id]

    # ---- applying events -----------------------------------------------------------------

    def apply(self, position: int, topic: str, event: RecordedEvent) -> None:
        """Fold and link an event decoded by the library's mapper (at its current version)."""
        self.last_position = position
        self.events += 1
        envelope = envelope_of(event)
        handler = _HANDLERS.get(topic)
        if handler is not None:
            handler(self, position, envelope, vars(event))
        if topic.startswith(CHAINED):
            self._link(topic, envelope, event)

    def apply_cast(self, position: int, ballot: CastBallot) -> None:
        """`apply` for a ballot read straight from its JSON: nearly every event of a voting
        day, so folded and linked without looking its topic up."""
        self.last_position = position
        self.events += 1
        self._ballot_cast(position, ballot)
        cycle = self.cycles.get(ballot.cycle_id)  # loaded by _ballot_cast when it exists
        if cycle is not None and "audit" in cycle:
            Chain(cycle["audit"]).add(BALLOT_CAST, ballot.originator_id,
                                      ballot.originator_version, ballot.timestamp, ballot.data)

    def _link(self, topic: str, envelope: Envelope, event: RecordedEvent) -> None:
        """Link the event into its cycle's audit chain (after its handler, which has recorded
        a new proposal's or ballot's cycle)."""
        originator = envelope.originator_id
        cycle_id: str | None
        if topic.startswith(CYCLE):
            cycle_id = originator
        elif topic.startswith(PROPOSAL):
            proposal = self._proposal(originator)
            cycle_id = proposal["cycle_id"] if proposal is not None else None
        elif topic == BALLOT_CAST or topic.startswith((ROLL_MARK, COMMENT, MODERATION)):
            cycle_id = str(vars(event)["cycle_id"])
        else:
            found = self._ballot_cycle(originator)
            cycle_id = found[0] if found is not None else None
        cycle = self._cycle(cycle_id) if cycle_id is not None else None
        # A cycle folded before the chain existed has no start to link to: its head stays
        # unknown until the read models are rebuilt.
        if cycle is None or "audit" not in cycle:
            return
        Chain(cycle["audit"]).add(topic, originator, envelope.originator_version,  # in place
                                  envelope.timestamp, event_data(event))

    def _audit(self, position: int, cycle_id: str, name: str, summary: str, *, at: str,
               actor: str | None, reason: str = "") -> None:
        role, subject = _role_and_actor(actor)
        self.audit.append(AuditRow(position, cycle_id, at, role, subject, name, summary,
                                   reason))

    # cycles

    @folds(schema.CycleCreated)
    def _cycle_created(self, position: int, envelope: Envelope,
                       event: schema.CycleCreated) -> None:
        cycle_id = envelope.originator_id
        config: documents.Configuration = event.configuration or {}
        self.cycles[cycle_id] = {
            "id": cycle_id, "name": event.name, "municipality": event.municipality,
            "predecessor_id": event.predecessor_id, "created_at": _iso(event.at),
            "phase": Phase.DRAFT, "decision": None,
            "areas": {a["id"]: a for a in config.get("areas", [])},
            "voting_rule": config.get("voting_rule"),
            "allocation_rule": config.get("allocation_rule", AllocationRule.GREEDY),
            "score_threshold": config.get("score_threshold"), "timeline": {}, "history": [],
            "categories": config.get("categories", []),
            "proposals": {}, "ballots": {}, "results_published_at": None,
            "adoption": None, "evaluation": None, "audit": Chain().state,
            # None for a cycle created before cycles recorded theirs (domain.money.currency_of)
            "currency": event.currency,
        }
        self._audit(position, cycle_id, "cycle created", event.name, at=_iso(event.at),
                    actor=event.actor)

    def _cycle_changed(self, position: int, envelope: Envelope, name: str, summary: str,
                       change: Callable[[CycleRow], None], *, at: datetime,
                       actor: str, reason: str = "") -> None:
        cycle_id = envelope.originator_id
        cycle = self._cycle(cycle_id)
        if cycle is None:
            return
        change(cycle)
        self._audit(position, cycle_id, name, summary, at=_iso(at), actor=actor, reason=reason)

    @folds(schema.PhaseChanged)
    def _phase_changed(self, position: int, envelope: Envelope,
                       event: schema.PhaseChanged) -> None:
        self._phase_moved(position, envelope, event)

    def _phase_moved(self, position: int, envelope: Envelope,
                     event: schema.PhaseChanged | schema.SupportRoundClosed
                     | schema.ResultsPublished) -> None:
        def change(cycle: CycleRow) -> None:
            cycle["phase"] = event.to_phase
            cycle["history"].append({
                "trigger": event.trigger, "from_phase": event.from_phase,
                "to_phase": event.to_phase, "at": _iso(event.at), "reason": event.reason,
                "role": _role_and_actor(event.actor)[0],
            })

        self._cycle_changed(position, envelope, "phase changed",
                            f"{event.trigger}: {event.from_phase} -> {event.to_phase}", change,
                            at=event.at, actor=event.actor, reason=event.reason)

    @folds(schema.SupportRoundClosed)
    def _support_round_closed(self, position: int, envelope: Envelope,
                              event: schema.SupportRoundClosed) -> None:
        self._phase_moved(position, envelope, event)
        cycle = self._cycle(envelope.originator_id)
        if cycle is not None:
            cycle["support_outcome"] = event.outcome

    @folds(schema.ResultsPublished)
    def _results_published(self, position: int, envelope: Envelope,
                           event: schema.ResultsPublished) -> None:
        self._phase_moved(position, envelope, event)
        cycle_id = envelope.originator_id
        cycle = self._cycle(cycle_id)
        if cycle is None:
            return
        cycle["results_published_at"] = _iso(event.at)
        cycle["ballots_digest"] = event.results.get("ballots_digest")
        self.results[cycle_id] = self._result_rows(cycle_id, event.results)

    @folds(schema.WinnersAmended)
    def _winners_amended(self, position: int, envelope: Envelope,
                         event: schema.WinnersAmended) -> None:
        """A winner excluded or added after the count: the recounted results replace the rows,
        and the exception is listed with its reason (no actor: the pages show none)."""
        cycle_id = envelope.originator_id

        def change(cycle: CycleRow) -> None:
            cycle.setdefault("winner_exceptions", []).append({
                "kind": event.kind, "area": event.area, "proposal_id": event.proposal_id,
                "reason": event.reason, "at": _iso(event.at)})
            self.results[cycle_id] = self._result_rows(cycle_id, event.results)

        self._cycle_changed(position, envelope, "winners amended",
                            f"{event.kind} {event.proposal_id}", change, at=event.at,
                            actor=event.actor, reason=event.reason)

    @folds(schema.ProposalsMarkedIncompatible)
    def _marked_incompatible(self, position: int, envelope: Envelope,
                             event: schema.ProposalsMarkedIncompatible) -> None:
        def change(cycle: CycleRow) -> None:
            cycle.setdefault("incompatible", []).append({
                "first": event.first, "second": event.second, "area": event.area,
                "reason": event.reason, "at": _iso(event.at)})

        self._cycle_changed(position, envelope, "proposals marked incompatible",
                            f"{event.first} / {event.second}", change, at=event.at,
                            actor=event.actor, reason=event.reason)

    def _result_rows(self, cycle_id: str, results: documents.Results) -> list[ResultRow]:
        rows: list[ResultRow] = []
        for area_id, outcome in results.get("areas", {}).items():
            selected = outcome.get("selected", [])
            added = outcome.get("added", {})
            for proposal_id, score in outcome.get("scores", {}).items():
                proposal = self._proposal(proposal_id)
                rows.append({
                    "cycle_id": cycle_id, "area": area_id, "proposal_id": proposal_id,
                    "title": proposal["title"] if proposal is not None else "",
                    "cost": (proposal["official_cost"] or proposal["estimated_cost"] or 0)
                    if proposal is not None else 0,
                    "score": str(score),
                    # Funded outside the rule counts as funded, after the rule's winners.
                    "selected": proposal_id in selected or proposal_id in added,
                    "rank": selected.index(proposal_id) + 1 if proposal_id in selected
                    else len(selected) + list(added).index(proposal_id) + 1
                    if proposal_id in added else None,
                    "reason": _reason_column(outcome.get("reasons", {}).get(proposal_id, "")),
                })
        return rows

    @folds(schema.PaperBallotsEntered)
    def _paper_ballots_entered(self, position: int, envelope: Envelope,
                               event: schema.PaperBallotsEntered) -> None:
        self._audit(position, envelope.originator_id, "paper ballots entered",
                    f"{event.count} from {event.station} in {event.area}", at=_iso(event.at),
                    actor=event.actor)

    # proposals

    def _count_proposal(self, cycle_id: str, old: str | None, new: str | None) -> None:
        cycle = self._cycle(cycle_id)
        if cycle is None:
            return
        counts = cycle["proposals"]
        if old:
            counts[old] = counts.get(old, 0) - 1
        if new:
            counts[new] = counts.get(new, 0) + 1

    @folds(schema.ProposalSubmitted)
    def _proposal_submitted(self, position: int, envelope: Envelope,
                            event: schema.ProposalSubmitted) -> None:
        proposal_id = envelope.originator_id
        self.proposals[proposal_id] = {
            "id": proposal_id, "cycle_id": event.cycle_id, "area": event.area,
            "title": event.title, "description": event.description,
            "estimated_cost": event.estimated_cost, "official_cost": None,
            "category": event.category, "place": event.place, "status": Status.SUBMITTED,
            "submitted_at": _iso(event.at), "steps": [{"step": "received", "at": _iso(event.at)}],
            "progress": [], "merged_into": None,
        }
        self._count_proposal(event.cycle_id, None, Status.SUBMITTED)
        self._audit(position, event.cycle_id, "proposal submitted", event.title,
                    at=_iso(event.at), actor="resident")

    def _support_changed(self, position: int, envelope: Envelope,
                         event: schema.ProposalSupported | schema.SupportWithdrawn, change: int,
                         name: str) -> None:
        """A support given or withdrawn: the count only (who supports is no read model's)."""
        proposal = self._proposal(envelope.originator_id)
        if proposal is None:
            return
        proposal["supports"] = proposal.get("supports", 0) + change
        self._audit(position, proposal["cycle_id"], name, proposal["title"], at=_iso(event.at),
                    actor="resident")

    @folds(schema.ProposalSupported)
    def _supported(self, position: int, envelope: Envelope,
                   event: schema.ProposalSupported) -> None:
        self._support_changed(position, envelope, event, 1, "proposal supported")

    @folds(schema.SupportWithdrawn)
    def _support_withdrawn(self, position: int, envelope: Envelope,
                           event: schema.SupportWithdrawn) -> None:
        self._support_changed(position, envelope, event, -1, "support withdrawn")

    def _proposal_changed(self, position: int, envelope: Envelope, status: str | None,
                          name: str, step: str, details: StepDetails, *, at: datetime,
                          actor: str, reason: str,
                          change: Callable[[ProposalRow], None] = lambda _: None) -> None:
        proposal = self._proposal(envelope.originator_id)
        if proposal is None:
            return
        old = proposal["status"]
        if status is not None:
            proposal["status"] = status
            self._count_proposal(proposal["cycle_id"], old, status)
        proposal["steps"].append({"step": step, "at": _iso(at), **details})
        change(proposal)
        self._audit(position, proposal["cycle_id"], name, proposal["title"], at=_iso(at),
                    actor=actor, reason=reason)

    @folds(schema.ProposalReviewed)
    def _reviewed(self, position: int, envelope: Envelope,
                  event: schema.ProposalReviewed) -> None:
        def change(proposal: ProposalRow) -> None:
            proposal["official_cost"] = event.official_cost
            proposal["review_reason"] = event.reason

        self._proposal_changed(
            position, envelope, Status.FEASIBLE if event.feasible else Status.INFEASIBLE,
            "proposal reviewed", "reviewed",
            {"feasible": event.feasible, "official_cost": event.official_cost,
             "reason": event.reason}, at=event.at, actor=event.actor, reason=event.reason,
            change=change)

    @folds(schema.ProposalMerged)
    def _merged(self, position: int, envelope: Envelope, event: schema.ProposalMerged) -> None:
        def change(proposal: ProposalRow) -> None:
            proposal["merged_into"] = event.into

        self._proposal_changed(position, envelope, Status.MERGED, "proposal merged", "merged",
                               {"into": event.into, "reason": event.reason},
                               at=event.at, actor=event.actor, reason=event.reason,
                               change=change)

    @folds(schema.MergeUndone)
    def _merge_undone(self, position: int, envelope: Envelope,
                      event: schema.MergeUndone) -> None:
        def change(proposal: ProposalRow) -> None:
            proposal["merged_into"] = None

        self._proposal_changed(position, envelope, event.status, "merge undone",
                               "merge undone", {"from": event.into, "reason": event.reason},
                               at=event.at, actor=event.actor, reason=event.reason,
                               change=change)

    @folds(schema.ProgressReported)
    def _progress(self, position: int, envelope: Envelope,
                  event: schema.ProgressReported) -> None:
        self._spent(position, envelope, event, event.percent, Status.IN_PROGRESS,
                    "progress reported", "progress",
                    {"percent": event.percent, "note": event.note, "spent": event.spent,
                     "explanation": event.explanation})

    @folds(schema.ProjectCompleted)
    def _completed(self, position: int, envelope: Envelope,
                   event: schema.ProjectCompleted) -> None:
        self._spent(position, envelope, event, 100, Status.COMPLETED, "project completed",
                    "built", {"note": event.note, "spent": event.spent})

    def _spent(self, position: int, envelope: Envelope, event: schema.Spending, percent: int,
               status: str, name: str, step: str, details: StepDetails) -> None:
        """Progress reported on a project, or its completion (at 100 percent)."""
        def change(proposal: ProposalRow) -> None:
            proposal["progress"].append({"percent": percent, "note": event.note,
                                         "spent": event.spent, "at": _iso(event.at),
                                         "explanation": event.explanation})

        self._proposal_changed(position, envelope, status, name, step, details, at=event.at,
                               actor=event.actor, reason=event.note, change=change)

    # pictures (ADR 0030): the reference and the words, the bytes are elsewhere

    @folds(schema.PictureAdded)
    def _picture_added(self, position: int, envelope: Envelope,
                       event: schema.PictureAdded) -> None:
        proposal = self._proposal(envelope.originator_id)
        if proposal is None:
            return
        proposal.setdefault("pictures", []).append({
            "digest": event.digest, "alt": event.alt, "width": event.width,
            "height": event.height, "widths": event.widths, "media_type": event.media_type})
        self.picture_changes.append(("shown", event.digest, envelope.originator_id,
                                     proposal["cycle_id"]))
        self._audit(position, proposal["cycle_id"], "picture added", proposal["title"],
                    at=_iso(event.at), actor="resident")

    @folds(schema.PictureRemoved)
    def _picture_removed(self, position: int, envelope: Envelope,
                         event: schema.PictureRemoved) -> None:
        self._picture_gone(position, envelope, event.digest, "picture removed", at=event.at,
                           actor=event.actor, reason=event.reason)

    @folds(schema.PictureWithdrawn)
    def _picture_withdrawn(self, position: int, envelope: Envelope,
                           event: schema.PictureWithdrawn) -> None:
        self._picture_gone(position, envelope, event.digest, "picture withdrawn", at=event.at,
                           actor="resident")

    def _picture_gone(self, position: int, envelope: Envelope, digest: str, name: str, *,
                      at: datetime, actor: str, reason: str = "") -> None:
        proposal = self._proposal(envelope.originator_id)
        if proposal is None:
            return
        proposal["pictures"] = [p for p in proposal.get("pictures", []) if p["digest"] != digest]
        self.picture_changes.append(("gone", digest, envelope.originator_id, ""))
        self._audit(position, proposal["cycle_id"], name, proposal["title"], at=_iso(at),
                    actor=actor, reason=reason)

    # comments and moderation (ADR 0024): no author is kept, only whether the proposer wrote

    @folds(schema.CommentPosted)
    def _comment_posted(self, position: int, envelope: Envelope,
                        event: schema.CommentPosted) -> None:
        comment_id = envelope.originator_id
        self.comments[comment_id] = {
            "id": comment_id, "cycle_id": event.cycle_id, "proposal_id": event.proposal_id,
            "parent_id": event.parent_id, "text": event.text, "by_proposer": event.by_proposer,
            "at": _iso(event.at), "reports": 0, "hidden": None,
        }

    def _moderated_item(self, item_kind: str, item_id: str) -> ProposalRow | CommentRow | None:
        if item_kind == "proposal":
            return self._proposal(item_id)
        return self._comment(item_id)

    @folds(schema.ItemReported)
    def _reported(self, position: int, envelope: Envelope, event: schema.ItemReported) -> None:
        item = self._moderated_item(event.item_kind, event.item_id)
        if item is not None:
            item["reports"] = item.get("reports", 0) + 1

    @folds(schema.ItemHidden)
    def _hidden(self, position: int, envelope: Envelope, event: schema.ItemHidden) -> None:
        """The text leaves the read models, so no page or answer built on them can show it;
        what happened to a proposal (its status and steps) stays explained."""
        if event.item_kind == "proposal":
            proposal = self._proposal(event.item_id)
            if proposal is not None:
                self._proposal_hidden(proposal, event)
            return
        comment = self._comment(event.item_id)
        if comment is not None:
            comment["hidden"] = {"reason": event.reason, "at": _iso(event.at)}
            comment["text"] = ""

    def _proposal_hidden(self, proposal: ProposalRow, event: schema.ItemHidden) -> None:
        proposal["hidden"] = {"reason": event.reason, "at": _iso(event.at)}
        proposal["title"], proposal["description"] = "", ""
        proposal["place"], proposal["pictures"] = None, []
        self.picture_changes.append(("hidden", "", event.item_id, ""))
        proposal["steps"].append({"step": "hidden", "at": _iso(event.at),
                                  "reason": event.reason})
        for row in self.results.get(proposal["cycle_id"], []):
            if row["proposal_id"] == event.item_id:
                row["title"] = ""
        self.hidden_titles.append((proposal["cycle_id"], event.item_id))

    # ballots

    def _ballot_cast(self, position: int, event: Cast) -> None:
        cycle = self._cycle(event.cycle_id)
        if cycle is not None:
            cycle["ballots"][event.area] = cycle["ballots"].get(event.area, 0) + 1
        day = event.cast_on
        if event.receipt:
            self.receipts.append((event.cycle_id, event.receipt))
        self.turnout[(event.cycle_id, event.area, event.channel, day,
                      event.age_band or "unknown")] += 1
        where = f" at {event.station}" if event.station else ""
        # The audit row built here, not through _audit: a voting day is almost nothing else.
        self.audit.append(AuditRow(
            position, event.cycle_id, day,
            "official" if event.channel == "paper" else "resident",
            "", "ballot cast", f"{event.channel} ballot in {event.area}{where}", ""))

    @folds(schema.BallotCast)
    def _ballot_decoded(self, position: int, envelope: Envelope,
                        event: schema.BallotCast) -> None:
        self._ballot_cast(position, event)

    @folds(schema.RollMarked)
    def _roll_marked(self, position: int, envelope: Envelope, event: schema.RollMarked) -> None:
        self._audit(position, event.cycle_id, "voter marked in the roll",
                    f"at {event.station} in {event.area}", at=event.day, actor="official")

    @folds(schema.BallotChanged)
    def _ballot_changed(self, position: int, envelope: Envelope,
                        event: schema.BallotChanged) -> None:
        found = self._ballot_cycle(envelope.originator_id)
        if found is not None:
            self._audit(position, found[0], "ballot changed", f"ballot in {found[1]}",
                        at=_iso(event.at) or envelope.timestamp, actor="resident")


class _Configured(Protocol):
    @property
    def actor(self) -> str: ...
    @property
    def at(self) -> datetime: ...


C = TypeVar("C", bound=_Configured)


def _config(name: str, summary: Callable[[C], str],
            change: Callable[[C, CycleRow], None]
            ) -> Callable[[Batch, int, Envelope, C], None]:
    """The fold of a change to a cycle's configuration (or record of it)."""
    def fold(batch: Batch, position: int, envelope: Envelope, event: C) -> None:
        batch._cycle_changed(position, envelope, name, summary(event),
                             lambda cycle: change(event, cycle), at=event.at,
                             actor=event.actor, reason=str(getattr(event, "reason", "")))
    return fold


def _ended(status: str, name: str, step: str
           ) -> Callable[[Batch, int, Envelope, schema.Explained], None]:
    """The fold of a proposal's end for a reason (withdrawn, abandoned): a step and a status."""
    def fold(batch: Batch, position: int, envelope: Envelope, event: schema.Explained) -> None:
        batch._proposal_changed(position, envelope, status, name, step,
                                {"reason": event.reason}, at=event.at, actor=event.actor,
                                reason=event.reason)
    return fold


def _area_set(event: schema.AreaAdded | schema.AreaChanged, cycle: CycleRow) -> None:
    cycle["areas"][event.area["id"]] = event.area


def _area_removed(event: schema.AreaRemoved, cycle: CycleRow) -> None:
    cycle["areas"].pop(event.area_id, None)


def _evaluation_set(event: schema.EvaluationRecorded | schema.EvaluationRevised,
                    cycle: CycleRow) -> None:
    cycle["evaluation"] = event.evaluation
    cycle.setdefault("evaluation_history", []).append(
        {"evaluation": event.evaluation, "at": _iso(event.at),
         "reason": event.reason if isinstance(event, schema.EvaluationRevised) else None})


def _decision_set(event: schema.DecisionRecorded, cycle: CycleRow) -> None:
    cycle["decision"] = event.decision


def _adoption_set(event: schema.AdoptionRecorded, cycle: CycleRow) -> None:
    cycle["adoption"] = event.adoption


def _timeline_set(event: schema.TimelineSet, cycle: CycleRow) -> None:
    cycle["timeline"] = event.timeline


def _voting_rule_set(event: schema.VotingRuleSet, cycle: CycleRow) -> None:
    cycle["voting_rule"] = event.rule
    cycle["allow_ballot_changes"] = event.allow_ballot_changes


def _allocation_rule_set(event: schema.AllocationRuleSet, cycle: CycleRow) -> None:
    cycle["allocation_rule"] = event.rule
    cycle["score_threshold"] = event.threshold


def _categories_set(event: schema.CategoriesSet, cycle: CycleRow) -> None:
    cycle["categories"] = event.categories


def _support_round_set(event: schema.SupportRoundSet, cycle: CycleRow) -> None:
    cycle["support_round"] = event.support_round


def _support_round_summary(event: schema.SupportRoundSet) -> str:
    if event.support_round is None:
        return "off"
    default = event.support_round["default"]
    return f"{default['kind']} {default['value']}"


R = TypeVar("R", CycleRow, ProposalRow, CommentRow)


def _through(changed: dict[str, R], key: str, stored: Callable[[str], R | None]) -> R | None:
    """The row as this batch changed it, else as stored (kept in the batch from then on, so
    the batch changes it and writes it back); None when there is none."""
    if key not in changed:
        found = stored(key)
        if found is None:
            return None
        changed[key] = found
    return changed[key]


def _assembly(record: documents.AssemblyRecord) -> str:
    return f"{record['body']} {record['reference']}"


_HANDLERS.update([
    _on(schema.DecisionRecorded, _config("decision recorded", lambda e: _assembly(e.decision),
                                         _decision_set)),
    _on(schema.AreaAdded, _config("area added", lambda e: str(e.area["name"]), _area_set)),
    _on(schema.AreaChanged, _config("area changed", lambda e: str(e.area["name"]),
                                    _area_set)),
    _on(schema.AreaRemoved, _config("area removed", lambda e: e.area_id, _area_removed)),
    _on(schema.VotingRuleSet, _config("voting rule set", lambda e: str(e.rule["kind"]),
                                      _voting_rule_set)),
    _on(schema.AllocationRuleSet, _config("allocation rule set", lambda e: e.rule,
                                          _allocation_rule_set)),
    _on(schema.CategoriesSet, _config("categories set",
                                      lambda e: ", ".join(c["name"] for c in e.categories),
                                      _categories_set)),
    _on(schema.TimelineSet, _config("timeline set", lambda e: ", ".join(e.timeline),
                                    _timeline_set)),
    _on(schema.SupportRoundSet, _config("support round set", _support_round_summary,
                                        _support_round_set)),
    _on(schema.AdoptionRecorded, _config("adoption recorded", lambda e: _assembly(e.adoption),
                                         _adoption_set)),
    _on(schema.EvaluationRecorded, _config("evaluation recorded", lambda e: "evaluation report",
                                           _evaluation_set)),
    _on(schema.EvaluationRevised, _config("evaluation revised", lambda e: "evaluation report",
                                          _evaluation_set)),
    _on(schema.ProposalWithdrawn, _ended(Status.WITHDRAWN, "proposal withdrawn", "withdrawn")),
    _on(schema.ProjectAbandoned, _ended(Status.ABANDONED, "project abandoned", "abandoned")),
])

TOPICS: tuple[str, ...] = tuple(_HANDLERS)


def _reason_column(recorded: object) -> str:
    """A recorded reason as its text column holds it: a code with parameters (results format 3)
    as JSON, a sentence (results published before) as it is; service/reason_text.py reads both."""
    if isinstance(recorded, dict):
        return json.dumps(recorded, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return recorded if isinstance(recorded, str) else ""
