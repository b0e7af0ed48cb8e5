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

from domain.money import DEFAULT_CURRENCY, from_minor, unit
from domain.phases import Phase
from domain.proposal_states import ProposalStatus

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"sv": Locale.parse("sv_SE"), "en": Locale.parse("en_GB")}


def N_(message: str) -> str:
    return message


PHASE_LABELS: dict[str, str] = {
    Phase.DRAFT: N_("Draft (political decision)"),
    Phase.IDEAS: N_("Collecting ideas"),
    Phase.REVIEW: N_("Review"),
    Phase.SUPPORT: N_("Supporting proposals"),
    Phase.VOTING: N_("Voting"),
    Phase.COUNTING: N_("Counting"),
    Phase.RESULTS: N_("Results"),
    Phase.IMPLEMENTATION: N_("Implementation"),
    Phase.EVALUATION: N_("Evaluation"),
    Phase.CLOSED: N_("Closed"),
    Phase.CANCELLED: N_("Cancelled"),
}

STATUS_LABELS: dict[str, str] = {
    ProposalStatus.SUBMITTED: N_("Received, waiting for review"),
    ProposalStatus.FEASIBLE: N_("Feasible"),
    ProposalStatus.INFEASIBLE: N_("Not feasible"),
    ProposalStatus.MERGED: N_("Merged with another proposal"),
    ProposalStatus.WITHDRAWN: N_("Withdrawn"),
    ProposalStatus.IN_PROGRESS: N_("Being built"),
    ProposalStatus.COMPLETED: N_("Built"),
    ProposalStatus.ABANDONED: N_("Will not be built"),
    # A feasible proposal once the results are out (`shown_status`).
    "selected": N_("Selected"),
    "not_selected": N_("Not selected"),
}


def phase_name(phase: str, lang: str) -> str:
    """The phase's name in `lang` ("Röstning", "Voting"): the one source of every phase name
    the pages, the API (`phase_sv`) and the CLI show."""
    return translations(lang).gettext(PHASE_LABELS[phase])


def shown_status(status: str, selected: bool | None) -> str:
    """The status to show a proposal under: once the vote is counted (`selected` not None), a
    feasible proposal is selected or not; one being built, built or abandoned says that."""
    if status == ProposalStatus.FEASIBLE and selected is not None:
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


def money(amount: int | None, currency: str | None, lang: str) -> str:
    """An amount held in minor units (öre), for the page's language: a space (no-break) between
    thousands and a decimal comma in Swedish, commas and a point in English, the öre only when
    there are some; 'kr' for kronor in both, any other currency by its code: '31 666,67 kr',
    '150,000 kr', '479 000 PLN'. The same as the domain writes amounts (domain/money.py)."""
    if amount is None or amount == "":
        return "\u2013"  # an en dash: no amount
    return major(from_minor(int(amount)), currency, lang)


def major(amount: Decimal, currency: str | None, lang: str) -> str:
    """An amount of whole units (Decimal), as `money` writes it; every decimal it has kept."""
    fraction = format(amount, "f").partition(".")[2].rstrip("0")
    places = max(2, len(fraction)) if fraction else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    number = format_decimal(amount, format=pattern, locale=LOCALES[lang],
                            decimal_quantization=False)
    return f"{number}\u00a0{unit(currency or DEFAULT_CURRENCY)}"


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
