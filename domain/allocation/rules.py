"""The allocation rules by name, and the single entry point `allocate`."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from domain.allocation.election import TIE_BREAK_WORDS, Election
from domain.allocation.equal_shares import MesInstance, MesResult, run_mes, run_mes_add1
from domain.allocation.greedy import allocate_greedy
from domain.allocation.outcome import Outcome, money
from domain.allocation.profile import Profile

RULES: tuple[str, ...] = ("greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1")


def allocate(election: Election, rule: str) -> Outcome:
    """Count `election` with `rule`; a ValueError says what is wrong with the input."""
    if rule not in RULES:
        raise ValueError(f"unknown allocation rule {rule!r}; choose one of {', '.join(RULES)}")
    if not isinstance(election, Election):
        raise ValueError(f"expected an Election, got {type(election).__name__}")
    if rule.startswith("greedy"):
        return allocate_greedy(election, rule)
    profile = election.profile
    instance = MesInstance(profile)
    passed_over = election.passed_over()
    # Equal shares never buy what is not buyable, and mes-add1 stops when nothing buyable
    # is left that fits: both leave out a project below the pot's minimum of votes or
    # excluded after the count.
    instance.buyable = [p for p in instance.buyable if p not in passed_over]
    instance.conflicts = election.conflicts()
    if profile.voters == 0:
        outcome = _mes_outcome(rule, profile, instance, None, 0, election.currency)
    elif rule == "mes":
        result = run_mes(instance, Fraction(profile.scaled_budget, profile.voters))
        outcome = _mes_outcome(rule, profile, instance, result, 0, election.currency)
    else:
        accepted = run_mes_add1(instance)
        outcome = _mes_outcome(rule, profile, instance, accepted.result, accepted.added,
                               election.currency)
    if not passed_over and not instance.conflicts:
        return outcome
    reasons = dict(outcome.reasons)
    for index, why in passed_over.items():
        reasons[profile.ids[index]] = why
    funded = {profile.ids.index(pid) for pid in outcome.selected}
    for index, others in instance.conflicts.items():
        excluding = sorted(others & funded)
        if index not in funded and index not in passed_over and excluding:
            reasons[profile.ids[index]] = election.incompatible_reason(index, excluding)
    return replace(outcome, reasons=reasons)


def _mes_outcome(
    rule: str,
    profile: Profile,
    instance: MesInstance,
    result: MesResult | None,
    added: int,
    currency: str,
) -> Outcome:
    reasons: dict[str, str] = {}
    selected = result.selected if result is not None else []
    chosen = set(selected)
    note = ""
    if result is not None:
        share = money(_ore(profile, result.share), currency)
        extra = (f", after adding {money(added, currency)} to each share"
                 if rule == "mes-add1" else "")
        note = f" (equal share: {share} per voter{extra})"
    for p, pid in enumerate(profile.ids):
        cost = profile.money(profile.scaled_costs[p])
        if result is None:
            reasons[pid] = "not selected: no ballots were cast"
        elif p in chosen:
            price = _ore(profile, result.prices[p], up=True)
            reasons[pid] = (
                f"selected in round {result.rounds[p]}: "
                f"{_count(profile.supporters[p], 'supporter')} shared the cost, paying at most "
                f"{money(price, currency)} each"
            )
            if p in result.tied:
                others = ", ".join(profile.ids[o] for o in result.tied[p])
                reasons[pid] += (
                    f" (tied on price with {others}; the tie went to the higher score, "
                    f"then {TIE_BREAK_WORDS[profile.tie_break]})"
                )
        elif instance.support[p] == 0:
            reasons[pid] = "not selected: no ballot supports it"
        elif profile.scaled_costs[p] == 0:
            reasons[pid] = (
                "not selected: it costs nothing, so under cost utilities it adds no value and "
                "equal shares never buy it"
            )
        else:
            left = money(
                _from_ore(result.money_left_floor(p, Fraction(profile.scale, 100))), currency
            )
            reasons[pid] = (
                f"not affordable: its supporters had {left} left of their equal shares, "
                f"it costs {money(cost, currency)}" + note
            )
    spent = result.cost if result is not None else 0
    return Outcome(
        rule=rule,
        selected=[profile.ids[p] for p in selected],
        cost=profile.money(spent),
        left=profile.money(profile.scaled_budget - spent),
        scores={pid: profile.scores[i] for i, pid in enumerate(profile.ids)},
        reasons=reasons,
        tie_break=profile.tie_break,
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,}".replace(",", " ") + " " + (noun if number == 1 else noun + "s")


def _ore(profile: Profile, scaled: Fraction, *, up: bool = False) -> Decimal:
    """An exact amount in scaled units to the öre, rounded down (or up), for the wording."""
    hundredths = scaled * 100 / profile.scale
    return _from_ore(math.ceil(hundredths) if up else math.floor(hundredths))


def _from_ore(ore: int) -> Decimal:
    return Decimal(f"{ore}e-2")  # from text, so no rounding to the context precision
