"""Comments on proposals: the command and how a comment is found (their moderation:
service/moderation.py).

Kept beside service/application.py rather than in it: the application composes the cycle's
aggregates, and these commands only need to load, decide and save (ADR 0024).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.comment import Comment
from domain.errors import Conflict, NotFound
from service.application import Medborgarbudget
from service.commands import Command, Commands, Write
from service.moderation import hidden_reason, loaded

COMMENTER = "commenter"


def comment(app: Medborgarbudget, comment_id: str | UUID) -> Comment:
    found = loaded(app, comment_id)
    if not isinstance(found, Comment):
        raise NotFound(f"No comment '{comment_id}'.")
    return found


@dataclass(frozen=True)
class PostComment(Command[UUID]):
    """A resident's comment (or reply to a top-level comment) while the proposal's cycle
    collects ideas, reviews or votes. Only pseudonyms are stored (ADR 0004)."""

    proposal_id: str | UUID
    text: object
    identity: str
    reply_to: str | UUID | None = None


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


Commands._handlers[PostComment] = _post_comment


def post_comment(app: Medborgarbudget, proposal_id: str | UUID, text: object, identity: str,
                 reply_to: str | UUID | None = None) -> UUID:
    return app.execute(PostComment(proposal_id, text, identity, reply_to)).value
