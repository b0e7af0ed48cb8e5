"""Swedish by default, English with ?lang=en, through Babel message catalogs.

Message ids are English; `locale/sv/LC_MESSAGES/messages.po` holds the Swedish. The catalog is
compiled in memory at start, so no build step or binary file is needed.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"sv": Locale.parse("sv_SE"), "en": Locale.parse("en_GB")}


def N_(message: str) -> str:
    return message


PHASE_LABELS = {
    "draft": N_("Draft (political decision)"),
    "ideas": N_("Collecting ideas"),
    "review": N_("Review"),
    "voting": N_("Voting"),
    "counting": N_("Counting"),
    "results": N_("Results"),
    "implementation": N_("Implementation"),
    "evaluation": N_("Evaluation"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}

STATUS_LABELS = {
    "submitted": N_("Received, waiting for review"),
    "feasible": N_("Feasible"),
    "infeasible": N_("Not feasible"),
    "merged": N_("Merged with another proposal"),
    "withdrawn": N_("Withdrawn"),
    "in_progress": N_("Being built"),
    "completed": N_("Built"),
    "abandoned": N_("Will not be built"),
    # A feasible proposal once the results are out (`shown_status`).
    "selected": N_("Selected"),
    "not_selected": N_("Not selected"),
}


def shown_status(status: str, selected: bool | None) -> str:
    """The status to show a proposal under: once the vote is counted (`selected` not None), a
    feasible proposal is selected or not; one being built, built or abandoned says that."""
    if status == "feasible" and selected is not None:
        return "selected" if selected else "not_selected"
    return status


def language(requested: str | None) -> str:
    return requested if requested in LANGUAGES else DEFAULT


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return NullTranslations()
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def kronor(amount: int | Decimal | str | None, lang: str) -> str:
    if amount is None or amount == "":
        return "\u2013"  # an en dash: no amount
    return f"{format_decimal(Decimal(str(amount)), locale=LOCALES[lang])}\u00a0kr"


def number(value: int | Decimal | str, lang: str) -> str:
    return format_decimal(Decimal(str(value)), locale=LOCALES[lang])


def day(value: str | date | datetime | None, lang: str) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, "d MMM yyyy HH:mm", tzinfo=None, locale=LOCALES[lang])
    return format_date(value, "d MMM yyyy", locale=LOCALES[lang])
