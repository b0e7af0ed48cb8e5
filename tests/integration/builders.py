"""Builders shared by the integration tests: cycles really driven through the application service,
on a real store, up to any phase.

Each phase is reached by the commands a municipality would give, never by writing state directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import pytest

from domain.phases import TRANSITIONS, TRIGGERS, Phase
from service import support_round as support
from service.application import Medborgarbudget, actor_of
from service.ballot_intake import Voter
from tests.ballots import cast_ballot, person

ADMIN = actor_of("admin", "test.processledare")
REVIEWER = actor_of("reviewer", "test.tjansteperson")
OFFICIAL = actor_of("official", "test.valforrattare")

AREAS: tuple[Mapping[str, Any], ...] = (
    {"id": "norr", "name": "Norr", "kind": "territorial", "budget": 100_000,
     "eligibility": {"residence": "norr"}},
    {"id": "unga", "name": "Unga", "kind": "group", "budget": 50_000,
     "eligibility": {"min_age": 13, "max_age": 25}},
)
APPROVAL: Mapping[str, Any] = {"kind": "approval", "min_choices": 1, "max_choices": 2}

# (area, title, estimated cost, official cost or None for infeasible)
IDEAS: tuple[tuple[str, str, int, int | None], ...] = (
    ("norr", "Utegym vid sjön", 60_000, 65_000),
    ("norr", "Belysning längs ån", 30_000, 30_000),
    ("norr", "Ny simhall", 5_000_000, None),
    ("unga", "Ungdomscafé", 20_000, 25_000),
    ("unga", "Graffitivägg", 15_000, 15_000),
)

# The phases in the order a cycle runs through them, with the trigger that enters each one.
FORWARD: tuple[tuple[str, Phase], ...] = (
    ("open_ideas", Phase.IDEAS),
    ("close_ideas", Phase.REVIEW),
    ("open_voting", Phase.VOTING),
    ("close_voting", Phase.COUNTING),
    ("publish_results", Phase.RESULTS),
    ("adopt", Phase.IMPLEMENTATION),
    ("start_evaluation", Phase.EVALUATION),
    ("close", Phase.CLOSED),
)


# A cycle with a support round goes review -> support -> voting instead of review -> voting.
SUPPORT_PATH: tuple[tuple[str, Phase], ...] = (
    ("open_support", Phase.SUPPORT), ("close_support", Phase.VOTING))
SUPPORT_ROUND: Mapping[str, Any] = {"default": {"kind": "top", "value": 1}}


def graph_triggers(phase: Phase, support_round: bool = False) -> list[str]:
    """The triggers the phase graph (domain.phases.TRANSITIONS) has from `phase`, in order,
    but for the way to voting the cycle cannot take (with or without a support round)."""
    closed = "open_voting" if support_round else "open_support"
    return [trigger for trigger, sources, _, _ in TRANSITIONS
            if phase in sources and trigger != closed]


def forward_path(support_round: bool) -> tuple[tuple[str, Phase], ...]:
    if not support_round:
        return FORWARD
    review = [t for t, _ in FORWARD].index("open_voting")
    return (*FORWARD[:review], *SUPPORT_PATH, *FORWARD[review + 1:])


def graph_destination(phase: Phase, trigger: str) -> Phase | None:
    for name, sources, destination, _ in TRANSITIONS:
        if name == trigger and phase in sources:
            return destination
    return None


assert set(TRIGGERS) == {t for t, _, _, _ in TRANSITIONS}


def stored(app: Medborgarbudget) -> int:
    """The id of the last notification in the store (0 when empty)."""
    return app.recorder.max_notification_id() or 0


def stored_since(app: Medborgarbudget, position: int) -> list[Any]:
    """The notifications stored after `position`. (Counted, not subtracted: on PostgreSQL a
    refused insert uses up a notification id, so ids may have gaps.)"""
    return list(app.recorder.select_notifications(position + 1, 1000))


E = TypeVar("E", bound=BaseException)


def refused_storing_nothing(
    app: Medborgarbudget, error: type[E], command: Callable[[], object], match: str | None = None
) -> E:
    """Run a command that must be refused with `error` (whose message contains the literal text
    `match`, if given); check that nothing was stored."""
    before = stored(app)
    with pytest.raises(error, match=re.escape(match) if match else None) as refusal:
        command()
    assert stored(app) == before, "a refused command stored events"
    return refusal.value


def resident(number: int, area: str = "norr") -> Voter:
    if area == "unga":
        return person(number, date(2008, 5, 17), "soder")
    return person(number, date(1970, 1, 1), area)


@dataclass
class Built:
    """A cycle driven to a phase, and what was done on the way."""

    cycle_id: UUID
    phase: Phase = Phase.DRAFT
    proposals: dict[str, UUID] = field(default_factory=dict)  # title -> id
    feasible: dict[str, list[UUID]] = field(default_factory=dict)  # area -> feasible ids
    ballots: list[UUID] = field(default_factory=list)


def configured_cycle(
    app: Medborgarbudget,
    *,
    decision: bool = True,
    areas: Sequence[Mapping[str, Any]] = AREAS,
    rule: Mapping[str, Any] | None = APPROVAL,
    name: str = "Medborgarbudget Testby 2027",
    support_round: Mapping[str, Any] | None = None,
) -> UUID:
    cycle_id = app.create_cycle(name, "Testby kommun", ADMIN)
    if support_round is not None:
        support.configure(app, cycle_id, support_round, ADMIN)
    if decision:
        app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
    for area in areas:
        app.add_area(cycle_id, area, ADMIN)
    if rule is not None:
        app.set_voting_rule(cycle_id, rule, ADMIN)
    return cycle_id


def drive(app: Medborgarbudget, target: Phase, *, prepared: bool = True,
          voters: int = 3, support_round: bool | None = None) -> Built:
    """A configured cycle taken by real commands into `target`.

    With `prepared`, the facts the next forward trigger's guard needs are recorded on arrival
    (ideas: proposals submitted; review: every proposal reviewed; support: a support given in
    each area; results: adoption recorded; evaluation: evaluation recorded), so that every
    trigger of the graph is allowed from there. `support_round` (SUPPORT_ROUND; by default only
    when `target` is the support phase): the way through the support round.
    """
    if support_round is None:
        support_round = target is Phase.SUPPORT
    built = Built(configured_cycle(app, support_round=SUPPORT_ROUND if support_round else None))
    if target is Phase.CANCELLED:
        app.trigger(built.cycle_id, "cancel", ADMIN, "Budgeten drogs in")
        built.phase = Phase.CANCELLED
        return built
    for trigger, phase in ((None, Phase.DRAFT), *forward_path(support_round)):
        if trigger is not None:
            assert app.trigger(built.cycle_id, trigger, ADMIN, f"test: {trigger}") is phase
            built.phase = phase
        if phase is target and not prepared:
            return built
        _arrive(app, built, voters)
        if phase is target:
            return built
    raise AssertionError(f"cannot drive to {target}")


def _arrive(app: Medborgarbudget, built: Built, voters: int) -> None:
    cycle_id = built.cycle_id
    if built.phase is Phase.IDEAS:
        for number, (area, title, estimate, _) in enumerate(IDEAS):
            built.proposals[title] = app.submit_proposal(
                cycle_id, area, title, f"Beskrivning av {title}.", estimate, "test",
                f"proposer-{number}",
            )
    elif built.phase is Phase.REVIEW:
        for area, title, _, official in IDEAS:
            reason = "" if official is not None else "Långt över budget."
            app.review_proposal(built.proposals[title], official is not None, official, reason,
                                REVIEWER)
            if official is not None:
                built.feasible.setdefault(area, []).append(built.proposals[title])
    elif built.phase is Phase.SUPPORT:
        for area, options in built.feasible.items():
            support.support(app, options[0], resident(0, area))
    elif built.phase is Phase.VOTING:
        on_ballot = app.cycle(cycle_id).on_ballot
        for number in range(voters):
            for area, every in built.feasible.items():
                options = [o for o in every if on_ballot(app.proposal(o))]
                chosen = [str(options[number % len(options)])]
                built.ballots.append(
                    cast_ballot(app, cycle_id, area, resident(number, area), chosen)
                )
    elif built.phase is Phase.RESULTS:
        app.record_adoption(cycle_id, "Kommunstyrelsen", "2027-06-10", "KS § 88/2027", ADMIN)
    elif built.phase is Phase.EVALUATION:
        app.record_evaluation(cycle_id, "Fler röstade än förra året.", ADMIN, participants=3)


MINIMUM_AREAS: tuple[Mapping[str, Any], ...] = (
    # Made now without saying: a minimum of 1 vote.
    {"id": "norr", "name": "Norr", "budget": 100_000},
    # Opted out: funded without votes when money is left, as cycles were counted before.
    {"id": "alla", "name": "Alla", "kind": "theme", "budget": 100_000, "min_votes": 0},
)


def reviewed_ideas(app: Medborgarbudget, cycle_id: UUID,
                   ideas: Mapping[str, tuple[str, int]]) -> dict[str, UUID]:
    """Opens a configured cycle for ideas, submits `ideas` (title -> area and cost), closes the
    ideas and reviews every one feasible at its cost; the proposals' ids by title."""
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut")
    ids = {title: app.submit_proposal(cycle_id, area, title, f"{title}.", cost, "park",
                                      f"proposer-{title}")
           for title, (area, cost) in ideas.items()}
    app.trigger(cycle_id, "close_ideas", ADMIN, "Idéfasen slut")
    for title, (_, cost) in ideas.items():
        app.review_proposal(ids[title], True, cost, "", REVIEWER)
    return ids


def counted_and_published(app: Medborgarbudget, cycle_id: UUID) -> None:
    """Closes the voting of a cycle and publishes its results."""
    app.trigger(cycle_id, "close_voting", ADMIN, "Röstningen slut")
    assert app.trigger(cycle_id, "publish_results", ADMIN, "Räknat") is Phase.RESULTS


def counted_with_minimums(app: Medborgarbudget) -> tuple[UUID, dict[str, UUID]]:
    """A cycle counted and published with a pot of the default minimum of votes (norr: one
    proposal without votes) and one without a minimum (alla); the proposals' ids by title."""
    cycle_id = configured_cycle(app, areas=MINIMUM_AREAS)
    ids = reviewed_ideas(app, cycle_id, {"Bänkar": ("norr", 10_000), "Boulebana": ("norr", 30_000),
                                         "Scen": ("alla", 10_000), "Fontän": ("alla", 20_000)})
    app.trigger(cycle_id, "open_voting", ADMIN, "Granskat")
    for number in range(2):
        cast_ballot(app, cycle_id, "norr", person(number, residence="norr"),
                    [str(ids["Bänkar"])])
    cast_ballot(app, cycle_id, "alla", person(5), [str(ids["Scen"])])
    counted_and_published(app, cycle_id)
    return cycle_id, ids


def aggregate_state(aggregate: Any) -> dict[str, Any]:
    """An aggregate's attributes, without the events waiting to be saved."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def counted_for_exceptions(app: Medborgarbudget) -> tuple[UUID, dict[str, UUID]]:
    """A cycle in results whose greedy count funds Utegym (60 000 kr, 3 votes) and Bänkar
    (30 000 kr, 1 vote) of 100 000 kr; Scen (50 000 kr, 2 votes) did not fit and Boulebana
    (20 000 kr) has no vote. The proposals' ids by title."""
    cycle_id = configured_cycle(app, areas=({"id": "norr", "name": "Norr",
                                             "budget": 100_000},))
    ids = reviewed_ideas(app, cycle_id, {"Utegym": ("norr", 60_000), "Scen": ("norr", 50_000),
                                         "Bänkar": ("norr", 30_000),
                                         "Boulebana": ("norr", 20_000)})
    app.trigger(cycle_id, "open_voting", ADMIN, "Granskat")
    for number, chosen in enumerate((["Utegym", "Scen"], ["Utegym", "Scen"],
                                     ["Utegym", "Bänkar"])):
        cast_ballot(app, cycle_id, "norr", person(number, residence="norr"),
                    [str(ids[t]) for t in chosen])
    counted_and_published(app, cycle_id)
    return cycle_id, ids


SAME_SITE = "Båda vill använda samma plats i Brinnaparken."


def counted_with_incompatible(app: Medborgarbudget) -> tuple[UUID, dict[str, UUID]]:
    """A cycle in results where Pool (40 000 kr) and Rink (30 000 kr) of Norr were marked
    incompatible in review; every voter wants both and the budget (100 000 kr) holds both and
    Park (20 000 kr), so only the incompatibility keeps one of them out. Ids by title."""
    cycle_id = configured_cycle(app, areas=({"id": "norr", "name": "Norr",
                                             "budget": 100_000},
                                            {"id": "alla", "name": "Alla", "kind": "theme",
                                             "budget": 100_000}),
                                rule={"kind": "approval", "min_choices": 1, "max_choices": 3})
    ids = reviewed_ideas(app, cycle_id, {"Pool": ("norr", 40_000), "Rink": ("norr", 30_000),
                                         "Park": ("norr", 20_000), "Scen": ("alla", 10_000)})
    app.mark_incompatible(cycle_id, ids["Pool"], ids["Rink"], SAME_SITE, REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "Granskat")
    for number in range(3):
        cast_ballot(app, cycle_id, "norr", person(number, residence="norr"),
                    [str(ids["Pool"]), str(ids["Rink"]), str(ids["Park"])])
    counted_and_published(app, cycle_id)
    return cycle_id, ids
