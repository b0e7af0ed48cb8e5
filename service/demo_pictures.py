"""Pictures for the demo cycle's first ideas, drawn here (no files shipped): a lake, a jetty, a
sky, in the colours of each idea, so `serve --demo` shows proposals with pictures (ADR 0030)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from uuid import UUID

from PIL import Image, ImageDraw

from service.application import Medborgarbudget
from service.pictures import AddPicture

SCENES = (
    ((140, 190, 230), (40, 110, 60), "Skiss: en grön plats vid sjön med träningsredskap"),
    ((250, 200, 120), (60, 90, 150), "Skiss: en gångväg längs ån i kvällsljus med lyktstolpar"),
    ((180, 215, 240), (90, 150, 70), "Skiss: en blommande äng i parken under blå himmel"),
)


def _scene(sky: tuple[int, int, int], ground: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (1200, 800), sky)
    draw = ImageDraw.Draw(image)
    draw.ellipse((900, 80, 1040, 220), fill=(255, 235, 150))
    draw.rectangle((0, 480, 1200, 800), fill=ground)
    draw.polygon([(0, 560), (500, 470), (1200, 600), (1200, 800), (0, 800)],
                 fill=(50, 100, 160))
    draw.rectangle((420, 540, 760, 570), fill=(120, 85, 50))
    for x in range(440, 760, 60):
        draw.rectangle((x, 570, x + 12, 640), fill=(90, 60, 35))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def add_demo_pictures(app: Medborgarbudget, proposals: Mapping[str, UUID],
                      proposers: Mapping[str, str]) -> None:
    """A picture on each of the first ideas, added by its proposer while ideas are open."""
    for (title, proposal), (sky, ground, alt) in zip(proposals.items(), SCENES, strict=False):
        app.execute(AddPicture(proposal, _scene(sky, ground), alt, proposers[title]))
