"""A resident's upload made into pictures fit to serve: decoded, re-encoded, stripped (ADR 0030).

What a file is, is decided by decoding it, never by its name or the type the browser claims: a
GIF, an SVG or an HTML page named `.jpg` is refused because Pillow, allowed only JPEG, PNG and
WebP, cannot read it. A picture of more pixels than `MAX_PIXELS` is refused before its pixels
are decoded (a small file can claim a huge canvas: a decompression bomb).

Every size served is made from the decoded pixels alone, copied into a new image: no EXIF
(GPS position, camera, time), no XMP, no ICC profile or comment of the upload survives, and
the bytes a resident sent are never served. The sizes are `WIDTHS` (never wider than the
upload), as WebP; the digest that names the picture is the SHA-256 of its largest size.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import InvalidInput
from service.picture_blobs import Variant

FORMATS: Final = ("JPEG", "PNG", "WEBP")
WIDTHS: Final = (480, 960)  # a phone's width, and twice it for its dense screen
MAX_PIXELS: Final = 40_000_000  # a 40-megapixel photo decodes to about 120 MB
MEDIA_TYPE: Final = "image/webp"
QUALITY: Final = 80

# Pillow's own guard, beside ours below: it warns past this and refuses past twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class Prepared:
    digest: str
    width: int  # of the largest size
    height: int
    variants: tuple[Variant, ...]  # ascending widths

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(v.width for v in self.variants)

    @property
    def size(self) -> int:
        return len(self.variants[-1].body)


def _refused(reason: str) -> InvalidInput:
    return InvalidInput("picture", reason)


def _decoded(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise _refused("is not a JPEG, PNG or WebP picture") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refused(f"has more than {MAX_PIXELS:,} pixels") from None
        if image.width * image.height > MAX_PIXELS:
            raise _refused(f"has more than {MAX_PIXELS:,} pixels")
        if image.width < 1 or image.height < 1:
            raise _refused("has no pixels")
        if image.format == "JPEG":
            # Decode at a reduced scale where the largest size allows: far less memory and time.
            image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
        try:
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                Image.DecompressionBombWarning):
            raise _refused("cannot be read: the file is damaged or incomplete") from None
    return image


def _clean(image: Image.Image) -> Image.Image:
    """Upright, in RGB (or RGBA when it has transparency), and nothing but the pixels."""
    upright = ImageOps.exif_transpose(image) or image
    transparent = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    try:
        converted = upright.convert("RGBA" if transparent else "RGB")
    except (ValueError, OSError):
        raise _refused("has a colour format that cannot be shown") from None
    # A new image from the pixels alone: no metadata of the upload can come along.
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def prepare(data: bytes) -> Prepared:
    """The sizes to store and serve of an uploaded picture; InvalidInput("picture", why) if it
    is not a picture we accept."""
    image = _clean(_decoded(data))
    widest = min(image.width, WIDTHS[-1])
    widths = sorted({w for w in WIDTHS if w < widest} | {widest})
    variants = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        sized = image if width == image.width else image.resize((width, height),
                                                                Image.Resampling.LANCZOS)
        variants.append(Variant(width, MEDIA_TYPE, _encode(sized)))
    largest = variants[-1]
    return Prepared(hashlib.sha256(largest.body).hexdigest(), widest,
                    max(1, round(image.height * widest / image.width)), tuple(variants))
