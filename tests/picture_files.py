"""Files residents (and attackers) upload as pictures, made in memory for the tests."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(width: int = 1200, height: int = 800, *, fmt: str = "JPEG",
          gps: bool = True, colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A photo as a phone saves it: with EXIF naming the camera and, with `gps`, where it was
    taken (Stockholm's city hall)."""
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 40):  # some detail, so sizes differ in their bytes
        image.paste((x % 255, 80, 160), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[0x010F] = "Telefonmärke"  # Make
    exif[0x0110] = "Modell 12"  # Model
    if gps:
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (59.0, 19.0, 37.0), 3: "E",
                                      4: (18.0, 3.0, 15.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes(), **({"quality": 90} if fmt == "JPEG"
                                                         else {}))
    return out.getvalue()


def png(width: int = 640, height: int = 480) -> bytes:
    return photo(width, height, fmt="PNG", gps=False)


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (64, 64)).save(out, format="GIF")
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def bomb(side: int = 10_000) -> bytes:
    """A small PNG whose canvas is `side` x `side` pixels (100 megapixels by default): a few
    kilobytes that would decode to hundreds of megabytes."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def multipart(data: bytes | None, alt: str | None, filename: str = "bild.jpg",
              content_type: str = "image/jpeg", **fields: str) -> dict[str, object]:
    """httpx's `files` and `data` for a picture form."""
    files = {"picture": (filename, data, content_type)} if data is not None else None
    values = dict(fields)
    if alt is not None:
        values["alt"] = alt
    return {"files": files, "data": values}
