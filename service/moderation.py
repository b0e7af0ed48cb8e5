"""Moderation of proposals and comments: a signed-in resident reports an item, a moderator
(reviewer) hides it with a reason; and what every reader must filter out (ADR 0024).

Kept beside service/application.py rather than in it: the application composes the cycle's
aggregates, and these commands only need to load, decide and save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.comment import Comment
from domain.errors import Conflict, NotFound
from domain.moderation import Moderation, case_id
from domain.proposal import Proposal
from service.application import Medborgarbudget
from service.commands import MAX_ATTEMPTS, Command, Commands, Write
from service.cycle_index import MODERATION

REPORTER = "reporter"


def loaded(app: Medborgarbudget, item_id: str | UUID) -> Aggregate | None:
    """The aggregate with this id (any kind), None when there is none."""
    try:
        return app.repository.get(item_id if isinstance(item_id, UUID) else UUID(str(item_id)))
    except (AggregateNotFoundError, ValueError):
        return None


def moderation(app: Medborgarbudget, item_id: str | UUID) -> Moderation | None:
    """The moderation case of an item, None while nobody has reported or hidden it."""
    found = loaded(app, case_id(item_id))
    return found if isinstance(found, Moderation) else None


def hidden_reason(app: Medborgarbudget, item_id: str | UUID) -> str | None:
    case = moderation(app, item_id)
    return case.hidden_reason if case is not None else None


def hidden_in_cycle(app: Medborgarbudget, cycle_id: str | UUID) -> dict[str, str]:
    """The items of the cycle the moderator has hidden, with the reason given: the cycle's
    few moderation cases, found through the cycle index, not one query per proposal."""
    the_id = cycle_id if isinstance(cycle_id, UUID) else UUID(str(cycle_id))
    hidden = {}
    for member in app.cycle_index.select_cycle_members(the_id, [MODERATION]):
        case = loaded(app, member)
        if isinstance(case, Moderation) and case.hidden_reason is not None:
            hidden[case.item_id] = case.hidden_reason
    return hidden


@dataclass(frozen=True)
class ReportItem(Command[str]):
    """A signed-in resident asks the moderators to look at an item, once per item."""

    item_id: str | UUID
    identity: str


@dataclass(frozen=True)
class HideItem(Command[str]):
    """A moderator (reviewer) hides an item with the reason the public notice shows."""

    item_id: str | UUID
    reason: object
    actor: str


def _item(app: Medborgarbudget, item_id: str | UUID) -> tuple[str, str]:
    """(cycle, kind) of a proposal or comment that may be reported or hidden."""
    found = loaded(app, item_id)
    if isinstance(found, Proposal):
        return found.cycle_id, "proposal"
    if isinstance(found, Comment):
        return found.cycle_id, "comment"
    raise NotFound(f"No proposal or comment '{item_id}'.")


def _moderate(app: Medborgarbudget, item_id: str | UUID, write: Write,
              command: Callable[[Moderation], None]) -> str:
    cycle_id, kind = _item(app, item_id)
    for _ in range(MAX_ATTEMPTS):
        case = moderation(app, item_id) or Moderation.open(cycle_id, str(item_id), kind)
        command(case)
        try:
            write.save(case)
        except IntegrityError:  # changed (or opened) by someone else meanwhile: decide again
            continue
        return str(item_id)
    raise Conflict(f"The {kind} was reported or moderated by others {MAX_ATTEMPTS} times "
                   "while this command ran; nothing was stored. Please try again.")


def _report(app: Commands, c: ReportItem, write: Write) -> str:
    assert isinstance(app, Medborgarbudget)
    cycle_id, _ = _item(app, c.item_id)
    reporter = app.resident_pseudonym(cycle_id, c.identity, REPORTER)
    return _moderate(app, c.item_id, write, lambda case: case.report(reporter))


def _hide(app: Commands, c: HideItem, write: Write) -> str:
    assert isinstance(app, Medborgarbudget)
    return _moderate(app, c.item_id, write, lambda case: case.hide(c.reason, c.actor))


Commands._handlers.update({ReportItem: _report, HideItem: _hide})


def report(app: Medborgarbudget, item_id: str | UUID, identity: str) -> str:
    return app.execute(ReportItem(item_id, identity)).value


def hide(app: Medborgarbudget, item_id: str | UUID, reason: object, actor: str) -> str:
    return app.execute(HideItem(item_id, reason, actor)).value
