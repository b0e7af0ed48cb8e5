"""Why a resident may not vote in an area, in their words: the domain's reason
(`domain.areas.Ineligible`) with their own age or residence, named as the pages name places."""

from __future__ import annotations

from collections.abc import Mapping

from domain.areas import Ineligible, IneligibleCode
from service.web.forms import Gettext


def _places(codes: tuple[str, ...], names: Mapping[str, str], _: Gettext) -> str:
    named = [names.get(code, code) for code in codes]
    if len(named) <= 1:
        return "".join(named)
    return f"{', '.join(named[:-1])} {_('or')} {named[-1]}"


def ineligible_text(why: Ineligible, names: Mapping[str, str], _: Gettext) -> str:
    """One or two full sentences. `names`: what to call each residence code (the areas'
    names, `domain.areas.residence_names`)."""
    e = why.eligibility
    if why.code is IneligibleCode.NO_BIRTH_DATE:
        return _("This area has an age limit, and your sign-in did not tell us your age.")
    if why.code is IneligibleCode.TOO_YOUNG:
        return _("You are %(age)s years old. Voters in this area must be at least %(low)s.") % {
            "age": why.age, "low": e.min_age}
    if why.code is IneligibleCode.TOO_OLD:
        return _("You are %(age)s years old. Voters in this area must be at most %(high)s.") % {
            "age": why.age, "high": e.max_age}
    home = names.get(why.residence, why.residence) if why.residence else None
    if why.code is IneligibleCode.ELSEWHERE:
        places = _places(e.residences, names, _)
        wanted = (_("This area is for those who live or work in %(places)s.")
                  if e.accept_works_in else _("This area is for those who live in %(places)s.")
                  ) % {"places": places}
    else:
        wanted = (_("This area is for those who live or work in the municipality.")
                  if e.accept_works_in else _("This area is for those who live in the "
                                              "municipality."))
    if home is None:
        return _("Your sign-in did not tell us where you live.") + " " + wanted
    return _("Your sign-in says you live in %(home)s.") % {"home": home} + " " + wanted
