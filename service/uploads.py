"""Reading a picture upload (multipart/form-data) as it streams in, within its limits.

Starlette's form parser writes every file to a temporary file whatever its size before a route
sees it. A picture upload is read here instead, chunk by chunk, and refused (413) as soon as
the file passes `MAX_UPLOAD_BYTES` or the form's other fields pass a few kilobytes: a 50 MB
upload is never read to its end, nor held anywhere. The body guard (service/api/body_guard.py)
lets these requests through unread, refusing at once one whose Content-Length is too large.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Final

from fastapi import Depends
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from domain.pictures import MAX_UPLOAD_BYTES

FILE_FIELD: Final = "picture"
MAX_FIELD_BYTES: Final = 8 * 1024  # the alt text, the CSRF token, the language
MAX_FIELDS: Final = 8
# Multipart's own lines (boundaries, part headers) beside the file and the fields.
MAX_BODY_BYTES: Final = MAX_UPLOAD_BYTES + MAX_FIELDS * (MAX_FIELD_BYTES + 512)


class UploadRefused(Exception):
    """`status`: 413 too large, 415 not multipart, 400 a form that cannot be read."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None  # the file, None when none was sent
    filename: str = ""

    def first(self, name: str) -> str:
        return self.fields.get(name, "").strip()


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


class _Reader:
    def __init__(self) -> None:
        self.upload = Upload()
        self.part = _Part()
        self.header_field = b""
        self.header_value = b""
        self.parts = 0

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_FIELDS:
            raise UploadRefused(413, f"A picture form has at most {MAX_FIELDS} fields.")
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_field.strip().lower() == b"content-disposition":
            _, options = parse_options_header(self.header_value)
            self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
            filename = options.get(b"filename")
            self.part.filename = None if filename is None else filename.decode("utf-8",
                                                                                "replace")
        self.header_field = self.header_value = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.size += end - start
        is_file = part.filename is not None
        if is_file and part.size > MAX_UPLOAD_BYTES:
            raise UploadRefused(413, f"A picture can be at most {MAX_UPLOAD_BYTES // 2**20} MB "
                                     f"({MAX_UPLOAD_BYTES} bytes).")
        if not is_file and part.size > MAX_FIELD_BYTES:
            raise UploadRefused(413, f"The field '{part.name}' is too long.")
        part.chunks.append(data[start:end])

    def on_part_end(self) -> None:
        part = self.part
        body = b"".join(part.chunks)
        if part.filename is not None:
            if part.name != FILE_FIELD or self.upload.data is not None:
                raise UploadRefused(400, f"Send one file, in the field '{FILE_FIELD}'.")
            if body:  # a form posted with no file chosen sends an empty part
                self.upload.data, self.upload.filename = body, part.filename
        else:
            self.upload.fields[part.name] = body.decode("utf-8", "replace")


async def read_upload(request: Request) -> Upload:
    """The form's fields and its file, read within the limits above."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UploadRefused(415, f"Send the picture as multipart/form-data, the file in the "
                                 f"field '{FILE_FIELD}' and its description in 'alt'.")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
        raise UploadRefused(413, f"A picture can be at most {MAX_UPLOAD_BYTES // 2**20} MB "
                                 f"({MAX_UPLOAD_BYTES} bytes).")
    reader = _Reader()
    parser = MultipartParser(boundary, {  # type: ignore[arg-type]
        "on_part_begin": reader.on_part_begin, "on_part_data": reader.on_part_data,
        "on_part_end": reader.on_part_end, "on_header_field": reader.on_header_field,
        "on_header_value": reader.on_header_value, "on_header_end": reader.on_header_end})
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                raise UploadRefused(413, f"A picture can be at most "
                                         f"{MAX_UPLOAD_BYTES // 2**20} MB.")
            parser.write(chunk)
        parser.finalize()
    except UploadRefused:
        raise
    except Exception as error:  # the parser's errors: a body that is not the form it claims
        raise UploadRefused(400, f"The form cannot be read: {error}") from None
    return reader.upload


async def uploaded(request: Request) -> Upload | UploadRefused:
    """As a route's dependency: the upload, or why it was refused (the route answers)."""
    try:
        return await read_upload(request)
    except UploadRefused as refused:
        return refused


Uploaded = Annotated[Upload | UploadRefused, Depends(uploaded)]
