"""Folding a run of events into the changes of the read models, in memory.

A batch starts from what is stored (through `Lookups`), applies events in store order, and hands
the store every changed row at once, with the position of the last event, to write in one
transaction. Nothing here touches a database.

Each cycle's document also carries the cycle's audit chain (domain/audit.py): every event of
the cycle, its proposals and its ballots is linked as it is folded, exactly as the audit export
links it, so the head the results show can be reproduced by anyone from the export.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from domain.audit import Chain, event_data
from projections.stored_ballot import CastBallot

TOPIC_PREFIX = "medborgarbudget:"
CYCLE = TOPIC_PREFIX + "BudgetCycle."
PROPOSAL = TOPIC_PREFIX + "Proposal."
BALLOT = TOPIC_PREFIX + "Ballot."
# The aggregates whose events make up a cycle's history (service/application.py,
# cycle_member_ids): the cycle, its proposals, its ballots.
ROLL_MARK = TOPIC_PREFIX + "RollMark."
# Comments and their moderation belong to the cycle's history too (ADR 0024); each of their
# events names its cycle.
COMMENT = TOPIC_PREFIX + "Comment."
MODERATION = TOPIC_PREFIX + "Moderation."
CHAINED = (CYCLE, PROPOSAL, BALLOT, ROLL_MARK, COMMENT, MODERATION)


BALLOT_CAST = BALLOT + "Cast"


class Lookups(Protocol):
    def cycle(self, cycle_id: str) -> dict[str, Any] | None: ...
    def proposal(self, proposal_id: str) -> dict[str, Any] | None: ...
    def comment(self, comment_id: str) -> dict[str, Any] | None: ...
    def ballot_cycle(self, ballot_id: str) -> tuple[str, str] | None:
        """(cycle, area) of a stored ballot: a ballot's later events do not repeat them."""


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


def _iso(at: Any) -> str:
    return at.isoformat() if isinstance(at, datetime) else str(at or "")


@dataclass
class Batch:
    lookups: Lookups
    cycles: dict[str, dict[str, Any]] = field(default_factory=dict)
    proposals: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    ballot_cycles: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    turnout: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)
    audit: list[AuditRow] = field(default_factory=list)
    receipts: list[tuple[str, str]] = field(default_factory=list)  # (cycle, receipt digest)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # (cycle, proposal) whose stored result rows must lose the title (hidden after the count)
    hidden_titles: list[tuple[str, str]] = field(default_factory=list)
    last_position: int | None = None
    events: int = 0

    # ---- lookups through the batch's own changes first --------------------------------------

    def _cycle(self, cycle_id: str) -> dict[str, Any] | None:
        if cycle_id not in self.cycles:
            stored = self.lookups.cycle(cycle_id)
            if stored is None:
                return None
            self.cycles[cycle_id] = stored
        return self.cycles[cycle_id]

    def _proposal(self, proposal_id: str) -> dict[str, Any] | None:
        if proposal_id not in self.proposals:
            stored = self.lookups.proposal(proposal_id)
            if stored is None:
                return None
            self.proposals[proposal_id] = stored
        return self.proposals[proposal_id]

    def _comment(self, comment_id: str) -> dict[str, Any] | None:
        if comment_id not in self.comments:
            stored = self.lookups.comment(comment_id)
            if stored is None:
                return None
            self.comments[comment_id] = stored
        return self.comments[comment_id]

    def _ballot_cycle(self, ballot_id: str) -> tuple[str, str] | None:
        if ballot_id not in self.ballot_cycles:
            # Kept: a changed ballot is looked up by its handler and again by the chain.
            self.ballot_cycles[ballot_id] = self.lookups.ballot_cycle(ballot_id)
        return self.ballot_cycles[ballot_id]

    # ---- applying events -----------------------------------------------------------------

    def apply(self, position: int, topic: str, event: Any) -> None:
        self.last_position = position
        self.events += 1
        handler = _HANDLERS.get(topic)
        if handler is not None:
            handler(self, position, event)
        if topic.startswith(CHAINED):
            self._link(topic, event)

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

    def _link(self, topic: str, event: Any) -> None:
        """Link the event into its cycle's audit chain (after its handler, which has recorded
        a new proposal's or ballot's cycle)."""
        originator = str(event.originator_id)
        cycle_id: str | None
        if topic.startswith(CYCLE):
            cycle_id = originator
        elif topic.startswith(PROPOSAL):
            proposal = self._proposal(originator)
            cycle_id = proposal["cycle_id"] if proposal is not None else None
        elif topic == BALLOT_CAST or topic.startswith((ROLL_MARK, COMMENT, MODERATION)):
            cycle_id = event.cycle_id
        else:
            found = self._ballot_cycle(originator)
            cycle_id = found[0] if found is not None else None
        cycle = self._cycle(cycle_id) if cycle_id is not None else None
        # A cycle folded before the chain existed has no start to link to: its head stays
        # unknown until the read models are rebuilt.
        if cycle is None or "audit" not in cycle:
            return
        chain = Chain(cycle["audit"])  # linked in place
        if isinstance(event, CastBallot):
            chain.add(topic, originator, event.originator_version, event.timestamp, event.data)
        else:
            chain.add(topic, originator, event.originator_version, event.timestamp,
                      event_data(event))

    def _audit(self, position: int, cycle_id: str, event: Any, name: str, summary: str,
               reason: str = "", actor: str | None = None, at: str | None = None) -> None:
        role, subject = _role_and_actor(actor if actor is not None else getattr(event, "actor",
                                                                                None))
        if at is None:
            at = _iso(getattr(event, "at", None) or getattr(event, "timestamp", None))
        self.audit.append(AuditRow(position, cycle_id, at, role, subject, name, summary,
                                   reason))

    # cycles

    def _cycle_created(self, position: int, event: Any) -> None:
        cycle_id = str(event.originator_id)
        config = event.configuration or {}
        self.cycles[cycle_id] = {
            "id": cycle_id, "name": event.name, "municipality": event.municipality,
            "predecessor_id": event.predecessor_id, "created_at": _iso(event.at),
            "phase": "draft", "decision": None,
            "areas": {a["id"]: a for a in config.get("areas", [])},
            "voting_rule": config.get("voting_rule"),
            "allocation_rule": config.get("allocation_rule", "greedy"),
            "score_threshold": config.get("score_threshold"), "timeline": {}, "history": [],
            "categories": config.get("categories", []),
            "proposals": {}, "ballots": {}, "results_published_at": None,
            "adoption": None, "evaluation": None, "audit": Chain().state,
            # None for a cycle created before cycles recorded theirs (domain.money.currency_of)
            "currency": getattr(event, "currency", None),
        }
        self._audit(position, cycle_id, event, "cycle created", event.name)

    def _cycle_changed(self, position: int, event: Any, name: str, summary: str,
                       change: Callable[[dict[str, Any]], None]) -> None:
        cycle_id = str(event.originator_id)
        cycle = self._cycle(cycle_id)
        if cycle is None:
            return
        change(cycle)
        self._audit(position, cycle_id, event, name, summary, getattr(event, "reason", ""))

    def _phase_changed(self, position: int, event: Any) -> None:
        def change(cycle: dict[str, Any]) -> None:
            cycle["phase"] = event.to_phase
            cycle["history"].append({
                "trigger": event.trigger, "from_phase": event.from_phase,
                "to_phase": event.to_phase, "at": _iso(event.at), "reason": event.reason,
                "role": _role_and_actor(event.actor)[0],
            })

        self._cycle_changed(position, event, "phase changed",
                            f"{event.trigger}: {event.from_phase} -> {event.to_phase}", change)

    def _support_round_closed(self, position: int, event: Any) -> None:
        self._phase_changed(position, event)
        cycle = self._cycle(str(event.originator_id))
        if cycle is not None:
            cycle["support_outcome"] = event.outcome

    def _results_published(self, position: int, event: Any) -> None:
        self._phase_changed(position, event)
        cycle_id = str(event.originator_id)
        cycle = self._cycle(cycle_id)
        if cycle is None:
            return
        cycle["results_published_at"] = _iso(event.at)
        cycle["ballots_digest"] = event.results.get("ballots_digest")
        self.results[cycle_id] = self._result_rows(cycle_id, event.results)

    def _winners_amended(self, position: int, event: Any) -> None:
        """A winner excluded or added after the count: the recounted results replace the rows,
        and the exception is listed with its reason (no actor: the pages show none)."""
        def change(cycle: dict[str, Any]) -> None:
            cycle.setdefault("winner_exceptions", []).append({
                "kind": event.kind, "area": event.area, "proposal_id": event.proposal_id,
                "reason": event.reason, "at": _iso(event.at)})
            self.results[str(event.originator_id)] = self._result_rows(
                str(event.originator_id), event.results)

        self._cycle_changed(position, event, "winners amended",
                            f"{event.kind} {event.proposal_id}", change)

    def _marked_incompatible(self, position: int, event: Any) -> None:
        def change(cycle: dict[str, Any]) -> None:
            cycle.setdefault("incompatible", []).append({
                "first": event.first, "second": event.second, "area": event.area,
                "reason": event.reason, "at": _iso(event.at)})

        self._cycle_changed(position, event, "proposals marked incompatible",
                            f"{event.first} / {event.second}", change)

    def _result_rows(self, cycle_id: str, results: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for area_id, outcome in results.get("areas", {}).items():
            selected = outcome.get("selected", [])
            added = outcome.get("added", {})
            for proposal_id, score in outcome.get("scores", {}).items():
                proposal = self._proposal(proposal_id) or {}
                rows.append({
                    "cycle_id": cycle_id, "area": area_id, "proposal_id": proposal_id,
                    "title": proposal.get("title", ""),
                    "cost": proposal.get("official_cost") or proposal.get("estimated_cost") or 0,
                    "score": str(score),
                    # Funded outside the rule counts as funded, after the rule's winners.
                    "selected": proposal_id in selected or proposal_id in added,
                    "rank": selected.index(proposal_id) + 1 if proposal_id in selected
                    else len(selected) + list(added).index(proposal_id) + 1
                    if proposal_id in added else None,
                    "reason": _reason_column(outcome.get("reasons", {}).get(proposal_id, "")),
                })
        return rows

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

    def _proposal_submitted(self, position: int, event: Any) -> None:
        proposal_id = str(event.originator_id)
        self.proposals[proposal_id] = {
            "id": proposal_id, "cycle_id": event.cycle_id, "area": event.area,
            "title": event.title, "description": event.description,
            "estimated_cost": event.estimated_cost, "official_cost": None,
            "category": event.category, "place": event.place, "status": "submitted",
            "submitted_at": _iso(event.at), "steps": [{"step": "received", "at": _iso(event.at)}],
            "progress": [], "merged_into": None,
        }
        self._count_proposal(event.cycle_id, None, "submitted")
        self._audit(position, event.cycle_id, event, "proposal submitted", event.title,
                    actor="resident")

    def _support_changed(self, position: int, event: Any, change: int, name: str) -> None:
        """A support given or withdrawn: the count only (who supports is no read model's)."""
        proposal = self._proposal(str(event.originator_id))
        if proposal is None:
            return
        proposal["supports"] = proposal.get("supports", 0) + change
        self._audit(position, proposal["cycle_id"], event, name, proposal["title"],
                    actor="resident")

    def _supported(self, position: int, event: Any) -> None:
        self._support_changed(position, event, 1, "proposal supported")

    def _support_withdrawn(self, position: int, event: Any) -> None:
        self._support_changed(position, event, -1, "support withdrawn")

    def _proposal_changed(self, position: int, event: Any, status: str | None, name: str,
                          step: dict[str, Any], change: Callable[[dict[str, Any]], None]
                          = lambda _: None) -> None:
        proposal = self._proposal(str(event.originator_id))
        if proposal is None:
            return
        old = proposal["status"]
        if status is not None:
            proposal["status"] = status
            self._count_proposal(proposal["cycle_id"], old, status)
        proposal["steps"].append({"step": step.pop("step"), "at": _iso(event.at), **step})
        change(proposal)
        reason = getattr(event, "reason", "") or getattr(event, "note", "") or ""
        self._audit(position, proposal["cycle_id"], event, name, proposal["title"], reason)

    def _reviewed(self, position: int, event: Any) -> None:
        def change(proposal: dict[str, Any]) -> None:
            proposal["official_cost"] = event.official_cost
            proposal["review_reason"] = event.reason

        self._proposal_changed(
            position, event, "feasible" if event.feasible else "infeasible", "proposal reviewed",
            {"step": "reviewed", "feasible": event.feasible, "official_cost": event.official_cost,
             "reason": event.reason}, change)

    def _merged(self, position: int, event: Any) -> None:
        def change(proposal: dict[str, Any]) -> None:
            proposal["merged_into"] = event.into

        self._proposal_changed(position, event, "merged", "proposal merged",
                               {"step": "merged", "into": event.into, "reason": event.reason},
                               change)

    def _merge_undone(self, position: int, event: Any) -> None:
        def change(proposal: dict[str, Any]) -> None:
            proposal["merged_into"] = None

        self._proposal_changed(position, event, event.status, "merge undone",
                               {"step": "merge undone", "from": event.into,
                                "reason": event.reason}, change)

    def _withdrawn(self, position: int, event: Any) -> None:
        self._proposal_changed(position, event, "withdrawn", "proposal withdrawn",
                               {"step": "withdrawn", "reason": event.reason})

    def _progress(self, position: int, event: Any) -> None:
        explanation = getattr(event, "explanation", None)

        def change(proposal: dict[str, Any]) -> None:
            proposal["progress"].append({"percent": event.percent, "note": event.note,
                                         "spent": event.spent, "at": _iso(event.at),
                                         "explanation": explanation})

        self._proposal_changed(position, event, "in_progress", "progress reported",
                               {"step": "progress", "percent": event.percent,
                                "note": event.note, "spent": event.spent,
                                "explanation": explanation}, change)

    def _completed(self, position: int, event: Any) -> None:
        explanation = getattr(event, "explanation", None)

        def change(proposal: dict[str, Any]) -> None:
            proposal["progress"].append({"percent": 100, "note": event.note,
                                         "spent": event.spent, "at": _iso(event.at),
                                         "explanation": explanation})

        self._proposal_changed(position, event, "completed", "project completed",
                               {"step": "built", "note": event.note, "spent": event.spent},
                               change)

    def _abandoned(self, position: int, event: Any) -> None:
        self._proposal_changed(position, event, "abandoned", "project abandoned",
                               {"step": "abandoned", "reason": event.reason})

    # comments and moderation (ADR 0024): no author is kept, only whether the proposer wrote

    def _comment_posted(self, position: int, event: Any) -> None:
        comment_id = str(event.originator_id)
        self.comments[comment_id] = {
            "id": comment_id, "cycle_id": event.cycle_id, "proposal_id": event.proposal_id,
            "parent_id": event.parent_id, "text": event.text, "by_proposer": event.by_proposer,
            "at": _iso(event.at), "reports": 0, "hidden": None,
        }

    def _moderated_item(self, event: Any) -> dict[str, Any] | None:
        if event.item_kind == "proposal":
            return self._proposal(event.item_id)
        return self._comment(event.item_id)

    def _reported(self, position: int, event: Any) -> None:
        item = self._moderated_item(event)
        if item is not None:
            item["reports"] = item.get("reports", 0) + 1

    def _hidden(self, position: int, event: Any) -> None:
        """The text leaves the read models, so no page or answer built on them can show it;
        what happened to a proposal (its status and steps) stays explained."""
        item = self._moderated_item(event)
        if item is None:
            return
        item["hidden"] = {"reason": event.reason, "at": _iso(event.at)}
        if event.item_kind == "proposal":
            item.update(title="", description="", place=None)
            item["steps"].append({"step": "hidden", "at": _iso(event.at),
                                  "reason": event.reason})
            for row in self.results.get(item["cycle_id"], []):
                if row["proposal_id"] == event.item_id:
                    row["title"] = ""
            self.hidden_titles.append((item["cycle_id"], event.item_id))
        else:
            item["text"] = ""

    # ballots

    def _ballot_cast(self, position: int, event: Any) -> None:
        cycle = self._cycle(event.cycle_id)
        if cycle is not None:
            cycle["ballots"][event.area] = cycle["ballots"].get(event.area, 0) + 1
        # The fast decoder (stored_ballot.py) gives `day` and `receipt`; a domain event of a
        # ballot stored before them has `at` instead.
        day = getattr(event, "day", None) or _iso(event.at)[:10]
        receipt = getattr(event, "receipt", None)
        if receipt:
            self.receipts.append((event.cycle_id, receipt))
        self.turnout[(event.cycle_id, event.area, event.channel, day,
                      getattr(event, "age_band", None) or "unknown")] += 1
        where = f" at {event.station}" if event.station else ""
        # The audit row built here, not through _audit: a voting day is almost nothing else.
        self.audit.append(AuditRow(
            position, event.cycle_id, day,
            "official" if event.channel == "paper" else "resident",
            "", "ballot cast", f"{event.channel} ballot in {event.area}{where}", ""))

    def _roll_marked(self, position: int, event: Any) -> None:
        self._audit(position, event.cycle_id, event, "voter marked in the roll",
                    f"at {event.station} in {event.area}", actor="official", at=event.day)

    def _paper_ballots_entered(self, position: int, event: Any) -> None:
        self._audit(position, str(event.originator_id), event, "paper ballots entered",
                    f"{event.count} from {event.station} in {event.area}")

    def _ballot_changed(self, position: int, event: Any) -> None:
        found = self._ballot_cycle(str(event.originator_id))
        if found is not None:
            self._audit(position, found[0], event, "ballot changed", f"ballot in {found[1]}",
                        actor="resident")


def _config(name: str, summary: Callable[[Any], str],
            change: Callable[[Any, dict[str, Any]], None]
            ) -> Callable[[Batch, int, Any], None]:
    def handler(batch: Batch, position: int, event: Any) -> None:
        batch._cycle_changed(position, event, name, summary(event),
                             lambda cycle: change(event, cycle))
    return handler


def _set(key: str, attribute: str) -> Callable[[Any, dict[str, Any]], None]:
    def change(event: Any, cycle: dict[str, Any]) -> None:
        cycle[key] = getattr(event, attribute)
    return change


def _area_set(event: Any, cycle: dict[str, Any]) -> None:
    cycle["areas"][event.area["id"]] = event.area


def _area_removed(event: Any, cycle: dict[str, Any]) -> None:
    cycle["areas"].pop(event.area_id, None)


def _evaluation_set(event: Any, cycle: dict[str, Any]) -> None:
    cycle["evaluation"] = event.evaluation
    cycle.setdefault("evaluation_history", []).append(
        {"evaluation": event.evaluation, "at": _iso(event.at),
         "reason": getattr(event, "reason", None)})


def _voting_rule_set(event: Any, cycle: dict[str, Any]) -> None:
    cycle["voting_rule"] = event.rule
    cycle["allow_ballot_changes"] = event.allow_ballot_changes


def _allocation_rule_set(event: Any, cycle: dict[str, Any]) -> None:
    cycle["allocation_rule"] = event.rule
    cycle["score_threshold"] = event.threshold


_HANDLERS: dict[str, Callable[[Batch, int, Any], None]] = {
    CYCLE + "Created": Batch._cycle_created,
    CYCLE + "DecisionRecorded": _config(
        "decision recorded", lambda e: f"{e.decision['body']} {e.decision['reference']}",
        _set("decision", "decision")),
    CYCLE + "AreaAdded": _config("area added", lambda e: e.area["name"], _area_set),
    CYCLE + "AreaChanged": _config("area changed", lambda e: e.area["name"], _area_set),
    CYCLE + "AreaRemoved": _config("area removed", lambda e: e.area_id, _area_removed),
    CYCLE + "VotingRuleSet": _config("voting rule set", lambda e: e.rule["kind"],
                                     _voting_rule_set),
    CYCLE + "AllocationRuleSet": _config("allocation rule set", lambda e: e.rule,
                                         _allocation_rule_set),
    CYCLE + "CategoriesSet": _config(
        "categories set", lambda e: ", ".join(c["name"] for c in e.categories),
        _set("categories", "categories")),
    CYCLE + "TimelineSet": _config("timeline set", lambda e: ", ".join(e.timeline),
                                   _set("timeline", "timeline")),
    CYCLE + "PhaseChanged": Batch._phase_changed,
    CYCLE + "ResultsPublished": Batch._results_published,
    CYCLE + "WinnersAmended": Batch._winners_amended,
    CYCLE + "ProposalsMarkedIncompatible": Batch._marked_incompatible,
    CYCLE + "SupportRoundSet": _config(
        "support round set",
        lambda e: "off" if e.support_round is None else
        f"{e.support_round['default']['kind']} {e.support_round['default']['value']}",
        _set("support_round", "support_round")),
    CYCLE + "SupportRoundClosed": Batch._support_round_closed,
    CYCLE + "PaperBallotsEntered": Batch._paper_ballots_entered,
    CYCLE + "AdoptionRecorded": _config(
        "adoption recorded", lambda e: f"{e.adoption['body']} {e.adoption['reference']}",
        _set("adoption", "adoption")),
    CYCLE + "EvaluationRecorded": _config("evaluation recorded", lambda e: "evaluation report",
                                          _evaluation_set),
    CYCLE + "EvaluationRevised": _config("evaluation revised", lambda e: "evaluation report",
                                         _evaluation_set),
    PROPOSAL + "Submitted": Batch._proposal_submitted,
    PROPOSAL + "Reviewed": Batch._reviewed,
    PROPOSAL + "Merged": Batch._merged,
    PROPOSAL + "MergeUndone": Batch._merge_undone,
    PROPOSAL + "Withdrawn": Batch._withdrawn,
    PROPOSAL + "Supported": Batch._supported,
    PROPOSAL + "SupportWithdrawn": Batch._support_withdrawn,
    PROPOSAL + "ProgressReported": Batch._progress,
    PROPOSAL + "Completed": Batch._completed,
    PROPOSAL + "Abandoned": Batch._abandoned,
    BALLOT_CAST: Batch._ballot_cast,
    BALLOT + "Changed": Batch._ballot_changed,
    ROLL_MARK + "Marked": Batch._roll_marked,
    COMMENT + "Posted": Batch._comment_posted,
    MODERATION + "Reported": Batch._reported,
    MODERATION + "Hidden": Batch._hidden,
}

TOPICS: tuple[str, ...] = tuple(_HANDLERS)


def _reason_column(recorded: object) -> str:
    """A recorded reason as its text column holds it: a code with parameters (results format 3)
    as JSON, a sentence (results published before) as it is; service/reason_text.py reads both."""
    if isinstance(recorded, dict):
        return json.dumps(recorded, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return recorded if isinstance(recorded, str) else ""
