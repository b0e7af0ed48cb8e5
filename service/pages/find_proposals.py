"""The proposals page's search form: the same parameters as the API (service/proposal_search.py),
the filters in use shown with a link that removes each, and a refusal in words a resident
understands. Works without JavaScript: the form is a plain GET."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from domain.categories import category_names
from domain.errors import InvalidInput
from domain.money import from_minor
from domain.proposal import STATUSES
from projections.search import ProposalFilter
from service.pages import i18n
from service.proposal_search import PARAMETERS, parse_filter

__all__ = ["PARAMETERS", "asked", "choices", "condition", "form_values", "refusal",
           "shown_filters"]

Gettext = Callable[[str], str]
MAX_SHOWN = 80  # characters of a filter's value the page repeats

# What a resident is told for a parameter the service refuses (the API names it exactly).
REFUSALS = {
    "q": i18n.N_("The search text can be at most 200 characters long."),
    "area": i18n.N_("There is no such area in this cycle: choose one in the list."),
    "category": i18n.N_("There is no such category in this cycle: choose one in the list."),
    "status": i18n.N_("There is no such status: choose one in the list."),
    "max_cost": i18n.N_("Give the highest cost as an amount of 0 or more, for example 50000."),
    "max_cost_minor": i18n.N_(
        "Give the highest cost as an amount of 0 or more, for example 50000."),
}


@dataclass(frozen=True)
class Shown:
    """A filter in use, as the page lists it: what it is, and where it goes when removed."""

    label: str
    value: str
    remove_url: str


def asked(params: Mapping[str, str]) -> dict[str, str]:
    """The search parameters given with a value (an empty form field is no filter)."""
    return {k: params[k] for k in PARAMETERS if params.get(k, "").strip()}


def refusal(params: Mapping[str, str], cycle: Mapping[str, Any], lang: str) -> str | None:
    """Why the page cannot show what `params` ask for, in the reader's language; None: it can."""
    try:
        parse_filter(asked(params), cycle)
    except InvalidInput as error:
        message = REFUSALS.get(error.field, REFUSALS["q"])
        return i18n.translations(lang).gettext(message)
    return None


def condition(params: Mapping[str, str], cycle: Mapping[str, Any]) -> ProposalFilter:
    return parse_filter(asked(params), cycle)


def shown_filters(path: str, params: Mapping[str, str], cycle: Mapping[str, Any],
                  lang: str) -> list[Shown]:
    gettext = i18n.translations(lang).gettext
    given = asked(params)
    keep = {"lang": lang} if lang != i18n.DEFAULT else {}
    names = category_names(cycle.get("categories"))
    shown = []
    for name, value in given.items():
        others = {k: v for k, v in given.items() if k != name}
        url = path + ("?" + urlencode({**others, **keep}) if others or keep else "")
        if name == "q":
            label, text = gettext("Search"), value
        elif name == "area":
            label = gettext("Area")
            text = str(cycle["areas"].get(value, {}).get("name", value))
        elif name == "category":
            label, text = gettext("Category"), names.get(value, value)
        elif name == "status":
            label, text = gettext("Status"), gettext(i18n.STATUS_LABELS.get(value, value))
        else:
            label, text = gettext("Highest cost"), _amount(name, value, cycle, lang)
        # A refused value is shown as given, cut short: the reader removes it from here.
        shown.append(Shown(label, text[:MAX_SHOWN], url))
    return shown


def _amount(name: str, value: str, cycle: Mapping[str, Any], lang: str) -> str:
    try:
        minor = parse_filter({name: value}, cycle).max_cost_minor
    except InvalidInput:
        return value
    return i18n.money(minor, cycle.get("currency"), lang)


def form_values(params: Mapping[str, str]) -> dict[str, str]:
    values = {k: v[:MAX_SHOWN * 3] for k, v in asked(params).items()}
    minor = values.get("max_cost_minor", "")
    if minor.isascii() and minor.isdigit() and "max_cost" not in values:
        values["max_cost"] = str(from_minor(int(minor)))
    return values


def choices(cycle: Mapping[str, Any], gettext: Gettext) -> dict[str, list[tuple[str, str]]]:
    """The options of the form's lists: the cycle's areas and categories, every status."""
    return {
        "areas": [(a["id"], a["name"]) for a in cycle["areas"].values()],
        "categories": list(category_names(cycle.get("categories")).items()),
        "statuses": [(s, gettext(i18n.STATUS_LABELS[s])) for s in STATUSES],
    }
