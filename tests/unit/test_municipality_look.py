"""The municipality's look and the pages' words, without I/O: colour contrast as WCAG measures
it, the settings refusing unreadable colours by name, the generated stylesheet, why a resident
may not vote in an area, and a reason as a sentence (ADR 0027)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.areas import Eligibility, IneligibleCode
from service.colours import contrast, hex_colour
from service.config import ConfigurationError, Settings
from service.pages import i18n
from service.pages.branding import Brand
from service.web.forms import Gettext
from service.web.ineligible import ineligible_text

ON = date(2027, 4, 20)
NAMES = {"norr": "Planeringsområde Norr", "soder": "Planeringsområde Söder"}


def test_contrast_is_measured_as_wcag_does() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#0b4f8a", "#0b4f8a") == pytest.approx(1.0)
    assert contrast("#767676", "#fff") >= 4.5 > contrast("#777777", "#ffffff")
    assert hex_colour(" #ABC ") == "#aabbcc"
    for bad in ("blue", "#12345", "0b4f8a", "#gggggg"):
        with pytest.raises(ValueError):
            hex_colour(bad)


def test_the_default_colours_pass_and_readable_ones_are_taken() -> None:
    settings = Settings.from_env({})
    assert (settings.brand_colour, settings.brand_text_colour) == ("#0b4f8a", "#ffffff")
    chosen = Settings.from_env({"MEDBORGARBUDGET_BRAND_COLOUR": "#7A1F3D"})
    assert chosen.brand_colour == "#7a1f3d"


@pytest.mark.parametrize(("env", "named"), [
    ({"MEDBORGARBUDGET_BRAND_TEXT_COLOUR": "#777777"}, "MEDBORGARBUDGET_BRAND_TEXT_COLOUR"),
    ({"MEDBORGARBUDGET_BRAND_COLOUR": "#ffcc00", "MEDBORGARBUDGET_BRAND_TEXT_COLOUR": "#000000"},
     "MEDBORGARBUDGET_BRAND_COLOUR"),
    ({"MEDBORGARBUDGET_BRAND_COLOUR": "#9e9e9e"}, "MEDBORGARBUDGET_BRAND_COLOUR"),
    ({"MEDBORGARBUDGET_BRAND_COLOUR": "red"}, "MEDBORGARBUDGET_BRAND_COLOUR"),
    ({"MEDBORGARBUDGET_LOGO": "/no/such/logo.svg"}, "MEDBORGARBUDGET_LOGO"),
    ({"MEDBORGARBUDGET_LOGO": "http://example.org/logo.svg"}, "MEDBORGARBUDGET_LOGO"),
])
def test_an_unreadable_colour_or_a_missing_logo_refuses_the_start_naming_the_variable(
        env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named) as refused:
        Settings.from_env(env)
    if "COLOUR" in named and "red" not in env.values():
        assert "4.5:1" in str(refused.value)


def test_the_stylesheet_carries_the_colours_and_a_logo_file_or_address(tmp_path: Path) -> None:
    logo = tmp_path / "vapen.svg"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    settings = Settings.from_env({"MEDBORGARBUDGET_BRAND_COLOUR": "#7a1f3d",
                                  "MEDBORGARBUDGET_LOGO": str(logo),
                                  "MEDBORGARBUDGET_MUNICIPALITY": "Nässjö kommun"})
    brand = Brand.of(settings)
    assert "--brand: #7a1f3d" in brand.css() and "--on-brand: #ffffff" in brand.css()
    assert (brand.logo_src, brand.image_origin, brand.municipality) == (
        "/brand/logo", None, "Nässjö kommun")
    remote = Brand(logo="https://www.nassjo.se/logo.svg")
    assert (remote.logo_src, remote.image_origin) == ("https://www.nassjo.se/logo.svg",
                                                      "https://www.nassjo.se")


def _words(lang: str) -> Gettext:
    return i18n.translations(lang).gettext


def test_why_not_gives_the_age_and_the_place_in_the_residents_words() -> None:
    youth = Eligibility(min_age=13, max_age=25)
    too_old = youth.why_not(date(1990, 5, 1), "norr", ON)
    assert too_old is not None and (too_old.code, too_old.age) == (IneligibleCode.TOO_OLD, 36)
    assert too_old.message == "voters in this area must be at most 25 years old"
    assert ineligible_text(too_old, NAMES, _words("sv")) == (
        "Du är 36 år. Den som röstar i området får vara högst 25 år.")
    too_young = youth.why_not(date(2016, 5, 1), "norr", ON)
    assert too_young is not None
    assert ineligible_text(too_young, NAMES, _words("en")) == (
        "You are 10 years old. Voters in this area must be at least 13.")
    south = Eligibility(residence="soder").why_not(None, "norr", ON)
    assert south is not None and south.code is IneligibleCode.ELSEWHERE
    assert ineligible_text(south, NAMES, _words("sv")) == (
        "Enligt din inloggning bor du i Planeringsområde Norr. Området är till för dem som "
        "bor i Planeringsområde Söder.")
    both = Eligibility(residence=("norr", "soder"), accept_works_in=True)
    away = both.why_not(None, None, ON)
    assert away is not None
    assert ineligible_text(away, NAMES, _words("en")) == (
        "Your sign-in did not tell us where you live. This area is for those who live or work "
        "in Planeringsområde Norr or Planeringsområde Söder.")
    unknown_age = youth.why_not(None, "norr", ON)
    assert unknown_age is not None and unknown_age.code is IneligibleCode.NO_BIRTH_DATE
    assert Eligibility(municipality_wide=True).why_not(None, "norr", ON, {"norr"}) is None


def test_a_reason_stands_as_a_sentence_and_votes_are_called_votes() -> None:
    assert i18n.sentence("did not fit: 8 000 kr left") == "Did not fit: 8 000 kr left."
    assert i18n.sentence("Marken är förorenad.") == "Marken är förorenad."
    assert i18n.sentence("") == ""
    swedish = _words("sv")
    assert swedish(i18n.score_label("approval")) == "Röster"
    assert swedish(i18n.score_label("knapsack")) == "Röster"
    assert swedish(i18n.score_label("cumulative")) == "Poäng"
    assert i18n.score_label("approval") == "Votes" and i18n.score_label("ranked") == "Score"
