"""A resident's comment on a proposal, or a reply to one (one level deep).

Each comment is an aggregate of its own rather than events on the proposal: a proposal may draw
hundreds of comments, and the proposal aggregate (loaded by every review, merge and tally)
should not grow with them, nor should a comment conflict with a reviewer's concurrent decision
(ADR 0024). A comment is never edited; moderation is recorded by domain/moderation.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.domain import Aggregate, event

from domain import events
from domain.errors import Conflict, InvalidInput

MAX_COMMENT_LENGTH = 2000


def comment_text(value: object) -> str:
    """The text as stored: stripped, not blank, at most MAX_COMMENT_LENGTH characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("text", "must not be empty")
    text = value.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput("text", f"must be at most {MAX_COMMENT_LENGTH} characters "
                                   f"(this one has {len(text)})")
    return text


class Comment(Aggregate):
    TOPIC = "medborgarbudget:Comment"

    class Created(Aggregate.Created):
        # Never recorded (the creation event is "Posted"), but pinned like every event class.
        TOPIC = "medborgarbudget:Comment.Created"

    @classmethod
    def post(cls, cycle_id: str, proposal_id: str, text: object, author: str,
             by_proposer: bool, parent: Comment | None = None) -> Comment:
        """`author`: the resident's per-cycle pseudonym (never a name). `by_proposer`: the
        author proposed the proposal, which the page marks. `parent`: the comment replied to,
        itself a top-level comment of the same proposal."""
        if parent is not None:
            if parent.proposal_id != proposal_id:
                raise InvalidInput("reply_to", "the comment replied to is on another proposal")
            if parent.parent_id is not None:
                raise Conflict("Replies go one level deep: reply to the comment that this "
                               "reply answers, not to the reply.")
        return cls(cycle_id=cycle_id, proposal_id=proposal_id,
                   parent_id=str(parent.id) if parent is not None else None,
                   text=comment_text(text), author=author, by_proposer=by_proposer,
                   at=datetime.now(UTC))

    @event("Posted", topic=events.CommentPosted.TOPIC)
    def __init__(self, cycle_id: str, proposal_id: str, parent_id: str | None, text: str,
                 author: str, by_proposer: bool, at: datetime) -> None:
        self.cycle_id = cycle_id
        self.proposal_id = proposal_id
        self.parent_id = parent_id
        self.text = text
        self.author = author
        self.by_proposer = by_proposer
        self.posted_at = at
