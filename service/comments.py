"""Comments on proposals and their moderation: the commands, and what readers must filter.

Kept beside service/application.py rather than in it: the application composes the cycle's
aggregates, and these commands only need to load, decide and save (ADR 0024).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.comment import Comment
from domain.errors import Conflict, NotFound
from domain.moderation import Moderation, case_id
from domain.proposal import Proposal
from service.application import Medborgarbudget
from service.commands import MAX_ATTEMPTS, Command, Commands, Write
from service.cycle_index import MODERATION

COMMENTER, REPORTER = "commenter", "reporter"


def _load(app: Medborgarbudget, item_id: str | UUID) -> Any:
    try:
        return app.repository.get(item_id if isinstance(item_id, UUID) else UUID(str(item_id)))
    except (AggregateNotFoundError, ValueError):
        return None


def comment(app: Medborgarbudget, comment_id: str | UUID) -> Comment:
    found = _load(app, comment_id)
    if not isinstance(found, Comment):
        raise NotFound(f"No comment '{comment_id}'.")
    return found


def moderation(app: Medborgarbudget, item_id: str | UUID) -> Moderation | None:
    """The moderation case of an item, None while nobody has reported or hidden it."""
    found = _load(app, case_id(item_id))
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
        case = _load(app, member)
        if isinstance(case, Moderation) and case.hidden_reason is not None:
            hidden[case.item_id] = case.hidden_reason
    return hidden


@dataclass(frozen=True)
class PostComment(Command[UUID]):
    """A resident's comment (or reply to a top-level comment) while the proposal's cycle
    collects ideas, reviews or votes. Only pseudonyms are stored (ADR 0004)."""

    proposal_id: str | UUID
    text: object
    identity: str
    reply_to: str | UUID | None = None


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


def _post_comment(app: Commands, c: PostComment, write: Write) -> UUID:
    assert isinstance(app, Medborgarbudget)
    proposal = app.proposal(c.proposal_id)
    cycle = app.cycle(proposal.cycle_id)
    cycle.require_phase("comment")
    if hidden_reason(app, proposal.id) is not None:
        raise Conflict("The moderator has hidden this proposal; it takes no comments.")
    parent = comment(app, c.reply_to) if c.reply_to is not None else None
    posted = Comment.post(
        str(cycle.id), str(proposal.id), c.text,
        app.resident_pseudonym(cycle.id, c.identity, COMMENTER),
        app.proposer_pseudonym(c.identity) == proposal.proposer, parent)
    write.save(posted)
    return posted.id


def _item(app: Medborgarbudget, item_id: str | UUID) -> tuple[str, str]:
    """(cycle, kind) of a proposal or comment that may be reported or hidden."""
    found = _load(app, item_id)
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


Commands._handlers.update({PostComment: _post_comment, ReportItem: _report, HideItem: _hide})


def post_comment(app: Medborgarbudget, proposal_id: str | UUID, text: object, identity: str,
                 reply_to: str | UUID | None = None) -> UUID:
    return app.execute(PostComment(proposal_id, text, identity, reply_to)).value


def report(app: Medborgarbudget, item_id: str | UUID, identity: str) -> str:
    return app.execute(ReportItem(item_id, identity)).value


def hide(app: Medborgarbudget, item_id: str | UUID, reason: object, actor: str) -> str:
    return app.execute(HideItem(item_id, reason, actor)).value
