"""Reasons of results published before reasons were codes (results format 1 and 2): English
sentences, read back as the codes they stand for, so that old results are worded like new ones
in both languages (ADR 0017).

These are the sentences the counting rules wrote until then, and nothing else: the patterns are
frozen with them. A sentence none matches (an earlier wording) is shown as it was recorded.
"""

from __future__ import annotations

import re
from decimal import Decimal

from domain.allocation.reasons import MINOR_PLACES, Reason, ReasonCode, ScoreUnit, Tie, TieKind
from domain.money import SEK

# How the rules named a tie-break then (domain/allocation/election.py, TIE_BREAK_WORDS).
_TIE_BREAKS = {
    "the lower cost, then the lower id": "lower-cost",
    "the lower project id (compared as text, as pabutools does)": "project-id",
    "the project listed first": "file-order",
}


def _how(group: str) -> str:
    return f"(?P<{group}>" + "|".join(re.escape(words) for words in _TIE_BREAKS) + ")"


# An amount as the rules wrote it: a space between thousands, decimals after a comma (after a
# point in format 1), then 'kr' or a currency code.
_MONEY = r"\d+(?:[ \u00a0]\d{3})*(?:[.,]\d+)?[ \u00a0](?:kr|[A-Z]{3})"
_AMOUNT = re.compile(r"^(?P<whole>[\d \u00a0]+?)(?:[.,](?P<fraction>\d+))?[ \u00a0]"
                     r"(?P<unit>kr|[A-Z]{3})$")

_TIE = re.compile(
    rf"^(?P<main>.*?) \((?:tied on score with (?P<won>.+?); the tie went to {_how('how')}"
    rf"|tied on score with (?P<lost>.+?), which the tie-break put first: {_how('how2')}"
    rf"|tied on price with (?P<price>.+?); the tie went to the higher score, then "
    rf"{_how('how3')})\)$")
_MAIN: tuple[tuple[ReasonCode, re.Pattern[str]], ...] = tuple(
    (code, re.compile(f"^{pattern}$")) for code, pattern in (
        (ReasonCode.SELECTED, "selected"),
        (ReasonCode.DID_NOT_FIT,
         rf"did not fit: (?P<left>{_MONEY}) left, costs (?P<cost>{_MONEY})"),
        (ReasonCode.DID_NOT_FIT_COUNTING_STOPS,
         rf"did not fit: (?P<left>{_MONEY}) left, costs (?P<cost>{_MONEY}); counting stops here "
         r"\(greedy-no-skip\)"),
        (ReasonCode.NOT_REACHED,
         r"not reached: the budget ran out before this project \(greedy-no-skip\)"),
        (ReasonCode.BELOW_THRESHOLD,
         r"below the threshold of (?P<threshold>[\d.]+) (?P<unit>vote|point)s?: "
         r"it has (?P<score>\d+) (?:vote|point)s?"),
        (ReasonCode.SELECTED_IN_ROUND,
         r"selected in round (?P<round>\d+): (?:its )?(?P<supporters>\d{1,3}(?: \d{3})*) "
         rf"supporters? shared the cost, paying at most (?P<price>{_MONEY}) each"),
        (ReasonCode.NO_BALLOTS, "not selected: no ballots were cast"),
        (ReasonCode.NO_SUPPORT, "not selected: no ballot supports it"),
        (ReasonCode.COSTS_NOTHING,
         "not selected: it costs nothing, so under cost utilities it adds no value and equal "
         "shares never buy it"),
        (ReasonCode.NOT_AFFORDABLE,
         rf"not affordable: its supporters had (?P<left>{_MONEY}) left of their equal shares, "
         rf"it costs (?P<cost>{_MONEY}) \(equal share: (?P<share>{_MONEY}) per voter"
         rf"(?:, after adding (?P<added>{_MONEY}) to each share)?\)"),
    )
)
_AMOUNT_NAMES = ("left", "cost", "price", "share", "added")


def parse_legacy_reason(sentence: str) -> Reason | None:
    """The reason an old results event recorded as `sentence`, or None if it is not one of
    the sentences the rules wrote."""
    tie: Tie | None = None
    main = sentence
    if (tied := _TIE.match(sentence)) is not None:
        main = tied["main"]
        for kind, others, how in ((TieKind.WON_ON_SCORE, "won", "how"),
                                  (TieKind.LOST_ON_SCORE, "lost", "how2"),
                                  (TieKind.WON_ON_PRICE, "price", "how3")):
            if tied[others]:
                tie = Tie(kind, tuple(tied[others].split(", ")), _TIE_BREAKS[tied[how]])
    for code, pattern in _MAIN:
        if (found := pattern.match(main)) is None:
            continue
        parts = {k: v for k, v in found.groupdict().items() if v is not None}
        try:
            return _reason(code, parts, tie)
        except ValueError:
            return None
    return None


def _reason(code: ReasonCode, parts: dict[str, str], tie: Tie | None) -> Reason:
    amounts = {name: _amount(parts[name]) for name in _AMOUNT_NAMES if name in parts}
    currency = next((c for _, _, c in amounts.values()), "")
    places = max((p for _, p, _ in amounts.values()), default=MINOR_PLACES)
    counts: dict[str, int | Decimal] = {}
    for name in ("round", "supporters", "score"):
        if name in parts:
            counts[name] = int(parts[name].replace(" ", ""))
    if "threshold" in parts:
        threshold = Decimal(parts["threshold"])
        counts["threshold"] = int(threshold) if threshold == int(threshold) else threshold
    return Reason(
        code,
        {name: int(value.scaleb(places)) for name, (value, _, _) in amounts.items()},
        currency, places, counts,
        unit=ScoreUnit(parts["unit"]) if "unit" in parts else None, tie=tie)


def _amount(text: str) -> tuple[Decimal, int, str]:
    found = _AMOUNT.match(text)
    if found is None:
        raise ValueError(text)
    whole = found["whole"].replace(" ", "").replace("\u00a0", "")
    fraction = found["fraction"] or ""
    currency = SEK if found["unit"] == "kr" else found["unit"]
    return Decimal(f"{whole}.{fraction or 0}"), max(MINOR_PLACES, len(fraction)), currency
