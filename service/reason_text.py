"""The counting rules' reasons in words, Swedish or English: the one renderer of the pages, the
API, the CLI's `tally` and whatever else shows a result (ADR 0017).

A reason is recorded as a code with parameters (domain/allocation/reasons.py); the words are
messages of the Babel catalogs (service/pages/locale), with named placeholders and plural forms,
and numbers and amounts written the way the pages write them in each language. Results
published before the codes recorded an English sentence instead: those are read by
service/legacy_reasons.py, and a sentence it does not know is shown as it was recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from domain.allocation.reasons import Reason, ReasonCode, ScoreUnit, Tie, TieKind
from service.legacy_reasons import parse_legacy_reason
from service.pages import i18n

Names = Mapping[str, str]


def recorded_reason(value: object) -> Reason | str:
    """A reason as the results record it (format 3: a mapping; before: an English sentence) or
    as a read model keeps it (JSON text, or the sentence): a Reason when it can be read as one,
    else the recorded text."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return str(value)
    if isinstance(value, Mapping):
        try:
            return Reason.from_dict(value)
        except ValueError:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = value if isinstance(value, str) else ""
    return parse_legacy_reason(text) or text


def reason_text(value: Reason | str | Mapping[str, Any], lang: str,
                names: Names | None = None) -> str:
    """The reason in `lang` ("sv" or "en"); `names` gives the titles of the projects a reason
    names (tied, or incompatible and funded) by id."""
    reason = value if isinstance(value, Reason) else recorded_reason(value)
    if isinstance(reason, str):
        return reason
    words = _Words(lang, names or {})
    text = _SENTENCES[reason.code](words, reason)
    if reason.tie is not None:
        text += words.tie(reason.tie)
    return text


def reason_json(value: object, lang: str) -> dict[str, Any]:
    """For the API and `tally --json`: the code with its parameters (null for a sentence
    recorded before codes that cannot be read as one) and the reason in words."""
    reason = recorded_reason(value)
    return {"code": reason.to_dict() if isinstance(reason, Reason) else None,
            "text": reason_text(reason, lang)}


class _Words:
    def __init__(self, lang: str, names: Names) -> None:
        self.lang = i18n.language(lang)
        translations = i18n.translations(self.lang)
        self.gettext = translations.gettext
        self.ngettext = translations.ngettext
        self.names = names

    def money(self, reason: Reason, name: str) -> str:
        return i18n.major(reason.amount(name), reason.currency, self.lang)

    def number(self, value: int | Decimal) -> str:
        return i18n.number(value, self.lang)

    def score(self, unit: ScoreUnit | None, value: int | Decimal) -> str:
        n = 1 if value == 1 else 2  # plural forms need an int; 1.5 points are "points"
        number = {"num": self.number(value)}
        if unit is ScoreUnit.VOTE:
            return self.ngettext("%(num)s vote", "%(num)s votes", n) % number
        return self.ngettext("%(num)s point", "%(num)s points", n) % number

    def projects(self, ids: tuple[str, ...]) -> str:
        """Other projects, by title where the titles are given."""
        return ", ".join(self.names.get(o, o) for o in ids)

    def tie(self, tie: Tie) -> str:
        others = self.projects(tie.others)
        how = self.tie_break(tie.tie_break)
        values = {"others": others, "how": how}
        if tie.kind is TieKind.WON_ON_SCORE:
            return self.gettext(" (tied on score with %(others)s; the tie went to %(how)s)") \
                % values
        if tie.kind is TieKind.LOST_ON_SCORE:
            return self.gettext(" (tied on score with %(others)s, which the tie-break put "
                                "first: %(how)s)") % values
        return self.gettext(" (tied on price with %(others)s; the tie went to the higher "
                            "score, then %(how)s)") % values

    def tie_break(self, rule: str) -> str:
        if rule == "project-id":
            return self.gettext("the lower project id (compared as text, as pabutools does)")
        if rule == "file-order":
            return self.gettext("the project listed first")
        return self.gettext("the lower cost, then the lower id")


def _selected(w: _Words, r: Reason) -> str:
    return w.gettext("selected")


def _did_not_fit(w: _Words, r: Reason) -> str:
    return w.gettext("did not fit: %(left)s left, costs %(cost)s") % {
        "left": w.money(r, "left"), "cost": w.money(r, "cost")}


def _did_not_fit_counting_stops(w: _Words, r: Reason) -> str:
    return w.gettext("did not fit: %(left)s left, costs %(cost)s; counting stops here "
                     "(greedy-no-skip)") % {
        "left": w.money(r, "left"), "cost": w.money(r, "cost")}


def _not_reached(w: _Words, r: Reason) -> str:
    return w.gettext("not reached: the budget ran out before this project (greedy-no-skip)")


def _below_threshold(w: _Words, r: Reason) -> str:
    return w.gettext("below the threshold of %(threshold)s: it has %(score)s") % {
        "threshold": w.score(r.unit, r.counts["threshold"]),
        "score": w.score(r.unit, r.counts["score"])}


def _selected_in_round(w: _Words, r: Reason) -> str:
    supporters = int(r.counts["supporters"])
    return w.ngettext(
        "selected in round %(round)s: its only supporter paid at most %(price)s",
        "selected in round %(round)s: %(supporters)s supporters shared the cost, paying at "
        "most %(price)s each", supporters) % {
        "round": w.number(r.counts["round"]), "supporters": w.number(supporters),
        "price": w.money(r, "price")}


def _no_ballots(w: _Words, r: Reason) -> str:
    return w.gettext("not selected: no ballots were cast")


def _no_support(w: _Words, r: Reason) -> str:
    return w.gettext("not selected: no ballot supports it")


def _costs_nothing(w: _Words, r: Reason) -> str:
    return w.gettext("not selected: it costs nothing, so under cost utilities it adds no "
                     "value and equal shares never buy it")


def _not_affordable(w: _Words, r: Reason) -> str:
    values = {"left": w.money(r, "left"), "cost": w.money(r, "cost"),
              "share": w.money(r, "share")}
    if "added" in r.amounts:
        values["added"] = w.money(r, "added")
        return w.gettext("not affordable: its supporters had %(left)s left of their equal "
                         "shares, it costs %(cost)s (equal share: %(share)s per voter, after "
                         "adding %(added)s to each share)") % values
    return w.gettext("not affordable: its supporters had %(left)s left of their equal shares, "
                     "it costs %(cost)s (equal share: %(share)s per voter)") % values


def _below_min_votes(w: _Words, r: Reason) -> str:
    return w.gettext("below the pot's minimum of %(minimum)s: it has %(votes)s") % {
        "minimum": w.score(ScoreUnit.VOTE, r.counts["min_votes"]),
        "votes": w.score(ScoreUnit.VOTE, r.counts["votes"])}


def _incompatible_funded(w: _Words, r: Reason) -> str:
    return w.ngettext("not funded: incompatible with %(others)s, which was funded",
                      "not funded: incompatible with %(others)s, which were funded",
                      len(r.projects)) % {"others": w.projects(r.projects)}


def _excluded_after_count(w: _Words, r: Reason) -> str:
    return w.gettext("excluded after the count: %(why)s") % {"why": r.note}


def _funded_outside_rule(w: _Words, r: Reason) -> str:
    return w.gettext("funded outside the rule: %(why)s") % {"why": r.note}


_SENTENCES: Mapping[ReasonCode, Callable[[_Words, Reason], str]] = {
    ReasonCode.SELECTED: _selected,
    ReasonCode.DID_NOT_FIT: _did_not_fit,
    ReasonCode.DID_NOT_FIT_COUNTING_STOPS: _did_not_fit_counting_stops,
    ReasonCode.NOT_REACHED: _not_reached,
    ReasonCode.BELOW_THRESHOLD: _below_threshold,
    ReasonCode.SELECTED_IN_ROUND: _selected_in_round,
    ReasonCode.NO_BALLOTS: _no_ballots,
    ReasonCode.NO_SUPPORT: _no_support,
    ReasonCode.COSTS_NOTHING: _costs_nothing,
    ReasonCode.NOT_AFFORDABLE: _not_affordable,
    ReasonCode.BELOW_MIN_VOTES: _below_min_votes,
    ReasonCode.INCOMPATIBLE_FUNDED: _incompatible_funded,
    ReasonCode.EXCLUDED_AFTER_COUNT: _excluded_after_count,
    ReasonCode.FUNDED_OUTSIDE_RULE: _funded_outside_rule,
}
