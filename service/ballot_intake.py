"""Every ballot enters the event store here, from whichever channel it came.

A resident's own ballot (the API route, the lean ASGI lane, the web form) and its change; a
voter marked in a station's roll and, later, the station's box entered without identity; and
the ballots of an imported election. The rules of who may cast what live in the domain
(domain/ballot.py, domain/cycle.py, domain/areas.py, domain/identity.py); this module decides
with them and stores the outcome so that:

- one person holds one ballot per area whatever the channel or the way the personnummer was
  written: the identity is reduced to its canonical form, then to a pseudonym keyed by the
  deployment secret and the cycle, and the ballot's (or roll mark's) id is derived from it, so
  the store refuses the second;
- nothing is stored after voting closes: each ballot is decided on the cycle as this process
  last loaded it, and the write transaction itself checks that the cycle has not changed since
  (service/recorders.py); if it has, the ballot is decided again on the cycle as it is now;
- the ballot event holds only what a recount and an eligibility audit need (ADR 0004).

Ballots cast at the same moment are written together (service/group_commit.py).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain.ballot import Ballot, BallotCaster, BallotTerms, RollMark, ballot_id, station_name
from domain.cycle import BudgetCycle
from domain.cycle_tally import CountedBallot
from domain.errors import Conflict, DomainError, DuplicateBallot, InvalidInput, NotFound
from domain.identity import parse_identity
from domain.phases import Phase
from domain.pot_cap import PotPlace, next_place, place_id
from domain.pseudonym import PER_CYCLE, cycle_pseudonym, cycle_pseudonymiser, pseudonym
from domain.receipts import new_receipt_code, receipt_digest
from service.cast_encoding import cast_encoder
from service.config import IDENTITY_KINDS, OPAQUE, PERSONNUMMER
from service.cycle_index import as_id
from service.group_commit import GroupCommit, StaleRead
from service.recorders import IdempotencyRecord, RecordFor, StaleAggregates, Unchanged

if TYPE_CHECKING:
    from service.application import Medborgarbudget

MAX_ATTEMPTS = 8
R = TypeVar("R")
ROLL_MARKED = RollMark.Marked.TOPIC  # type: ignore[attr-defined]
PAGE = 1000
# Imported ballots written in one transaction: fewer, larger commits (issue #14, ADR 0016).
IMPORT_CHUNK = 20_000
# On PostgreSQL as before: one insert of 20 000 events (8 MB of parameters) hung in psycopg's
# pure-Python pipeline (the server waiting to read, the client to be answered).
POSTGRES_IMPORT_CHUNK = 5_000


@dataclass(frozen=True)
class Voter:
    """Who is voting, as the identity provider (or a station's roll) says. `identity` is
    reduced to a pseudonym before anything is stored; birth date and residence are used only to
    check eligibility and are never stored."""

    identity: str
    birth_date: date | None = None
    residence: str | None = None
    works_in: str | None = None  # where they work, for an area that accepts it


@dataclass(frozen=True)
class CastBallot:
    cycle_id: str | UUID
    area: str
    voter: Voter
    selections: Sequence[str]
    points: Sequence[int] | None = None


@dataclass(frozen=True)
class ChangeBallot(CastBallot):
    """The voter's new choices for the ballot they cast in the area."""


@dataclass(frozen=True)
class MarkInRoll:
    cycle_id: str | UUID
    area: str
    station: str
    voter: Voter


@dataclass(frozen=True)
class BoxBallot:
    selections: Sequence[str]
    points: Sequence[int] | None = None


@dataclass(frozen=True)
class EnterPaperBallots:
    cycle_id: str | UUID
    area: str
    station: str
    ballots: Sequence[BoxBallot]
    actor: str


@dataclass(frozen=True)
class ImportedBallot:
    """A ballot registered outside this system, e.g. read from a Pabulib file: `identity` is
    the file's voter id, not a person's number."""

    identity: str
    selections: Sequence[str]
    points: Sequence[int] | None = None
    channel: str = "digital"


@dataclass(frozen=True)
class BallotStored:
    """A resident's ballot was stored (or changed): the receipt code is shown to them once and
    kept nowhere but as a digest in the ballot event."""

    cycle_id: UUID
    area: str
    receipt: str | None  # None for a change: the first receipt still proves inclusion
    position: int | None


@dataclass(frozen=True)
class VoterMarked:
    cycle_id: UUID
    area: str
    station: str
    position: int | None


@dataclass(frozen=True)
class BoxEntered:
    cycle_id: UUID
    area: str
    station: str
    entered: int
    position: int | None


# An answer to keep with a keyed request, made from the outcome once its position is known.
Respond = Callable[[BallotStored], tuple[int, bytes]]


def position_of(recordings: Sequence[Any]) -> int | None:
    """The log position of the last of `recordings` (None if the store gives none)."""
    positions = [r.notification.id for r in recordings if r.notification is not None]
    return max(positions) if positions else None


def _today() -> date:
    return datetime.now(UTC).date()


class BallotIntake:
    def __init__(self, app: Medborgarbudget, secret: bytes, identities: str = PERSONNUMMER,
                 ) -> None:
        if identities not in IDENTITY_KINDS:
            raise ValueError(f"identities must be one of {', '.join(IDENTITY_KINDS)}")
        self._app = app
        self._secret = secret
        self.identities = identities
        # Once voting is open no proposal can change, so what a ballot may name is fixed.
        self._options: dict[tuple[UUID, str], dict[str, int]] = {}
        self._options_lock = threading.Lock()
        self._snapshots: dict[UUID, BudgetCycle] = {}
        self._group_commit = GroupCommit(
            lambda events, unchanged, records: app.events.put(
                list(events), unchanged=unchanged, records=records))

    def close(self) -> None:
        self._group_commit.close()

    # ---- who is voting ---------------------------------------------------------------------

    def _identity(self, voter: Voter, field: str, today: date) -> tuple[str, date | None]:
        """The canonical identity and the birth date it tells (a personnummer does)."""
        if self.identities == OPAQUE:
            text = voter.identity.strip()
            if not text or len(text) > 200:
                raise InvalidInput(field, "must be the identity provider's subject")
            return text, voter.birth_date
        number = parse_identity(voter.identity, today, field)
        return number.canonical, number.birth_date

    def _pseudonym(self, cycle: BudgetCycle, canonical: str, raw: str) -> str:
        if cycle.pseudonyms == PER_CYCLE:
            return cycle_pseudonym(self._secret, str(cycle.id), canonical)
        # A cycle created before per-cycle keying keeps the pseudonyms its ballots carry.
        return pseudonym(self._secret, raw, purpose="voter")

    def _voter_key(self, cycle: BudgetCycle, area_id: str, voter: Voter,
                   field: str = "identity") -> str:
        """The voter's pseudonym in this cycle, once they are found eligible for the area."""
        return self._pseudonym(cycle, self._eligible_identity(cycle, area_id, voter, field),
                               voter.identity)

    def eligible_pseudonym(self, cycle: BudgetCycle, area_id: str, voter: Voter,
                           purpose: str) -> str:
        """The voter's pseudonym in this cycle for `purpose` (never "voter": that one keys
        their ballot), once they are found eligible to vote in the area."""
        if purpose == "voter":
            raise ValueError("the voter pseudonym keys a ballot; use another purpose")
        canonical = self._eligible_identity(cycle, area_id, voter, "identity")
        return cycle_pseudonym(self._secret, str(cycle.id), canonical, purpose=purpose)

    def _eligible_identity(self, cycle: BudgetCycle, area_id: str, voter: Voter,
                           field: str = "identity") -> str:
        """The voter's canonical identity, once they are found eligible to vote in the area;
        never stored, only pseudonymised."""
        area = cycle.area(area_id)
        today = _today()
        canonical, born = self._identity(voter, field, today)
        if voter.birth_date is not None and born is not None and voter.birth_date != born \
                and self.identities == PERSONNUMMER:
            raise InvalidInput("birth_date", "does not match the personnummer")
        refusal = cycle.eligibility_refusal(area_id, voter.birth_date or born, voter.residence,
                                            today, voter.works_in)
        if refusal:
            raise InvalidInput("area", f"not eligible to vote in '{area.name}': {refusal}")
        return canonical

    def ballot_id_of(self, cycle: BudgetCycle, area_id: str, voter: Voter) -> UUID:
        """The id the voter's ballot (or roll mark) in the area has, if they have one."""
        canonical, _ = self._identity(voter, "identity", _today())
        return ballot_id(str(cycle.id), area_id, self._pseudonym(cycle, canonical,
                                                                 voter.identity))

    # ---- what a ballot may name ------------------------------------------------------------

    def terms(self, cycle: BudgetCycle, area_id: str) -> BallotTerms:
        """What a ballot of the area is checked against (the options from the cache)."""
        return BallotTerms(cycle.voting_rule_for(area_id), self.options(cycle, area_id),
                           cycle.area(area_id).budget, cycle.currency)

    def options(self, cycle: BudgetCycle, area_id: str) -> dict[str, int]:
        """The proposals on an area's ballot, with their official cost."""
        key = (cycle.id, area_id)
        cached = self._options.get(key)
        if cached is not None:
            return cached
        with self._options_lock:  # the first ballots of a vote arrive together: load once
            cached = self._options.get(key)
            if cached is not None:
                return cached
            options = {str(p.id): p.cost for p in self._app.proposals(cycle.id)
                       if p.area == area_id and cycle.on_ballot(p)}
            if cycle.phase in (Phase.VOTING, Phase.COUNTING):
                self._options[key] = options
            return options

    # ---- the cycle as last loaded ----------------------------------------------------------

    def _snapshot(self, cycle_id: str | UUID, fresh: bool = False) -> BudgetCycle:
        """The cycle as this process last loaded it; `fresh` loads it from the store first. A
        snapshot is never changed once made (a newer one replaces it), so threads can share
        it; whether it is still current is checked in the transaction that writes."""
        the_id = as_id(cycle_id, "budget cycle")
        if not fresh:
            cycle = self._snapshots.get(the_id)
            if cycle is not None:
                return cycle
        cycle = self._app.cycle(the_id)  # a copy of its own
        self._snapshots[the_id] = cycle
        return cycle

    @staticmethod
    def _unchanged(cycle: BudgetCycle) -> Unchanged:
        return Unchanged(cycle.id, cycle.version)

    # ---- a resident's own ballot -----------------------------------------------------------

    def _decide(self, cycle: BudgetCycle, command: CastBallot,
                ) -> tuple[list[Aggregate], str]:
        cycle.require_phase("cast_digital_ballot")
        voter = self._voter_key(cycle, command.area, command.voter)
        code = new_receipt_code()
        ballot = Ballot.cast(str(cycle.id), command.area, voter, command.selections,
                             command.points, self.terms(cycle, command.area),
                             receipt=receipt_digest(code))
        return [ballot, *self._place(cycle, command.area, voter)], code

    # ---- the cap on pots per voter (domain/pot_cap.py, ADR 0025) ---------------------------

    @staticmethod
    def _capped(cycle: BudgetCycle, area: str) -> bool:
        cap = cycle.pot_cap
        return cap is not None and cap.counts(area)

    def _place(self, cycle: BudgetCycle, area: str, voter: str) -> list[Aggregate]:
        """The place a ballot (or roll mark) of `voter` in `area` takes under the cycle's cap,
        written in the ballot's transaction; none when the area is not counted. Refuses when
        every place is taken, naming the pots they were taken in."""
        cap = cycle.pot_cap
        if cap is None or not cap.counts(area):
            return []
        taken = self._places_taken(cycle, voter, cap.max_pots)
        if area in taken.values():
            raise DuplicateBallot(area)
        names = {a.id: a.name for a in cycle.areas.values()}
        number = next_place(cap, taken, area, names)
        assert number is not None  # the area counts
        return [PotPlace.take(str(cycle.id), voter, number, area)]

    def _places_taken(self, cycle: BudgetCycle, voter: str, max_pots: int) -> dict[int, str]:
        """The voter's places already taken (number -> area); read before the write, so a
        place taken meanwhile makes the write fail on the place's id, never pass."""
        taken: dict[int, str] = {}
        for number in range(1, max_pots + 1):
            stored = self._app.recorder.select_events(place_id(str(cycle.id), voter, number),
                                                      limit=1)
            if stored:
                event: Any = self._app.mapper.to_domain_event(stored[0])
                taken[number] = event.area
        return taken

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self._app.recorder.select_events(aggregate_id, limit=1))

    def cast(self, command: CastBallot, keyed: IdempotencyRecord | None = None,
             respond: Respond | None = None) -> BallotStored:
        """Store one ballot; a second one for the same voter and area is refused by the store.
        With `keyed` (and `respond`), the request's idempotency record and its answer are
        written in the same transaction."""
        cycle, recordings, code = self._decided_and_written(
            command.cycle_id, command.area, lambda c: self._decide(c, command),
            lambda c, code: _answered(keyed, respond, c.id, command.area, code))
        return BallotStored(cycle.id, command.area, code, position_of(recordings))

    def _decided_and_written(
        self, cycle_id: str | UUID, area: str,
        decide: Callable[[BudgetCycle], tuple[list[Aggregate], R]],
        record: Callable[[BudgetCycle, R], IdempotencyRecord | None],
    ) -> tuple[BudgetCycle, Sequence[Any], R]:
        """Decide on the cycle as last loaded and write through the group commit, checked in
        the transaction against that cycle; if it is old, decide again on the cycle as it is
        now. A store conflict means the voter already has a ballot in the area, or (in a
        capped cycle) that another of their ballots took the place this one was to take: then
        it is decided again, on the places as they are now."""
        cycle, fresh = self._snapshot(cycle_id), False
        for _ in range(MAX_ATTEMPTS):
            try:
                decided, extra = decide(cycle)
            except DomainError:
                if fresh:
                    raise
                # Refused on the snapshot: perhaps only because it is old (voting has opened
                # since). Decide again on the cycle as it is now before refusing anyone.
                cycle, fresh = self._snapshot(cycle.id, fresh=True), True
                continue
            try:
                recordings = self._group_commit.commit(
                    [e for aggregate in decided for e in aggregate.collect_events()],
                    self._unchanged(cycle), record(cycle, extra))
            except StaleRead:
                cycle, fresh = self._snapshot(cycle.id, fresh=True), True
                continue
            except IntegrityError:
                if len(decided) > 1 and not self._exists(decided[0].id):
                    continue  # only the place was taken meanwhile: decide on the places now
                raise DuplicateBallot(area) from None
            return cycle, recordings, extra
        raise Conflict(f"The budget cycle changed {MAX_ATTEMPTS} times while this was being "
                       "stored; nothing was stored. Please try again.")

    def cast_without_waiting(self, command: CastBallot,
                             done: Callable[[BallotStored | BaseException], None]) -> bool:
        """`cast` for a caller that must not block (the server's event loop): decided on the
        cycle as last loaded and handed to the group commit, which calls `done` from its own
        thread with the stored ballot, or with DuplicateBallot, StaleRead or the store's error.
        False, with nothing done, when deciding would need the store (nothing loaded yet) or
        the ballot is refused on what was loaded (it may be old): then use `cast`, which
        decides on the cycle as it is now, and refuses clearly."""
        try:
            cycle = self._snapshots.get(as_id(command.cycle_id, "budget cycle"))
        except NotFound:
            return False
        if cycle is None or (cycle.id, command.area) not in self._options \
                or self._capped(cycle, command.area):
            return False  # a capped area's places are read from the store: `cast` does
        try:
            decided, code = self._decide(cycle, command)
        except DomainError:
            return False

        def stored(outcome: Sequence[Any] | BaseException) -> None:
            if isinstance(outcome, IntegrityError):
                done(DuplicateBallot(command.area))
            elif isinstance(outcome, BaseException):
                done(outcome)
            else:
                done(BallotStored(cycle.id, command.area, code, position_of(outcome)))

        (ballot,) = decided
        self._group_commit.submit(ballot.collect_events(), self._unchanged(cycle), stored)
        return True

    def change(self, command: ChangeBallot) -> BallotStored:
        """A digital voter changes their ballot before voting closes, if the cycle allows."""
        for _ in range(MAX_ATTEMPTS):
            cycle = self._snapshot(command.cycle_id, fresh=True)
            cycle.require_phase("cast_digital_ballot")
            voter = self._voter_key(cycle, command.area, command.voter)
            ballot = self._own_ballot(ballot_id(str(cycle.id), command.area, voter))
            ballot.change(command.selections, command.points, self.terms(cycle, command.area),
                          cycle.allow_ballot_changes)
            try:
                recordings = self._app.save(ballot, unchanged=[self._unchanged(cycle)])
            except (StaleAggregates, IntegrityError):
                continue  # the cycle or the ballot changed meanwhile: decide again
            return BallotStored(cycle.id, command.area, None, position_of(recordings))
        raise Conflict(f"The ballot or its cycle changed {MAX_ATTEMPTS} times while the change "
                       "was being made; nothing was stored. Please try again.")

    def _own_ballot(self, the_id: UUID) -> Ballot:
        try:
            found: Any = self._app.repository.get(the_id)
        except Exception as error:
            if type(error).__name__ == "AggregateNotFoundError":
                raise NotFound("You have no ballot in this area to change.") from None
            raise
        if isinstance(found, RollMark):
            raise Conflict("You voted on paper at a voting station; a paper ballot cannot be "
                           "changed digitally.")
        if not isinstance(found, Ballot):
            raise NotFound("You have no ballot in this area to change.")
        return found

    # ---- paper: the roll and the box ---------------------------------------------------

    def mark_in_roll(self, command: MarkInRoll, keyed: IdempotencyRecord | None = None,
                     ) -> VoterMarked:
        """An official marks a paper voter in the station's roll: identity checked, refused if
        the person already voted in the area in any channel; their later digital ballot is
        refused too (the mark has the id their ballot would have). `keyed`: the request's
        idempotency record, written in the mark's transaction."""
        if self.identities != PERSONNUMMER:
            raise Conflict("Paper voting needs voters identified by personnummer, so that a "
                           "paper voter can be told from one who voted digitally; this "
                           "deployment identifies residents by an opaque subject.")
        station = station_name(command.station)

        def decide(cycle: BudgetCycle) -> tuple[list[Aggregate], None]:
            cycle.require_phase("mark_in_roll")
            voter = self._voter_key(cycle, command.area, command.voter, "voter.identity")
            mark = RollMark.mark(str(cycle.id), command.area, voter, station)
            return [mark, *self._place(cycle, command.area, voter)], None

        cycle, recordings, _ = self._decided_and_written(
            command.cycle_id, command.area, decide, lambda cycle, _: keyed)
        return VoterMarked(cycle.id, command.area, station, position_of(recordings))

    def enter_paper_ballots(self, command: EnterPaperBallots,
                            keyed: IdempotencyRecord | None = None) -> BoxEntered:
        """A station's box, entered without identity: never more ballots than the station
        marked voters in the roll for the area (the cycle records how many were entered, so
        two entries at once, or one racing the publication of results, cannot both pass).
        `keyed`: the request's idempotency record, written in the box's transaction."""
        records = [RecordFor(keyed, 0, 0)] if keyed is not None else []
        station = station_name(command.station)
        for _ in range(MAX_ATTEMPTS):
            cycle = self._app.cycle(command.cycle_id)
            cycle.require_phase("cast_paper_ballot")
            cycle.area(command.area)
            terms = self.terms(cycle, command.area)
            ballots = []
            for index, paper in enumerate(command.ballots):
                try:
                    ballots.append(Ballot.from_box(str(cycle.id), command.area, station,
                                                   paper.selections, paper.points, terms))
                except InvalidInput as error:
                    raise InvalidInput(f"ballots[{index}].{error.field}", error.reason) from None
            marked = self.marks_at(cycle.id, command.area, station)
            cycle.enter_paper_ballots(command.area, station, len(ballots), marked,
                                      command.actor)
            try:
                recordings = self._app.save(cycle, *ballots, records=records)
            except IntegrityError:
                continue  # the cycle changed meanwhile (another box, the results): again
            return BoxEntered(cycle.id, command.area, station, len(ballots),
                              position_of(recordings))
        raise Conflict(f"The budget cycle changed {MAX_ATTEMPTS} times while the box was being "
                       "entered; nothing was stored. Please try again.")

    def marks_at(self, cycle_id: UUID, area: str, station: str) -> int:
        """How many voters the station marked in its roll for the area (marks are only ever
        added, so a count read before entering a box can only be too low, never too high)."""
        index, count, after = self._app.cycle_index, 0, 0
        while True:  # the cycle's marks only, through the cycle index (ADR 0015)
            page = index.select_cycle_notifications(cycle_id, after, PAGE, [ROLL_MARKED])
            for notification in page:
                event: Any = self._app.mapper.to_domain_event(notification)
                if event.area == area and event.station == station:
                    count += 1
            if len(page) < PAGE:
                return count
            after = page[-1].id

    # ---- an election held elsewhere ------------------------------------------------------

    def import_ballots(self, cycle_id: str | UUID, area: str,
                       ballots: Iterable[ImportedBallot], chunk: int | None = None,
                       ) -> list[CountedBallot]:
        """Store ballots registered elsewhere (e.g. a Pabulib file), each checked by the same
        rules as any ballot, with a pseudonym of the file's voter id; saved in atomic chunks,
        each checked in its transaction against the cycle it was decided on (as a resident's
        ballot is). A ballot whose voter already has one in the area (the same file imported
        into the cycle again, a voter id twice) is refused by the store with its chunk.
        Returns the stored ballots as the tally counts them, so that they need not be read
        back (ADR 0016)."""
        chunk = chunk or import_chunk(self._app.recorder)
        cycle = self._snapshot(cycle_id, fresh=True)
        cycle.require_phase("cast_paper_ballot")
        the_cycle = str(cycle.id)
        # Everything that is the same for each ballot of the area is set up once (ADR 0016).
        caster = BallotCaster(the_cycle, area, self.terms(cycle, area))
        voter_of = cycle_pseudonymiser(self._secret, the_cycle, purpose="imported")
        to_stored = cast_encoder(self._app.mapper)
        unchanged = [self._unchanged(cycle)]
        pending: list[StoredEvent] = []
        counted: list[CountedBallot] = []
        with without_cycle_collection():
            for imported in ballots:
                cast: Any = caster.cast(voter_of(imported.identity), imported.selections,
                                        imported.points, imported.channel)
                pending.append(to_stored(cast))
                counted.append(CountedBallot(
                    str(cast.originator_id), area, tuple(cast.selections),
                    tuple(cast.points) if cast.points is not None else None))
                if len(pending) >= chunk:
                    self._save_imported(pending, area, unchanged)
            self._save_imported(pending, area, unchanged)
        return counted

    def _save_imported(self, events: list[StoredEvent], area: str,
                       unchanged: list[Unchanged]) -> None:
        """The events of imported ballots in one transaction, with their cycle index rows (the
        recorder's): straight to the recorder, as the group commit writes, without the
        application's per-aggregate bookkeeping (no snapshots, nothing cached)."""
        if events:
            try:
                self._app.recorder.insert_events(events, unchanged=unchanged)
            except IntegrityError:
                raise DuplicateBallot(area) from None
            except StaleAggregates:
                raise Conflict("The budget cycle changed while its ballots were being "
                               "imported; the chunk being written was not stored.") from None
        events.clear()


def import_chunk(recorder: object) -> int:
    """How many imported ballots the store writes in one transaction."""
    return IMPORT_CHUNK if isinstance(recorder, SQLiteApplicationRecorder) \
        else POSTGRES_IMPORT_CHUNK


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused: an import makes hundreds of thousands of
    small objects that live until it ends and form no cycles, and each collection would walk
    them all again, and the file's objects with them (a fifth of an import's time, and more
    of its tally's; ADR 0016). Reference counting still frees what is let go of."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _answered(keyed: IdempotencyRecord | None, respond: Respond | None, cycle_id: UUID,
              area: str, code: str) -> IdempotencyRecord | None:
    """The keyed request's record, answering with the receipt once its position is known."""
    if keyed is None or respond is None:
        return keyed

    def answer(positions: Sequence[int]) -> tuple[int, bytes]:
        return respond(BallotStored(cycle_id, area, code, max(positions) if positions else None))

    return IdempotencyRecord(keyed.scope, keyed.fingerprint, keyed.expires, answer)


__all__ = ["BallotIntake", "BallotStored", "BoxBallot", "BoxEntered", "CastBallot",
           "ChangeBallot", "EnterPaperBallots", "ImportedBallot", "MarkInRoll", "RecordFor",
           "Voter", "VoterMarked", "import_chunk", "without_cycle_collection"]
