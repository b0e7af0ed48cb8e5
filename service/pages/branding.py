"""The municipality's look from configuration (ADR 0027): its name and logo in every page's
header, and its colours through a stylesheet generated at start, /brand.css (the
Content-Security-Policy allows no inline style). The colours were checked for contrast when
the settings were read (service/config.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from service.config import BRAND_COLOUR_DEFAULT, BRAND_TEXT_COLOUR_DEFAULT, Settings

router = APIRouter(include_in_schema=False)
LOGO_PATH = "/brand/logo"
CSS_PATH = "/brand.css"


@dataclass(frozen=True)
class Brand:
    municipality: str | None = None  # None: the pages name no municipality
    logo: str | None = None  # a file, or an https address
    colour: str = BRAND_COLOUR_DEFAULT
    text_colour: str = BRAND_TEXT_COLOUR_DEFAULT

    @classmethod
    def of(cls, settings: Settings) -> Brand:
        return cls(settings.municipality, settings.logo, settings.brand_colour,
                   settings.brand_text_colour)

    @property
    def logo_src(self) -> str | None:
        """Where a page's <img> finds the logo: its address, or this site's copy of the file."""
        if self.logo is None:
            return None
        return self.logo if self.logo.startswith("https://") else LOGO_PATH

    @property
    def image_origin(self) -> str | None:
        """The other site the logo comes from, which the Content-Security-Policy must allow."""
        if self.logo is None or not self.logo.startswith("https://"):
            return None
        parts = urlsplit(self.logo)
        return f"{parts.scheme}://{parts.netloc}"

    def css(self) -> str:
        # Custom properties first, so that style.css's own rules follow the municipality's.
        return (
            "/* Generated from MEDBORGARBUDGET_BRAND_COLOUR and _BRAND_TEXT_COLOUR. */\n"
            f":root {{ --accent: {self.colour}; --brand: {self.colour}; "
            f"--on-brand: {self.text_colour}; }}\n"
            "header.site { background: var(--brand); }\n"
            "header.site a, header.site .account, header.site button.link "
            "{ color: var(--on-brand); }\n"
            "button, .button { background: var(--brand); border-color: var(--brand); "
            "color: var(--on-brand); }\n"
            "button.link { background: none; }\n"
        )


def brand_of(request: Request) -> Brand:
    brand: Brand = getattr(request.app.state, "brand", None) or Brand()
    return brand


@router.get(CSS_PATH)
def brand_css(request: Request) -> Response:
    return Response(brand_of(request).css(), media_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get(LOGO_PATH)
def brand_logo(request: Request) -> Response:
    brand = brand_of(request)
    if brand.logo is None or brand.logo_src != LOGO_PATH:
        return Response(status_code=404)
    return FileResponse(Path(brand.logo), headers={"Cache-Control": "public, max-age=300"})
