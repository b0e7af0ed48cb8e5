"""The application service: one method per command, for every role.

It loads aggregates, asks the domain to decide, and saves the events. Two commands racing on the
same aggregate never lose an update: on a version conflict the command is re-run on a freshly
loaded aggregate (re-checking every rule) a bounded number of times, then refused clearly.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.audit import event_data
from domain.ballot import Ballot, RollMark
from domain.cycle import BudgetCycle, ProposalFacts
from domain.cycle_tally import CountedBallot, CountedProposal, tally
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from domain.identity import parse_identity
from domain.phases import Phase, TriggerStatus
from domain.proposal import Proposal
from domain.proposal_states import ProposalStatus
from domain.pseudonym import pseudonym
from projections.stored_ballot import cast_ballot, reads_plain_json
from service.ballot_intake import BallotIntake, position_of
from service.config import PERSONNUMMER
from service.cycle_index import (
    PROPOSAL,
    CycleIndex,
    as_uuid,
    cycle_from_mapper,
    cycle_index,
)
from service.recorders import IdempotencyRecord, RecordFor

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")

MAX_ATTEMPTS = 8
CYCLE_CREATED = BudgetCycle.Created.TOPIC  # type: ignore[attr-defined]
PROPOSAL_SUBMITTED = Proposal.Submitted.TOPIC  # type: ignore[attr-defined]
BALLOT_CAST = Ballot.Cast.TOPIC  # type: ignore[attr-defined]
BALLOT_CHANGED = Ballot.Changed.TOPIC  # type: ignore[attr-defined]
ROLL_MARKED = RollMark.Marked.TOPIC  # type: ignore[attr-defined]
PAGE = 1000

# Set for the duration of one request: the idempotency record to write in the same transaction
# as the command's own events, and the position of the last event saved.
_companion: ContextVar[IdempotencyRecord | None] = ContextVar("companion", default=None)
_last_position: ContextVar[int | None] = ContextVar("last_position", default=None)


def actor_of(role: str, subject: str) -> str:
    return f"{role}:{subject}"


def _uuid(value: str | UUID, what: str) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No {what} '{value}'.") from None


class Medborgarbudget(Application[UUID]):
    name = "Medborgarbudget"
    # Aggregates are kept in memory and brought up to date with one query for the events stored
    # since (by any process); commands get a copy (the library's default), readers may share.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "1000"}

    def __init__(self, secret: bytes, env: Mapping[str, str] | None = None,
                 identities: str = PERSONNUMMER) -> None:
        super().__init__(env=env)
        self._secret = secret
        # The event store's index of each cycle's aggregates and events (ADR 0015).
        self.cycle_index: CycleIndex = cycle_index(self.recorder)
        if not reads_plain_json(self.mapper):  # encrypted or compressed: only the mapper reads
            self.cycle_index.cycle_of = cycle_from_mapper(self.mapper)
        self.ballots = BallotIntake(self, secret, identities)
        # The cycles created so far (id, predecessor), and the log position read up to.
        self._cycles_lock = threading.Lock()
        self._cycles_created: list[tuple[UUID, str | None]] = []
        self._cycles_read_to = 0

    def close(self) -> None:
        self.ballots.close()
        super().close()

    # ---- loading and saving ----------------------------------------------------------------

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        companion = _companion.get()
        if companion is not None:
            # Once per command: retries inside it write it with their own attempt.
            kwargs["records"] = [RecordFor(companion, 0, 0)]
        recordings = super().save(*objs, **kwargs)
        if companion is not None:
            _companion.set(None)
        position = position_of(recordings)
        if position is not None:
            _last_position.set(position)
        return recordings

    @contextmanager
    def saving_with(self, companion: IdempotencyRecord) -> Iterator[None]:
        """Write `companion` atomically with the first save made inside this block."""
        token = _companion.set(companion)
        try:
            yield
        finally:
            _companion.reset(token)

    @staticmethod
    def take_companion() -> IdempotencyRecord | None:
        """The idempotency record waiting for this request's write, for a command that writes
        other than through `save` (the group commit); it is then that command's to write."""
        companion = _companion.get()
        _companion.set(None)
        return companion

    @staticmethod
    def last_position() -> int | None:
        """Position in the event log of the last event this request saved (read your writes)."""
        return _last_position.get()

    def _get(self, aggregate_id: str | UUID, kind: type[A], what: str) -> A:
        try:
            aggregate: Aggregate = self.repository.get(_uuid(aggregate_id, what))
        except AggregateNotFoundError:
            raise NotFound(f"No {what} '{aggregate_id}'.") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"No {what} '{aggregate_id}'.")
        return aggregate

    def cycle(self, cycle_id: str | UUID) -> BudgetCycle:
        return self._get(cycle_id, BudgetCycle, "budget cycle")

    def proposal(self, proposal_id: str | UUID) -> Proposal:
        return self._get(proposal_id, Proposal, "proposal")

    def _update(self, aggregate_id: str | UUID, kind: type[A], what: str,
                command: Callable[[A], R]) -> R:
        """Run `command` on the latest version and save; on a concurrent change, start over."""
        for _ in range(MAX_ATTEMPTS):
            aggregate: A = self._get(aggregate_id, kind, what)
            result = command(aggregate)
            try:
                self.save(aggregate)
            except IntegrityError:
                continue
            return result
        raise Conflict(
            f"The {what} was changed by others {MAX_ATTEMPTS} times while this command ran; "
            "nothing was stored. Please try again."
        )

    def _update_cycle(self, cycle_id: str | UUID, command: Callable[[BudgetCycle], R]) -> R:
        return self._update(cycle_id, BudgetCycle, "budget cycle", command)

    # ---- cycles ----------------------------------------------------------------------------

    def create_cycle(self, name: str, municipality: str, actor: str,
                     predecessor_id: str | UUID | None = None,
                     currency: str | None = None) -> UUID:
        """`currency`: the ISO 4217 code of the cycle's money (SEK when not given; a
        successor's is its predecessor's)."""
        predecessor = self.cycle(predecessor_id) if predecessor_id is not None else None
        successors = ([self.cycle(i) for i in self.successor_ids(predecessor.id)]
                      if predecessor is not None else [])
        cycle = BudgetCycle.create(name, municipality, actor, predecessor, successors,
                                   currency=currency)
        try:
            self.save(cycle)
        except IntegrityError:
            # Its id is derived from the predecessor's: another successor was made meanwhile.
            raise Conflict("Another successor of this cycle was created at the same moment; "
                           "nothing was stored.") from None
        return cycle.id

    def _cycles(self) -> list[tuple[UUID, str | None]]:
        """Every cycle created, oldest first, with its predecessor's id: the log is read once,
        then only what it gained since (not a voting day's million ballots for every list)."""
        with self._cycles_lock:
            # Positions up to the head are all visible once the head is (the library commits
            # in position order), so the next read starts after it.
            head = self.recorder.max_notification_id() or 0
            start = self._cycles_read_to + 1
            while start <= head:
                page = self.recorder.select_notifications(start, PAGE, stop=head,
                                                          topics=[CYCLE_CREATED])
                for notification in page:
                    event: Any = self.mapper.to_domain_event(notification)
                    self._cycles_created.append(
                        (event.originator_id, getattr(event, "predecessor_id", None)))
                if len(page) < PAGE:
                    break
                start = page[-1].id + 1
            self._cycles_read_to = max(self._cycles_read_to, head)
            return list(self._cycles_created)

    def cycle_ids(self) -> list[UUID]:
        return [cycle_id for cycle_id, _ in self._cycles()]

    def successor_ids(self, cycle_id: str | UUID) -> list[UUID]:
        """The cycles created as successors of this one, oldest first."""
        wanted = str(_uuid(cycle_id, "budget cycle"))
        return [cycle for cycle, predecessor in self._cycles() if predecessor == wanted]

    def record_decision(self, cycle_id: str | UUID, body: str, on: str, reference: str,
                        actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.record_decision(body, on, reference, actor))

    def add_area(self, cycle_id: str | UUID, area: Mapping[str, Any], actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.add_area(area, actor))

    def change_area(self, cycle_id: str | UUID, area: Mapping[str, Any], actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.change_area(area, actor))

    def remove_area(self, cycle_id: str | UUID, area_id: str, actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.remove_area(area_id, actor))

    def set_voting_rule(self, cycle_id: str | UUID, rule: Mapping[str, Any], actor: str,
                        allow_ballot_changes: bool = False) -> None:
        self._update_cycle(
            cycle_id, lambda c: c.set_voting_rule(rule, actor, allow_ballot_changes)
        )

    def set_allocation_rule(self, cycle_id: str | UUID, rule: str, actor: str,
                            threshold: int | None = None, tie_break: str | None = None) -> None:
        self._update_cycle(
            cycle_id, lambda c: c.set_allocation_rule(rule, actor, threshold, tie_break))

    def set_timeline(self, cycle_id: str | UUID, timeline: Mapping[str, str], actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.set_timeline(timeline, actor))

    def record_adoption(self, cycle_id: str | UUID, body: str, on: str, reference: str,
                        actor: str) -> None:
        self._update_cycle(cycle_id, lambda c: c.record_adoption(body, on, reference, actor))

    def record_evaluation(self, cycle_id: str | UUID, report: str, actor: str,
                          participants: int | None = None, url: str | None = None,
                          reason: str | None = None) -> None:
        self._update_cycle(
            cycle_id, lambda c: c.record_evaluation(report, actor, participants, url, reason)
        )

    # ---- phase transitions -----------------------------------------------------------------

    def proposal_facts(self, cycle_id: str | UUID) -> ProposalFacts:
        proposals = self.proposals(cycle_id)
        return ProposalFacts(
            unreviewed=sum(1 for p in proposals if p.status == ProposalStatus.SUBMITTED),
            areas_with_feasible=frozenset(p.area for p in proposals if p.on_ballot),
        )

    def transitions(self, cycle_id: str | UUID) -> list[TriggerStatus]:
        """Every trigger from the cycle's phase, allowed or with the guards that refuse it: what
        `GET .../transitions` shows and every refusal's "allowed now" lists."""
        cycle = self.cycle(cycle_id)
        return cycle.transitions_now(self.proposal_facts(cycle.id))

    def explained(self, error: PhaseError) -> PhaseError:
        """A refusal by the phase, listing as allowed now exactly what `transitions` allows
        (the domain refuses knowing the cycle alone; the guards of open_voting look at its
        proposals too)."""
        if error.cycle_id is None:
            return error
        try:
            cycle = self.cycle(error.cycle_id)
        except NotFound:
            return error
        if cycle.phase != error.phase:  # it moved on since: the refusal stands as given
            return error
        allowed = [s.trigger for s in cycle.transitions_now(self.proposal_facts(cycle.id))
                   if s.allowed]
        return error if tuple(allowed) == error.allowed else error.with_allowed(allowed)

    def trigger(self, cycle_id: str | UUID, trigger: str, actor: str, reason: str = "") -> Phase:
        """Fire a trigger; publish_results computes the tally and records it in the event."""

        def fire(cycle: BudgetCycle) -> Phase:
            facts = self.proposal_facts(cycle.id)
            if trigger == "publish_results" and cycle.phase is Phase.COUNTING:
                cycle.publish_results(self.tally(cycle), actor, reason, facts)
            else:
                cycle.trigger(trigger, actor, reason, facts)
            return cycle.phase

        return self._update_cycle(cycle_id, fire)

    # ---- proposals -------------------------------------------------------------------------

    def proposal_ids(self, cycle_id: str | UUID) -> list[UUID]:
        """The cycle's proposals in the order they were submitted."""
        return self.cycle_index.select_cycle_members(_uuid(cycle_id, "budget cycle"),
                                                     [PROPOSAL])

    def proposals(self, cycle_id: str | UUID) -> list[Proposal]:
        return [self.proposal(i) for i in self.proposal_ids(cycle_id)]

    def submit_proposal(self, cycle_id: str | UUID, area: str, title: str, description: str,
                        estimated_cost: object, category: str, proposer: str,
                        place: object = None, source: dict[str, str] | None = None) -> UUID:
        """`proposer` is the resident's identity; only its pseudonym is stored. `source`: an
        imported project's row from its file (service/pabulib_cycles.py)."""
        cycle = self.cycle(cycle_id)
        cycle.require_phase("submit_proposal")
        cycle.area(area)
        proposal = Proposal.submit(
            str(cycle.id), area, title, description, estimated_cost, category,
            self.proposer_pseudonym(proposer), place, source,
        )
        self.save(proposal)
        return proposal.id

    def keyed_digest(self, purpose: str, text: str | bytes) -> str:
        """A hash of `text` keyed by the deployment secret: nobody without the secret can
        test a guess of what went in (idempotency records, ADR 0008)."""
        data = text.encode() if isinstance(text, str) else text
        return hmac.new(self._secret, purpose.encode() + b"\x1f" + data,
                        hashlib.sha256).hexdigest()

    def proposer_pseudonym(self, identity: str) -> str:
        """Deployment-wide (a proposer follows their ideas from year to year), from the
        canonical personnummer when the identity is one, so every way of writing it is one
        proposer (the 12-digit form gives the pseudonym it always gave)."""
        with contextlib.suppress(InvalidInput):  # else an identity provider's opaque subject
            identity = parse_identity(identity, datetime.now(UTC).date()).canonical
        return pseudonym(self._secret, identity, purpose="proposer")

    def _update_proposal(self, proposal_id: str | UUID, phase_command: str,
                         command: Callable[[Proposal, BudgetCycle], R]) -> R:
        def run(proposal: Proposal) -> R:
            cycle = self.cycle(proposal.cycle_id)
            cycle.require_phase(phase_command)
            return command(proposal, cycle)

        return self._update(proposal_id, Proposal, "proposal", run)

    def review_proposal(self, proposal_id: str | UUID, feasible: object, official_cost: object,
                        reason: object, actor: str, as_published: bool = False) -> None:
        """`as_published`: an imported election's project, feasible at the cost its file gives
        even beyond the budget (service/pabulib_cycles.py); otherwise a feasible proposal's
        cost fits in its area's budget."""

        def review(proposal: Proposal, cycle: BudgetCycle) -> None:
            area = cycle.area(proposal.area)
            if as_published:
                proposal.review(feasible, official_cost, reason, actor)
            else:
                proposal.review(feasible, official_cost, reason, actor, area.budget, area.name,
                                cycle.currency)

        self._update_proposal(proposal_id, "review_proposal", review)

    def merge_proposal(self, proposal_id: str | UUID, into: str | UUID, reason: object,
                       actor: str) -> None:
        target = self.proposal(into)
        self._update_proposal(
            proposal_id, "merge_proposal", lambda p, _: p.merge_into(target, reason, actor)
        )

    def undo_merge(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self._update_proposal(
            proposal_id, "undo_merge", lambda p, _: p.undo_merge(reason, actor)
        )

    def withdraw_proposal(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self._update_proposal(
            proposal_id, "withdraw_proposal", lambda p, _: p.withdraw(reason, actor)
        )

    def _selected(self, proposal: Proposal, cycle: BudgetCycle) -> bool:
        results = cycle.results or {}
        area = results.get("areas", {}).get(proposal.area, {})
        return str(proposal.id) in area.get("selected", [])

    def report_progress(self, proposal_id: str | UUID, percent: object, note: object,
                        spent: object, actor: str, explanation: object = None) -> None:
        self._update_proposal(
            proposal_id, "report_progress",
            lambda p, c: p.report_progress(percent, note, spent, actor, self._selected(p, c),
                                           explanation, c.currency),
        )

    def complete_proposal(self, proposal_id: str | UUID, note: object, spent: object,
                          actor: str, explanation: object = None) -> None:
        self._update_proposal(
            proposal_id, "report_progress",
            lambda p, c: p.complete(note, spent, actor, self._selected(p, c), explanation,
                                    c.currency),
        )

    def abandon_proposal(self, proposal_id: str | UUID, reason: object, actor: str) -> None:
        self._update_proposal(
            proposal_id, "report_progress",
            lambda p, c: p.abandon(reason, actor, self._selected(p, c)),
        )

    # ---- ballots ---------------------------------------------------------------------------

    def counted_ballots(self, cycle_id: str | UUID) -> list[CountedBallot]:
        """The latest content of every ballot of the cycle, in ballot-id order."""
        wanted = str(_uuid(cycle_id, "budget cycle"))
        ballots: dict[UUID, CountedBallot] = {}
        # A cast ballot stored as plain JSON is read from it directly, as the projections read
        # it (projections/stored_ballot.py); anything else through the mapper (upcasting).
        plain = reads_plain_json(self.mapper)
        for notification in self._cycle_notifications(wanted, 0, [BALLOT_CAST, BALLOT_CHANGED]):
            if plain and notification.topic == BALLOT_CAST:
                cast = cast_ballot(notification)
                if cast is not None:
                    if cast.cycle_id == wanted:
                        data = cast.data
                        ballots[as_uuid(notification.originator_id)] = CountedBallot(
                            cast.originator_id, cast.area, tuple(data["selections"]),
                            tuple(data["points"]) if data.get("points") is not None else None)
                    continue
            event: Any = self.mapper.to_domain_event(notification)
            if isinstance(event, Ballot.Cast):  # type: ignore[attr-defined]
                if event.cycle_id == wanted:
                    ballots[event.originator_id] = CountedBallot(
                        str(event.originator_id), event.area, tuple(event.selections),
                        tuple(event.points) if event.points is not None else None,
                    )
            elif event.originator_id in ballots:
                before = ballots[event.originator_id]
                ballots[event.originator_id] = CountedBallot(
                    before.id, before.area, tuple(event.selections),
                    tuple(event.points) if event.points is not None else None,
                )
        return [ballots[k] for k in sorted(ballots, key=str)]

    # ---- history -----------------------------------------------------------------------------

    def cycle_member_ids(self, cycle_id: str | UUID) -> set[UUID]:
        """The cycle and every proposal, ballot and roll mark that belongs to it."""
        the_id = _uuid(cycle_id, "budget cycle")
        return {the_id, *self.cycle_index.select_cycle_members(the_id)}

    def _cycle_notifications(self, cycle_id: str | UUID, after: int,
                             topics: Sequence[str] = (), chunk: int = PAGE) -> Iterator[Any]:
        """The stored events of the cycle and its members after position `after`, in store
        order, read through the cycle index `chunk` at a time."""
        the_id = _uuid(cycle_id, "budget cycle")
        while True:
            page = self.cycle_index.select_cycle_notifications(the_id, after, chunk, topics)
            yield from page
            if len(page) < chunk:
                return
            after = page[-1].id

    def iter_cycle_events(self, cycle_id: str | UUID, after: int = 0, chunk: int = PAGE,
                          ) -> Iterator[dict[str, Any]]:
        """Every event of the cycle, its proposals and its ballots, in store order, ballot
        contents and all: auditors read them through service/audit_export.py, which seals
        them while the cycle votes. Read `chunk` events at a time (a page's size, say)."""
        for notification in self._cycle_notifications(cycle_id, after, chunk=chunk):
            yield self._event_record(notification)

    def _event_record(self, notification: Any) -> dict[str, Any]:
        event = self.mapper.to_domain_event(notification)
        return {
            "position": notification.id, "topic": notification.topic,
            "originator_id": event.originator_id, "originator_version": event.originator_version,
            # The data as the audit chain covers it, the same function as the projection's.
            "timestamp": getattr(event, "timestamp", None), "data": event_data(event),
        }

    # ---- counting --------------------------------------------------------------------------

    def tally(self, cycle: BudgetCycle) -> dict[str, Any]:
        areas = cycle.area_rules()
        proposals = [
            CountedProposal(str(p.id), p.area, p.title, p.cost, p.tie_id)
            for p in self.proposals(cycle.id) if p.on_ballot
        ]
        return tally(areas, proposals, self.counted_ballots(cycle.id), cycle.currency)
