"""What the application answers without changing anything: the aggregates as they are now,
the cycles and their members, the counted ballots and the tally, the history an auditor reads.

Commands (service/commands.py) read through these too; nothing here saves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from domain.audit import event_data
from domain.ballot import Ballot, RollMark
from domain.cycle import BudgetCycle, ProposalFacts
from domain.cycle_tally import CountedBallot, CountedProposal, WinnerException, tally
from domain.documents import Results
from domain.errors import NotFound, PhaseError
from domain.phases import TriggerStatus
from domain.proposal import Proposal
from domain.proposal_states import ProposalStatus
from domain.support_round import SupportCount
from projections.stored_ballot import cast_ballot, reads_plain_json
from service.cycle_index import PROPOSAL, CycleIndex, as_id, as_uuid

A = TypeVar("A", bound=Aggregate)

CYCLE_CREATED = BudgetCycle.Created.TOPIC  # type: ignore[attr-defined]
PROPOSAL_SUBMITTED = Proposal.Submitted.TOPIC  # type: ignore[attr-defined]
BALLOT_CAST = Ballot.Cast.TOPIC  # type: ignore[attr-defined]
BALLOT_CHANGED = Ballot.Changed.TOPIC  # type: ignore[attr-defined]
ROLL_MARKED = RollMark.Marked.TOPIC  # type: ignore[attr-defined]
PAGE = 1000


class Queries(Application[UUID]):
    """The reading half of the application (Medborgarbudget, service/application.py)."""

    # Set up by Medborgarbudget.__init__.
    cycle_index: CycleIndex
    # The cycles created so far (id, predecessor), and the log position read up to.
    _cycles_lock: threading.Lock
    _cycles_created: list[tuple[UUID, str | None]]
    _cycles_read_to: int

    # ---- aggregates --------------------------------------------------------------------------

    def _get(self, aggregate_id: str | UUID, kind: type[A], what: str) -> A:
        try:
            aggregate: Aggregate = self.repository.get(as_id(aggregate_id, what))
        except AggregateNotFoundError:
            raise NotFound(f"No {what} '{aggregate_id}'.") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"No {what} '{aggregate_id}'.")
        return aggregate

    def cycle(self, cycle_id: str | UUID) -> BudgetCycle:
        return self._get(cycle_id, BudgetCycle, "budget cycle")

    def proposal(self, proposal_id: str | UUID) -> Proposal:
        return self._get(proposal_id, Proposal, "proposal")

    # ---- cycles ------------------------------------------------------------------------------

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
        wanted = str(as_id(cycle_id, "budget cycle"))
        return [cycle for cycle, predecessor in self._cycles() if predecessor == wanted]

    # ---- phase transitions -----------------------------------------------------------------

    def proposal_facts(self, cycle_id: str | UUID) -> ProposalFacts:
        proposals = self.proposals(cycle_id)
        return ProposalFacts(
            unreviewed=sum(1 for p in proposals if p.status == ProposalStatus.SUBMITTED),
            areas_with_feasible=frozenset(p.area for p in proposals if p.on_ballot),
            supports=tuple(SupportCount(str(p.id), p.area, p.supports)
                           for p in proposals if p.on_ballot),
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

    # ---- proposals -------------------------------------------------------------------------

    def proposal_ids(self, cycle_id: str | UUID) -> list[UUID]:
        """The cycle's proposals in the order they were submitted."""
        return self.cycle_index.select_cycle_members(as_id(cycle_id, "budget cycle"),
                                                     [PROPOSAL])

    def proposals(self, cycle_id: str | UUID) -> list[Proposal]:
        return [self.proposal(i) for i in self.proposal_ids(cycle_id)]

    # ---- ballots ---------------------------------------------------------------------------

    def counted_ballots(self, cycle_id: str | UUID) -> list[CountedBallot]:
        """The latest content of every ballot of the cycle, in ballot-id order."""
        wanted = str(as_id(cycle_id, "budget cycle"))
        ballots: dict[UUID, CountedBallot] = {}
        # A cast ballot stored as plain JSON is read from it directly, as the projections read
        # it (projections/stored_ballot.py); anything else through the mapper (upcasting).
        plain = reads_plain_json(self.mapper)
        for notification in self._cycle_notifications(wanted, 0, [BALLOT_CAST, BALLOT_CHANGED]):
            if plain and notification.topic == BALLOT_CAST:
                cast = cast_ballot(notification)
                if cast is not None:
                    if cast.cycle_id == wanted:
                        ballots[as_uuid(notification.originator_id)] = CountedBallot(
                            cast.originator_id, cast.area, cast.selections, cast.points)
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
        the_id = as_id(cycle_id, "budget cycle")
        return {the_id, *self.cycle_index.select_cycle_members(the_id)}

    def _cycle_notifications(self, cycle_id: str | UUID, after: int,
                             topics: Sequence[str] = (), chunk: int = PAGE) -> Iterator[Any]:
        """The stored events of the cycle and its members after position `after`, in store
        order, read through the cycle index `chunk` at a time."""
        the_id = as_id(cycle_id, "budget cycle")
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

    def tally(self, cycle: BudgetCycle, known: Sequence[CountedBallot] | None = None,
              exceptions: Sequence[WinnerException] | None = None) -> Results:
        """The cycle's tally, with the exceptions to its winners recorded so far (or those
        given: BudgetCycle.amend_winners recounts with a new one). `known` (the ballots an
        import stored, ADR 0016) is counted instead of reading every ballot back only when the
        store holds as many ballot events of the cycle as it has ballots: the known ones are
        stored, so then they are all there is (a ballot cast or changed by anyone else makes
        the counts differ)."""
        proposals = [
            CountedProposal(str(p.id), p.area, p.title, p.cost, p.tie_id)
            for p in self.proposals(cycle.id) if cycle.on_ballot(p)
        ]
        if known is not None and self.cycle_index.count_cycle_events(
                cycle.id, [BALLOT_CAST, BALLOT_CHANGED]) == len(known):
            ballots = sorted(known, key=lambda b: b.id)
        else:
            ballots = self.counted_ballots(cycle.id)
        return tally(cycle.area_rules(), proposals, ballots, cycle.currency,
                     cycle.exceptions() if exceptions is None else exceptions,
                     cycle.incompatible_pairs())
