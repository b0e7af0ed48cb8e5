"""Swedish wording for the counting rules' reasons (which are recorded in English).

The results event stores each reason as an English sentence; pages in Swedish translate the known
sentence patterns and fall back to the recorded English for anything else.
"""

from __future__ import annotations

import re
from decimal import Decimal

from domain.money import SEK
from service.pages.i18n import major

UNITS = {"votes": "röster", "points": "poäng", "vote": "röst", "point": "poäng"}

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), swedish) for pattern, swedish in (
        (r"selected", "vald"),
        (r"did not fit: (?P<left>.+?) left, costs (?P<cost>.+?)"
         r"(?P<stop>; counting stops here \(greedy-no-skip\))?",
         "fick inte plats: {left} kvar, kostar {cost}{stop}"),
        (r"below the threshold of (?P<t>\S+) (?P<u>\w+): it has (?P<s>\S+) (?P<su>\w+)",
         "under tröskeln på {t} {u}: har {s} {su}"),
        (r"below the pot's minimum of (?P<t>\S+) (?P<u>\w+): it has (?P<s>\S+) (?P<su>\w+)",
         "under potens minsta antal på {t} {u}: har {s} {su}"),
        (r"not funded: incompatible with (?P<others>.+), which was funded",
         "fick inga pengar: utesluter {others}, som fick pengar"),
        (r"excluded after the count: (?P<why>.+)", "undantaget efter räkningen: {why}"),
        (r"funded outside the rule: (?P<why>.+)", "finansierat utanför regeln: {why}"),
        (r"not reached: the budget ran out before this project \(greedy-no-skip\)",
         "nåddes inte: budgeten tog slut före detta förslag (greedy-no-skip)"),
        (r"selected in round (?P<r>\d+): (?:its )?(?P<n>[\d ]+) supporters? shared the cost, "
         r"paying at most (?P<x>.+?) each(?P<tie> \(tied on price with (?P<others>.+?); .*\))?",
         "vald i omgång {r}: {n} anhängare delade på kostnaden och betalade högst {x} var"
         "{tie}"),
        (r"not selected: it costs nothing, so under cost utilities it adds no value and "
         r"equal shares never buy it",
         "inte vald: förslaget kostar ingenting och tillför därför inget värde när nyttan mäts "
         "i kostnad; lika andelar köper det aldrig"),
        (r"not selected: no ballot supports it", "inte vald: ingen röst stöder förslaget"),
        (r"not selected: no ballots were cast", "inte vald: inga röster lades"),
        (r"selected: it costs nothing and has supporters",
         "vald: förslaget kostar ingenting och har anhängare"),
        (r"not affordable: its supporters had (?:just under (?P<under>.+?)|(?P<had>.+?)) left "
         r"of their equal shares, it costs (?P<cost>.+?) \(equal share: (?P<share>.+?) per voter"
         r"(?:, after adding (?P<added>.+?) to each share)?\)",
         "kunde inte finansieras: anhängarna hade {had} kvar av sina lika andelar, förslaget "
         "kostar {cost} (lika andel: {share} per väljare{added})"),
    )
)


# An amount as the counting rules write it in a reason (domain.money.format_major): a space
# between thousands, decimals after a comma (after a point in results published before),
# then 'kr' or a currency code.
_AMOUNT = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+)(?:[.,](\d+))?[ \u00a0]"
                     r"(kr|[A-Z]{3})\b")


def localized_amounts(text: str, lang: str) -> str:
    """The amounts in a recorded reason written as the page writes every amount (in its
    language, the same as its tables): '20 000 kr' is '20,000 kr' in English."""
    def written(match: re.Match[str]) -> str:
        whole, fraction, unit = match.groups()
        amount = Decimal(whole.replace(" ", "").replace("\u00a0", "") + "." + (fraction or "0"))
        return major(amount, SEK if unit == "kr" else unit, lang)

    return _AMOUNT.sub(written, text)


def translate_reason(reason: str, lang: str) -> str:
    if lang != "sv":
        return reason
    for pattern, swedish in _PATTERNS:
        match = pattern.match(reason)
        if match is None:
            continue
        parts = {k: v or "" for k, v in match.groupdict().items()}
        if parts.get("stop"):
            parts["stop"] = "; räkningen stannar här (greedy-no-skip)"
        for unit in ("u", "su"):  # each number with its own unit: "1 röst", "2 röster"
            if unit in parts:
                parts[unit] = UNITS.get(parts[unit], parts[unit])
        if "had" in parts:
            parts["had"] = parts["had"] or f"knappt {parts.get('under', '')}"
        if parts.get("tie"):
            parts["tie"] = (f" (lika pris som {parts['others']}; vid lika avgör högre poäng, "
                            "sedan lägre kostnad, sedan lägre id)")
        if parts.get("added"):
            parts["added"] = f", efter att {parts['added']} lagts till varje andel"
        if parts.get("n", "").strip() == "1":
            # One supporter shares nothing with anyone, and pays no amount "var" (each).
            swedish = "vald i omgång {r}: dess enda anhängare betalade högst {x}{tie}"
        return swedish.format(**parts)
    return reason
