"""Comments on proposals and their moderation (ADR 0024): residents comment, reply and report;
reviewers, as moderators, hide with a reason and read the queue of reported items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from domain.cycle import COMMAND_PHASES
from service import comments, moderation
from service.api import comment_schemas as cs
from service.api.auth import Principal
from service.api.callers import WRITE, Body, Public, Resident, Reviewer
from service.api.deps import (
    App,
    IdempotencyKey,
    Reached,
    idempotent,
    respond,
)
from service.api.openapi import problems
from service.commands import Command
from service.read_models import ReadModels
from service.recorders import IdempotencyRecord

router = APIRouter(prefix="/api/v1", tags=["comments"])


def _read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


@router.get("/proposals/{proposal}/comments", response_model=cs.CommentsOut,
            responses=problems(401, 404), summary="The comments on a proposal, with replies")
def list_comments(proposal: str, request: Request, app: App, _: Public,
                  position: Reached) -> JSONResponse:
    """Top-level comments oldest first, each with its replies. A comment the moderator hid
    has no text, only `hidden` with the reason. No author is shown, only whether the proposer
    wrote it. `open` says whether comments are taken now."""
    the_proposal = app.proposal(proposal)
    phase = app.cycle(the_proposal.cycle_id).phase
    threads = _read_models(request).store.comments_of(str(the_proposal.id))
    return respond(200, {"comments": [cs.comment_out(t) for t in threads],
                         "open": phase in COMMAND_PHASES["comment"]})


def _posted(app: App, key: str | None, who: Principal, request: Request, body: bytes,
            command: Command[Any], status: int = 200) -> JSONResponse:
    """Run `command` once per idempotency key; answer with the id it returns and the position
    of the write."""
    def handle(keyed: IdempotencyRecord | None) -> JSONResponse:
        done = app.execute(command, keyed)
        return respond(status, {"id": str(done.value), "position": done.position})

    return idempotent(app, key, who, request, body, handle)


@router.post("/proposals/{proposal}/comments", status_code=201, response_model=cs.PostedOut,
             responses=WRITE, summary="Comment on a proposal, or reply to a comment "
                                      "(ideas, review, voting)")
def post_comment(proposal: str, data: cs.CommentIn, request: Request, app: App,
                 who: Resident, body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """A signed-in resident's comment while the cycle collects ideas, reviews or votes
    (409 naming the phase otherwise). `reply_to` a top-level comment makes it a reply; a reply
    to a reply is refused (409). Blank or longer than 2 000 characters: 422. Only a per-cycle
    pseudonym of the author is stored."""
    return _posted(app, key, who, request, body,
                   comments.PostComment(proposal, data.text, who.subject, data.reply_to), 201)


@router.post("/proposals/{proposal}/report", response_model=cs.PostedOut, responses=WRITE,
             summary="Report a proposal to the moderators")
def report_proposal(proposal: str, request: Request, app: App, who: Resident, body: Body,
                    key: IdempotencyKey = None) -> JSONResponse:
    """Asks the moderators to look at the proposal. Once per resident and item (409 the
    second time); the reporter is stored only as a per-cycle pseudonym."""
    app.proposal(proposal)  # a comment's id here is not found: each kind has its route
    return _posted(app, key, who, request, body,
                   moderation.ReportItem(proposal, who.subject))


@router.post("/comments/{comment}/report", response_model=cs.PostedOut, responses=WRITE,
             summary="Report a comment to the moderators")
def report_comment(comment: str, request: Request, app: App, who: Resident, body: Body,
                   key: IdempotencyKey = None) -> JSONResponse:
    """Asks the moderators to look at the comment. Once per resident and comment (409 the
    second time); the reporter is stored only as a per-cycle pseudonym."""
    comments.comment(app, comment)
    return _posted(app, key, who, request, body,
                   moderation.ReportItem(comment, who.subject))


@router.post("/proposals/{proposal}/hide", response_model=cs.PostedOut, responses=WRITE,
             summary="Hide a proposal's text, with the reason shown publicly (moderator)")
def hide_proposal(proposal: str, data: cs.HideIn, request: Request, app: App, who: Reviewer,
                  body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """A moderator hides the proposal: its title and description leave every page and API
    answer, replaced by "hidden by the moderator: reason"; its status and steps stay
    explained. A reason is required; hiding it again is refused (409)."""
    app.proposal(proposal)
    return _posted(app, key, who, request, body,
                   moderation.HideItem(proposal, data.reason, who.actor))


@router.post("/comments/{comment}/hide", response_model=cs.PostedOut, responses=WRITE,
             summary="Hide a comment, with the reason shown publicly (moderator)")
def hide_comment(comment: str, data: cs.HideIn, request: Request, app: App, who: Reviewer,
                 body: Body, key: IdempotencyKey = None) -> JSONResponse:
    """A moderator hides the comment: its text leaves every page and API answer, replaced by
    "hidden by the moderator: reason". A reason is required; hiding it again is refused
    (409)."""
    comments.comment(app, comment)
    return _posted(app, key, who, request, body,
                   moderation.HideItem(comment, data.reason, who.actor))


@router.get("/cycles/{cycle}/moderation", response_model=cs.QueueOut,
            responses=problems(401, 403, 404),
            summary="The moderators' queue: the cycle's reported items not hidden yet")
def moderation_queue(cycle: str, request: Request, app: App, _: Reviewer,
                     position: Reached) -> JSONResponse:
    """Reported proposals and comments of the cycle that the moderator has not hidden, with
    how many residents reported each, the most reported first. Reporters are not shown."""
    the_cycle = app.cycle(cycle)
    return respond(200, {"items": _read_models(request).store.reported_in(str(the_cycle.id))})
