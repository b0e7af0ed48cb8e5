"""The allocation rules by name, and the single entry point `allocate`."""

from __future__ import annotations

import math
from fractions import Fraction

from domain.allocation.election import Election
from domain.allocation.equal_shares import MesInstance, MesResult, run_mes, run_mes_add1
from domain.allocation.greedy import allocate_greedy
from domain.allocation.outcome import Outcome
from domain.allocation.profile import Profile, profile_of
from domain.allocation.reasons import MINOR_PLACES, Reason, ReasonCode, Tie, TieKind, in_units
from domain.vocabulary import GREEDY_RULES, AllocationRule, values

RULES: tuple[str, ...] = values(AllocationRule)


def allocate(election: Election, rule: str) -> Outcome:
    """Count `election` with `rule`; a ValueError says what is wrong with the input."""
    if rule not in RULES:
        raise ValueError(f"unknown allocation rule {rule!r}; choose one of {', '.join(RULES)}")
    if not isinstance(election, Election):
        raise ValueError(f"expected an Election, got {type(election).__name__}")
    if rule in GREEDY_RULES:
        return allocate_greedy(election, rule)
    profile = profile_of(election)
    instance = MesInstance(profile)
    if profile.voters == 0:
        return _mes_outcome(rule, profile, instance, None, 0, election.currency)
    if rule == AllocationRule.MES:
        result = run_mes(instance, Fraction(profile.scaled_budget, profile.voters))
        return _mes_outcome(rule, profile, instance, result, 0, election.currency)
    accepted = run_mes_add1(instance)
    return _mes_outcome(rule, profile, instance, accepted.result, accepted.added,
                        election.currency)


def _mes_outcome(
    rule: str,
    profile: Profile,
    instance: MesInstance,
    result: MesResult | None,
    added: int,
    currency: str,
) -> Outcome:
    reasons: dict[str, Reason] = {}
    selected = result.selected if result is not None else []
    chosen = set(selected)
    places = profile.places
    finer = 10 ** (places - MINOR_PLACES)  # öre in the reasons' units

    for p, pid in enumerate(profile.ids):
        cost = in_units(profile.money(profile.scaled_costs[p]), places)
        if result is None:
            reasons[pid] = Reason(ReasonCode.NO_BALLOTS)
        elif p in chosen:
            price = _ore(profile, result.prices[p], up=True) * finer
            tie = None
            if p in result.tied:
                tie = Tie(TieKind.WON_ON_PRICE, tuple(profile.ids[o] for o in result.tied[p]),
                          profile.tie_break)
            reasons[pid] = Reason(
                ReasonCode.SELECTED_IN_ROUND, {"price": price}, currency, places,
                counts={"round": result.rounds[p], "supporters": profile.supporters[p]}, tie=tie)
        elif instance.support[p] == 0:
            reasons[pid] = Reason(ReasonCode.NO_SUPPORT)
        elif profile.scaled_costs[p] == 0:
            reasons[pid] = Reason(ReasonCode.COSTS_NOTHING)
        else:
            left = result.money_left_floor(p, Fraction(profile.scale, 100)) * finer
            share = _ore(profile, result.share) * finer
            amounts = {"left": left, "cost": cost, "share": share}
            if rule == "mes-add1":
                amounts["added"] = added * 10**places
            reasons[pid] = Reason(ReasonCode.NOT_AFFORDABLE, amounts, currency, places)
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


def _ore(profile: Profile, scaled: Fraction, *, up: bool = False) -> int:
    """An exact amount in scaled units in whole öre, rounded down (or up), for the reasons."""
    hundredths = scaled * 100 / profile.scale
    return math.ceil(hundredths) if up else math.floor(hundredths)
