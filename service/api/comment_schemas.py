"""Comments and moderation as the API reads and shows them (ADR 0024). No author is shown:
only whether the proposal's proposer wrote it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.comment import MAX_COMMENT_LENGTH
from domain.moderation import MAX_REASON_LENGTH


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


class CommentIn(BaseModel):
    model_config = _example(text="Bra idé! Kan redskapen stå nära badplatsen?")
    # The length is the domain's rule; the bound here only stops an oversized body early.
    text: str = Field(max_length=MAX_COMMENT_LENGTH * 2,
                      description=f"At most {MAX_COMMENT_LENGTH} characters, not blank.")
    reply_to: UUID | None = Field(default=None, description="The top-level comment this "
                                  "replies to; replies go one level deep.")


class HideIn(BaseModel):
    model_config = _example(reason="Personangrepp")
    reason: str = Field(max_length=MAX_REASON_LENGTH * 2,
                        description="Shown publicly: \"hidden by the moderator: reason\".")


class HiddenOut(BaseModel):
    reason: str
    at: str


class CommentOut(BaseModel):
    id: UUID
    proposal_id: UUID
    parent_id: UUID | None
    text: str | None = Field(description="None when the moderator hid it (see `hidden`).")
    by_proposer: bool = Field(description="Written by the proposal's proposer.")
    at: str
    hidden: HiddenOut | None = None


class ThreadOut(CommentOut):
    replies: list[CommentOut]


class CommentsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comments": [],
                                                               "open": True}]})
    comments: list[ThreadOut]
    open: bool = Field(description="Whether comments are taken now (the cycle collects ideas, "
                                   "reviews or votes); read-only otherwise.")


class PostedOut(BaseModel):
    id: UUID = Field(description="The comment posted, or the item reported or hidden.")
    position: int | None = Field(default=None, description="Pass as `?position=` to read "
                                                           "your own write.")


class QueueItemOut(BaseModel):
    kind: str = Field(description="proposal or comment")
    id: UUID
    proposal_id: UUID
    text: str
    reports: int


class QueueOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": []}]})
    items: list[QueueItemOut] = Field(description="Reported items not hidden yet, the most "
                                                  "reported first.")


def comment_out(doc: Mapping[str, Any]) -> dict[str, Any]:
    shown = {k: doc[k] for k in ("id", "proposal_id", "parent_id", "by_proposer", "at")}
    shown["text"] = None if doc.get("hidden") else doc["text"]
    shown["hidden"] = doc.get("hidden")
    if "replies" in doc:
        shown["replies"] = [comment_out(r) for r in doc["replies"]]
    return shown
