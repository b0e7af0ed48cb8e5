"""A picture upload is read as it streams in and refused as soon as it passes its limits: the
rest of a too-large file is never read (service/uploads.py, ADR 0030)."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request
from starlette.types import Message

from domain.pictures import MAX_UPLOAD_BYTES
from service.uploads import MAX_BODY_BYTES, Upload, UploadRefused, read_upload

BOUNDARY = "grans"
CHUNK = 64 * 1024


def _body(size: int, alt: str = "En brygga") -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"picture\"; "
            f"filename=\"bild.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() \
        + b"\xab" * size + f"\r\n--{BOUNDARY}--\r\n".encode()


def _read(body: bytes, length: bool = False,
          cut: int | None = None) -> tuple[Upload | UploadRefused, int]:
    """The upload (or its refusal) and how many bytes of the body were taken from the client.
    `cut`: send the body in two chunks, split there, instead of 64 KiB at a time."""
    taken = 0
    chunks = ([body[:cut], body[cut:]] if cut is not None
              else [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)])

    async def receive() -> Message:
        nonlocal taken
        chunk = chunks.pop(0) if chunks else b""
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    headers = [(b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode())]
    if length:
        headers.append((b"content-length", str(len(body)).encode()))
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": headers},
                      receive)

    async def run() -> Upload | UploadRefused:
        try:
            return await read_upload(request)
        except UploadRefused as refused:
            return refused

    return asyncio.run(run()), taken


def test_a_file_of_exactly_5_mb_is_read_whole() -> None:
    upload, _ = _read(_body(MAX_UPLOAD_BYTES))
    assert isinstance(upload, Upload)
    assert upload.data is not None and len(upload.data) == MAX_UPLOAD_BYTES
    assert upload.first("alt") == "En brygga" and upload.filename == "bild.jpg"


def test_one_byte_more_is_refused_at_that_byte() -> None:
    body = _body(MAX_UPLOAD_BYTES + 1)
    over = body.index(b"\xab") + MAX_UPLOAD_BYTES + 1  # just past the file's 5 MB + 1st byte
    refused, taken = _read(body, cut=over)
    assert isinstance(refused, UploadRefused) and refused.status == 413
    assert taken == over < len(body)  # the rest of the body was never read


@pytest.mark.parametrize("size", [MAX_BODY_BYTES * 2, 50 * 2**20])
def test_a_much_larger_file_is_refused_after_about_5_mb(size: int) -> None:
    refused, taken = _read(_body(size))
    assert isinstance(refused, UploadRefused) and refused.status == 413
    assert taken <= MAX_UPLOAD_BYTES + 2 * CHUNK


def test_a_content_length_too_large_is_refused_before_reading_anything() -> None:
    refused, taken = _read(_body(MAX_BODY_BYTES + 1), length=True)
    assert isinstance(refused, UploadRefused) and refused.status == 413
    assert taken == 0


def test_an_oversized_field_is_refused() -> None:
    refused, _ = _read(_body(10, alt="x" * 10_000))
    assert isinstance(refused, UploadRefused) and refused.status == 413


def test_not_multipart_is_415() -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    request = Request({"type": "http", "method": "POST", "path": "/",
                       "headers": [(b"content-type", b"application/json")]}, receive)

    async def run() -> int:
        try:
            await read_upload(request)
        except UploadRefused as refused:
            return refused.status
        return 200

    assert asyncio.run(run()) == 415
