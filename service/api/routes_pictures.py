"""Pictures on proposals (ADR 0030): the proposer uploads and may take back, a moderator or
administrator removes, everyone sees them at /pictures/{digest}/{width}.webp."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import NotFound
from domain.pictures import is_digest
from service import pictures
from service.api import schemas
from service.api.callers import WRITE, AdminOrReviewer, Public, Resident
from service.api.deps import App, respond
from service.api.openapi import problems
from service.api.problems import problem
from service.api.views import picture_out
from service.application import Medborgarbudget
from service.read_models import ReadModels
from service.uploads import Uploaded, UploadRefused

router = APIRouter(tags=["pictures"])

# A picture never changes under its name: kept by browsers and proxies for a year.
CACHED = {"Cache-Control": "public, max-age=31536000, immutable",
          "Content-Disposition": "inline; filename=\"picture.webp\"",
          "Cross-Origin-Resource-Policy": "same-origin"}


class PictureAddedOut(schemas.PictureOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "digest": "9f2c" + "0" * 60, "alt": "Bryggan vid Runnerydsjön i kvällsljus",
        "width": 960, "height": 640, "widths": [480, 960],
        "urls": {"480": "/pictures/9f2c…/480.webp", "960": "/pictures/9f2c…/960.webp"},
        "position": 58}]})
    position: int | None = None


class RemovalIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "Bilden visar en persons ansikte."}]})
    reason: str = Field(description="Why the picture was taken down (kept in the history).")


class RemovedOut(BaseModel):
    digest: str
    position: int | None = None


def _read_models(request: Request) -> ReadModels:
    read_models: ReadModels = request.app.state.read_models
    return read_models


async def _taken_down(request: Request, app: Medborgarbudget, command: pictures.PictureLeaves,
                      digest: str) -> JSONResponse:
    """The command run (in a worker thread: the event store is synchronous), then the bytes
    erased unless another proposal shows them."""
    done = await run_in_threadpool(app.execute, command)
    await pictures.erase_unless_shown(app, _read_models(request), digest, done.position)
    return respond(200, {"digest": digest, "position": done.position})


@router.post("/api/v1/cycles/{cycle}/proposals/{proposal}/pictures", status_code=201,
             response_model=PictureAddedOut, responses=WRITE,
             summary="Add a picture to your proposal (ideas phase)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": {
                     "type": "object", "required": ["picture", "alt"], "properties": {
                         "picture": {"type": "string", "format": "binary",
                                     "description": "JPEG, PNG or WebP, at most 5 MB"},
                         "alt": {"type": "string", "maxLength": 300,
                                 "description": "What the picture shows"}}}}}}})
def add_picture(cycle: str, proposal: str, app: App, who: Resident,
                upload: Uploaded) -> JSONResponse:
    """The proposer adds a picture while the cycle collects ideas: at most three per proposal
    (409 for a fourth), a JPEG, PNG or WebP of at most 5 MB (413 beyond, refused before the
    rest is read) and 40 megapixels, with `alt`, what it shows (required, at most 300
    characters). What the file is, is decided by decoding it (422 if it is no such picture);
    it is re-encoded as WebP in widths of 480 and 960 pixels, its metadata (GPS position,
    camera) left behind. Another resident's proposal: 403."""
    if isinstance(upload, UploadRefused):
        return problem(upload.status, "Picture refused", upload.message)
    if upload.data is None:
        return problem(422, "Invalid input", "picture: choose a file to upload",
                       field="picture")
    done = app.execute(pictures.AddPicture(proposal, upload.data, upload.fields.get("alt"),
                                           who.subject, cycle))
    added = done.value
    return respond(201, {**picture_out(added.digest, added.alt, added.width, added.height,
                                       added.widths), "position": done.position})


@router.post("/api/v1/cycles/{cycle}/proposals/{proposal}/pictures/{digest}/remove",
             response_model=RemovedOut, responses=WRITE,
             summary="Take a picture down, with the reason (reviewer or administrator)")
async def remove_picture(cycle: str, proposal: str, digest: str, data: RemovalIn,
                         request: Request, app: App, who: AdminOrReviewer) -> JSONResponse:
    """The picture leaves the proposal and its bytes are erased (unless the very same picture
    is on another proposal); the history keeps that it was there, its alt text and the
    reason."""
    return await _taken_down(request, app, pictures.RemovePicture(
        proposal, digest, data.reason, who.actor, cycle), digest)


@router.delete("/api/v1/cycles/{cycle}/proposals/{proposal}/pictures/{digest}",
               response_model=RemovedOut, responses=WRITE,
               summary="Take a picture of your proposal back (any phase)")
async def withdraw_picture(cycle: str, proposal: str, digest: str, request: Request,
                           app: App, who: Resident) -> JSONResponse:
    """The proposer takes a picture of their own proposal back, in any phase and without a
    reason: it leaves the proposal and its bytes are erased (unless the very same picture is
    on another proposal); the history keeps that it was there and its alt text. Another
    resident: 403; a picture not on the proposal: 404."""
    return await _taken_down(request, app, pictures.WithdrawPicture(
        proposal, digest, who.subject, cycle), digest)


@router.get("/pictures/{digest}/{width}.webp", response_class=Response,
            responses={200: {"content": {"image/webp": {}},
                             "description": "The picture in that width"}, **problems(404)},
            summary="A proposal's picture in one of its widths")
def picture(digest: str, width: int, request: Request, app: App, _: Public) -> Response:
    """Only pictures shown on a proposal now: none of a hidden proposal, none removed."""
    if not is_digest(digest) or not _read_models(request).store.picture_shown(digest):
        raise NotFound("No such picture.")
    found = app.picture_blobs.get(digest, width)
    if found is None:
        raise NotFound("No such picture in that width.")
    return Response(found.body, media_type=found.media_type,
                    headers={**CACHED, "ETag": f'"{digest[:32]}-{width}"'})
