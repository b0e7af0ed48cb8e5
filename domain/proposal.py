"""A resident's idea, from submission through review and the vote to what was built.

Which phase a command needs is the cycle's business (`BudgetCycle.require_phase`); the service
asks the cycle first. This aggregate guards its own life: a withdrawn idea cannot be reviewed, a
rejection always carries a reason for the proposer, progress only for a selected, unfinished
project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.domain import Aggregate, event

from domain import events
from domain import text as lengths
from domain.documents import Place
from domain.errors import Conflict, InvalidInput, NotFound, NotYours
from domain.money import (
    SEK,
    StoredState,
    format_money,
    kronor_to_minor,
    minor_units,
    versioned,
)
from domain.pictures import MAX_PICTURES, PictureRef, alt_text
from domain.proposal_states import CLOSED, PROPOSAL_MACHINE, ProposalStatus, ReviewedBefore
from domain.text import clean_text

STATUSES = tuple(ProposalStatus)


def _now() -> datetime:
    return datetime.now(UTC)


def _category(value: object) -> str:
    """A category's id or free text, or "" for none: which the cycle allows is its business
    (`BudgetCycle.proposal_category`)."""
    if not isinstance(value, str):
        raise InvalidInput("category", "must be text")
    return clean_text(value, "category", lengths.CATEGORY) if value.strip() else ""


def _place(value: object) -> Place | None:
    """An optional place: a name, and coordinates (WGS84) when known."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidInput("place", "must be an object with a name and optional lat/lon")
    place: Place = {"name": clean_text(value.get("name"), "place.name", lengths.NAME)}
    lat, lon = value.get("lat"), value.get("lon")
    if (lat is None) != (lon is None):
        raise InvalidInput("place", "give both lat and lon, or neither")
    if lat is not None:
        for key, number, limit in (("lat", lat, 90), ("lon", lon, 180)):
            if isinstance(number, bool) or not isinstance(number, int | float | str):
                raise InvalidInput(f"place.{key}", "must be a number")
            try:
                degrees = float(number)
            except ValueError:
                raise InvalidInput(f"place.{key}", "must be a number") from None
            if not -limit <= degrees <= limit:
                raise InvalidInput(f"place.{key}", f"must be between -{limit} and {limit}")
            # Coordinates are a location, not money: stored as a decimal string, never re-rounded.
            place["lat" if key == "lat" else "lon"] = str(number)
    return place


@dataclass
class Progress:
    percent: int
    note: str
    spent: int  # minor units (öre)
    actor: str
    at: datetime
    # Why the money spent went down (a correction) or above the cost (an overrun).
    explanation: str | None = None


class Proposal(Aggregate):
    TOPIC = events.PROPOSAL

    class Created(Aggregate.Created):
        # Never recorded (this aggregate's creation event has its own name below), but the
        # library defines it anyway and pinned topics must cover every event class.
        TOPIC = events.PROPOSAL + ".Created"

    @classmethod
    def submit(
        cls,
        cycle_id: str,
        area: str,
        title: str,
        description: str,
        estimated_cost: object,
        category: str,
        proposer: str,
        place: object = None,
        source: dict[str, str] | None = None,
    ) -> Proposal:
        """`proposer` is a pseudonym: contact details never enter the event store. `source`:
        an imported project's row as its file gave it (Pabulib PROJECTS), kept for export.
        Amounts are given in whole units (kronor, at most two decimals) and kept in öre."""
        if source is None:
            # Submitted as before `source` existed, so the stored event is unchanged.
            return cls(
                cycle_id=cycle_id, area=area, title=clean_text(title, "title", lengths.TITLE),
                description=clean_text(description, "description", lengths.DESCRIPTION),
                estimated_cost=minor_units(estimated_cost, "estimated_cost", allow_zero=False),
                category=_category(category), place=_place(place),
                proposer=proposer, at=_now())
        return cls(
            cycle_id=cycle_id,
            area=area,
            title=clean_text(title, "title", lengths.TITLE),
            description=clean_text(description, "description", lengths.DESCRIPTION),
            estimated_cost=minor_units(estimated_cost, "estimated_cost", allow_zero=False),
            category=_category(category),
            place=_place(place),
            proposer=proposer,
            at=_now(),
            source=dict(source),
        )

    @event("Submitted", topic=events.ProposalSubmitted.TOPIC)
    def __init__(
        self,
        cycle_id: str,
        area: str,
        title: str,
        description: str,
        estimated_cost: int,
        category: str,
        place: Place | None,
        proposer: str,
        at: datetime,
        source: dict[str, str] | None = None,
    ) -> None:
        self.cycle_id = cycle_id
        self.source = source
        self.area = area
        self.title = title
        self.description = description
        self.estimated_cost = estimated_cost
        self.category = category
        self.place = place
        self.proposer = proposer
        self.submitted_at = at
        self.status = ProposalStatus.SUBMITTED
        self.feasible: bool | None = None
        self.official_cost: int | None = None
        self.review_reason: str | None = None
        self.reviewed_by: str | None = None
        self.merged_into: str | None = None
        self.closing_reason: str | None = None
        self.progress: list[Progress] = []
        # The support round: the pseudonyms of the residents who support it now (keyed by this
        # proposal, so one resident's supports of two proposals share nothing).
        self.supporters: set[str] = set()
        # Pictures shown now, by digest, in the order added (ADR 0030).
        self.pictures: dict[str, PictureRef] = {}

    @property
    def tie_id(self) -> str:
        """What the `project-id` tie-break compares: an imported proposal's own project id,
        else nothing (the proposal's id then)."""
        return str((self.source or {}).get("project_id", ""))

    @property
    def on_ballot(self) -> bool:
        """Reviewed feasible and neither merged nor withdrawn. Stays true once the project is in
        progress, completed or abandoned, so that the ballots can be recounted after the results
        (an auditor's replay) and still name only proposals that were on the ballot."""
        return self.feasible is True and self.status not in CLOSED

    @property
    def cost(self) -> int:
        """The cost that counts: the official one once reviewed."""
        return self.official_cost if self.official_cost is not None else self.estimated_cost

    def review(self, feasible: object, official_cost: object, reason: object, actor: str,
               budget: int | None = None, area_name: str | None = None,
               currency: str = SEK) -> None:
        """A reviewer's decision; it may be revised while the review phase lasts. `budget`: the
        money of the proposal's area (its pot, in öre), which a feasible proposal's cost must
        fit in; None only for an imported election, whose projects are taken as published.
        `currency`: the cycle's, for the amounts a refusal names."""
        PROPOSAL_MACHINE.check(self.status, "review_feasible")  # as from any review
        if not isinstance(feasible, bool):
            raise InvalidInput("feasible", "must be true or false")
        cost: int | None = None
        if feasible:
            cost = minor_units(official_cost, "official_cost", allow_zero=False)
            if budget is not None and cost > budget:
                # It could never be funded, yet residents would vote for it.
                raise InvalidInput(
                    "official_cost",
                    f"{format_money(cost, currency)} is more than the whole budget of "
                    f"{area_name or self.area} ({format_money(budget, currency)}): a proposal "
                    "that costs more than its pot cannot be feasible. Review it as not feasible "
                    "with a reason, or give the cost it can be carried out for")
            text = reason.strip() if isinstance(reason, str) else ""
        else:
            # The proposer is owed an explanation: a rejection without a reason is refused.
            text = clean_text(reason, "reason")
        self._reviewed(feasible, cost, text, actor, _now())

    @event("Reviewed", topic=events.ProposalReviewed.TOPIC)
    def _reviewed(
        self, feasible: bool, official_cost: int | None, reason: str, actor: str, at: datetime
    ) -> None:
        self.feasible = feasible
        self.official_cost = official_cost
        self.review_reason = reason
        self.reviewed_by = actor
        self.status = ProposalStatus.FEASIBLE if feasible else ProposalStatus.INFEASIBLE

    def merge_into(self, target: Proposal, reason: object, actor: str) -> None:
        PROPOSAL_MACHINE.check(self.status, "merge")
        if target.id == self.id:
            raise InvalidInput("into", "a proposal cannot be merged into itself")
        if target.cycle_id != self.cycle_id or target.area != self.area:
            raise InvalidInput("into", "can merge only into a proposal of the same cycle and area")
        if target.status in CLOSED:
            raise Conflict(f"Cannot merge into a proposal that is {target.status}.")
        if target.feasible is False:
            # Its proposer would be told "merged" where the idea was never assessed, and it
            # could never reach the ballot through a rejected proposal.
            raise Conflict(
                f"Cannot merge into '{target.title}': it was reviewed as not feasible. Merge "
                "into a feasible or not yet reviewed proposal, or review this one on its own.")
        self._merged(str(target.id), clean_text(reason, "reason"), actor, _now())

    @event("Merged", topic=events.ProposalMerged.TOPIC)
    def _merged(self, into: str, reason: str, actor: str, at: datetime) -> None:
        self.merged_into = into
        self.closing_reason = reason
        self.status = ProposalStatus.MERGED

    def undo_merge(self, reason: object, actor: str) -> None:
        """Take back a merge (a reviewer's mistake): the proposal stands on its own again, with
        the review it had before; the merge and its undoing both stay in the history."""
        restored = PROPOSAL_MACHINE.check(self.status, "undo_merge",
                                          ReviewedBefore(self.feasible))
        if self.merged_into is None:  # never so: a merge records what it was merged into
            raise Conflict("This proposal does not say what it was merged into.")
        self._merge_undone(self.merged_into, clean_text(reason, "reason"), restored.value,
                           actor, _now())

    @event("MergeUndone", topic=events.MergeUndone.TOPIC)
    def _merge_undone(self, into: str, reason: str, status: str, actor: str,
                      at: datetime) -> None:
        self.merged_into = None
        self.closing_reason = None
        self.status = ProposalStatus(status)

    def withdraw(self, reason: object, actor: str) -> None:
        PROPOSAL_MACHINE.check(self.status, "withdraw")
        self._withdrawn(clean_text(reason, "reason"), actor, _now())

    @event("Withdrawn", topic=events.ProposalWithdrawn.TOPIC)
    def _withdrawn(self, reason: str, actor: str, at: datetime) -> None:
        self.closing_reason = reason
        self.status = ProposalStatus.WITHDRAWN

    def _require_buildable(self, selected: bool, action: str) -> None:
        if not selected:
            raise Conflict("Only a proposal selected in the published results is built.")
        PROPOSAL_MACHINE.check(self.status, action)

    def _spent(self, spent: object, explanation: object,
               currency: str = SEK) -> tuple[int, str | None]:
        """The money spent so far (given in whole units, kept in öre), and the explanation
        given with it. Money spent only grows and stays within the cost: a lower figure (a
        correction) or one above the cost (an overrun) is recorded only with an explanation of
        why. `currency`: the cycle's, for the amounts a refusal names."""
        amount = minor_units(spent, "spent")
        text = None if explanation is None else clean_text(explanation, "explanation")
        before = self.progress[-1].spent if self.progress else 0
        if text is None and amount < before:
            raise InvalidInput(
                "spent", f"{format_money(amount, currency)} is less than the "
                f"{format_money(before, currency)} reported before; money spent does not go "
                "down, so a correction is recorded only with an explanation")
        if text is None and amount > self.cost:
            raise InvalidInput(
                "spent", f"{format_money(amount, currency)} is more than the project's cost of "
                f"{format_money(self.cost, currency)}; an overrun is recorded only with an "
                "explanation")
        return amount, text

    def report_progress(
        self, percent: object, note: object, spent: object, actor: str, selected: bool,
        explanation: object = None, currency: str = SEK,
    ) -> None:
        """How far the work has come (`percent`, the share done: 0 to 100, never less than
        before) and the money spent so far (see `_spent`). A report of 100 % says the work is
        done; the project stays in progress until it is completed (`complete`), with what it
        cost in the end."""
        self._require_buildable(selected, "report_progress")
        if type(percent) is not int or not 0 <= percent <= 100:
            raise InvalidInput("percent", "must be a whole number from 0 to 100")
        if self.progress and percent < self.progress[-1].percent:
            raise InvalidInput(
                "percent", f"cannot go back from {self.progress[-1].percent} % reported before"
            )
        text = clean_text(note, "note")
        amount, why = self._spent(spent, explanation, currency)
        self._progress_reported(percent, text, amount, actor, _now(), why)

    @event("ProgressReported", topic=events.ProgressReported.TOPIC)
    def _progress_reported(
        self, percent: int, note: str, spent: int, actor: str, at: datetime,
        explanation: str | None = None,  # events stored before explanations lack it
    ) -> None:
        self.progress.append(Progress(percent, note, spent, actor, at, explanation))
        self.status = ProposalStatus.IN_PROGRESS

    def complete(self, note: object, spent: object, actor: str, selected: bool,
                 explanation: object = None, currency: str = SEK) -> None:
        """The project is built (100 %); `spent` what it cost in the end (see `_spent`)."""
        self._require_buildable(selected, "complete")
        text = clean_text(note, "note")
        amount, why = self._spent(spent, explanation, currency)
        self._completed(text, amount, actor, _now(), why)

    @event("Completed", topic=events.ProjectCompleted.TOPIC)
    def _completed(self, note: str, spent: int, actor: str, at: datetime,
                   explanation: str | None = None) -> None:
        self.progress.append(Progress(100, note, spent, actor, at, explanation))
        self.closing_reason = note
        self.status = ProposalStatus.COMPLETED

    def abandon(self, reason: object, actor: str, selected: bool) -> None:
        self._require_buildable(selected, "abandon")
        self._abandoned(clean_text(reason, "reason"), actor, _now())

    @event("Abandoned", topic=events.ProjectAbandoned.TOPIC)
    def _abandoned(self, reason: str, actor: str, at: datetime) -> None:
        self.closing_reason = reason
        self.status = ProposalStatus.ABANDONED


    # ---- the support round -------------------------------------------------------------------

    @property
    def supports(self) -> int:
        return len(self.supporters)

    def support(self, supporter: str) -> None:
        """A resident supports the proposal; a second support by the same one is refused."""
        PROPOSAL_MACHINE.check(self.status, "support")
        if supporter in self.supporters:
            raise Conflict("You already support this proposal; a resident supports a proposal "
                           "once. Nothing was stored.")
        self._supported(supporter, _now())

    @event("Supported", topic=events.ProposalSupported.TOPIC)
    def _supported(self, supporter: str, at: datetime) -> None:
        self.supporters.add(supporter)

    def withdraw_support(self, supporter: str) -> None:
        if supporter not in self.supporters:
            raise Conflict("You do not support this proposal, so there is no support to "
                           "withdraw. Nothing was stored.")
        self._support_withdrawn(supporter, _now())

    @event("SupportWithdrawn", topic=events.SupportWithdrawn.TOPIC)
    def _support_withdrawn(self, supporter: str, at: datetime) -> None:
        self.supporters.discard(supporter)


    # ---- pictures (ADR 0030) -------------------------------------------------------------

    def add_picture(self, picture: PictureRef) -> None:
        """The proposer adds a picture while their idea is still only submitted; at most
        `MAX_PICTURES`, each once. Which phase and who may is the service's business."""
        if self.status is not ProposalStatus.SUBMITTED:
            raise Conflict(f"Pictures are added only to a submitted proposal; this one is "
                           f"{self.status}. Nothing was stored.")
        if picture.digest in self.pictures:
            raise Conflict("This picture is already on the proposal. Nothing was stored.")
        if len(self.pictures) >= MAX_PICTURES:
            raise Conflict(f"A proposal has at most {MAX_PICTURES} pictures; remove one first. "
                           "Nothing was stored.")
        self._picture_added(picture.digest, alt_text(picture.alt), picture.media_type,
                            picture.width, picture.height, list(picture.widths), picture.size,
                            _now())

    @event("PictureAdded", topic=events.PictureAdded.TOPIC)
    def _picture_added(self, digest: str, alt: str, media_type: str, width: int, height: int,
                       widths: list[int], size: int, at: datetime) -> None:
        self.pictures[digest] = PictureRef(digest, alt, media_type, width, height,
                                           tuple(widths), size)

    def remove_picture(self, digest: str, reason: object, actor: str) -> None:
        if digest not in self.pictures:
            raise NotFound(f"The proposal has no picture '{digest}'.")
        self._picture_removed(digest, clean_text(reason, "reason"), actor, _now())

    @event("PictureRemoved", topic=events.PictureRemoved.TOPIC)
    def _picture_removed(self, digest: str, reason: str, actor: str, at: datetime) -> None:
        self.pictures.pop(digest, None)

    def withdraw_picture(self, digest: str, by: str) -> None:
        """The proposer (`by`: the pseudonym of who asks) takes a picture of theirs back, in
        any phase: it may show their home, or someone who no longer wants to be shown."""
        if digest not in self.pictures:
            raise NotFound(f"The proposal has no picture '{digest}'.")
        if by != self.proposer:
            raise NotYours("Only the proposer takes a picture back; a moderator removes one "
                           "with a reason.")
        self._picture_withdrawn(digest, _now())

    @event("PictureWithdrawn", topic=events.PictureWithdrawn.TOPIC)
    def _picture_withdrawn(self, digest: str, at: datetime) -> None:
        self.pictures.pop(digest, None)


# Events stored before money was kept in minor units held whole kronor (ADR 0014): version 1.
def _estimated_cost_in_ore(state: StoredState) -> None:
    """Submitted, version 1 -> 2: the estimated cost from whole kronor to öre."""
    state["estimated_cost"] = kronor_to_minor(state.get("estimated_cost"))


def _official_cost_in_ore(state: StoredState) -> None:
    """Reviewed, version 1 -> 2: the official cost (None when not feasible) to öre."""
    state["official_cost"] = kronor_to_minor(state.get("official_cost"))


def _spent_in_ore(state: StoredState) -> None:
    """ProgressReported and Completed, version 1 -> 2: the money spent to öre."""
    state["spent"] = kronor_to_minor(state.get("spent"))


versioned(Proposal.Submitted, _estimated_cost_in_ore)  # type: ignore[attr-defined]
versioned(Proposal.Reviewed, _official_cost_in_ore)  # type: ignore[attr-defined]
versioned(Proposal.ProgressReported, _spent_in_ore)  # type: ignore[attr-defined]
versioned(Proposal.Completed, _spent_in_ore)  # type: ignore[attr-defined]
