"""The allocation rules by name, and the single entry point `allocate`."""

from __future__ import annotations

import math

from domain.allocation.election import Election
from domain.allocation.equal_shares import MesInstance, MesResult, run_mes, run_mes_add1
from domain.allocation.greedy import allocate_greedy
from domain.allocation.outcome import Outcome, kronor
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
    if profile.voters == 0:
        return _mes_outcome(rule, profile, instance, None, 0)
    if rule == "mes":
        from fractions import Fraction

        result = run_mes(instance, Fraction(profile.scaled_budget, profile.voters))
        return _mes_outcome(rule, profile, instance, result, 0)
    result, added = run_mes_add1(instance)
    return _mes_outcome(rule, profile, instance, result, added)


def _mes_outcome(
    rule: str,
    profile: Profile,
    instance: MesInstance,
    result: MesResult | None,
    added: int,
) -> Outcome:
    reasons: dict[str, str] = {}
    selected = result.selected if result is not None else []
    chosen = set(selected)
    share = (
        kronor(_whole(profile, float(result.share))) if result is not None else kronor(0)
    )
    share_note = f" (equal share: {share} per voter" + (
        f", after adding {added} kr to each share)" if rule == "mes-add1" else ")"
    )
    for p, pid in enumerate(profile.ids):
        cost = profile.money(profile.scaled_costs[p])
        if result is None:
            reasons[pid] = "not selected: no ballots were cast"
        elif p in chosen and profile.scaled_costs[p] == 0:
            reasons[pid] = "selected: it costs nothing and has supporters"
        elif p in chosen:
            price = _whole(profile, result.prices.get(p, 0.0), up=True)
            reasons[pid] = (
                f"selected in round {result.rounds.get(p, 0)}: its "
                f"{profile.supporters[p]} supporters shared the cost, paying at most "
                f"{kronor(price)} each"
            )
        elif instance.support[p] == 0:
            reasons[pid] = "not selected: no ballot supports it"
        else:
            have = result.left_with_supporters[p]
            shown = _whole(profile, float(have))
            text = (
                f"{kronor(shown)} left" if shown < cost else f"just under {kronor(cost)} left"
            )
            reasons[pid] = (
                f"not affordable: its supporters had {text} of their equal shares, "
                f"it costs {kronor(cost)}" + share_note
            )
    spent = result.cost if result is not None else 0
    return Outcome(
        rule=rule,
        selected=[profile.ids[p] for p in selected],
        cost=profile.money(spent),
        left=profile.money(profile.scaled_budget - spent),
        scores={pid: profile.scores[i] for i, pid in enumerate(profile.ids)},
        reasons=reasons,
    )


def _whole(profile: Profile, scaled: float, *, up: bool = False) -> int:
    """A float amount in scaled units as whole kronor, for the wording of reasons only."""
    value = scaled / profile.scale
    return int(math.ceil(value)) if up else int(math.floor(value))
