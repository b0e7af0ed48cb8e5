"""Bad input is refused with a clear message through the application service, and stores nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidInput, NotFound, PhaseError
from domain.phases import Phase
from service.application import Medborgarbudget
from service.ballot_intake import BoxBallot, EnterPaperBallots, MarkInRoll, Voter
from tests.ballots import OFFICIAL, cast_ballot, person
from tests.integration.builders import (
    ADMIN,
    REVIEWER,
    configured_cycle,
    drive,
    refused_storing_nothing,
    resident,
)

OpenApp = Callable[[], Medborgarbudget]

BAD_MONEY: tuple[tuple[object, str], ...] = (
    (-5, "must not be negative"),
    ("-5", "must not be negative"),
    (12.5, "not a floating-point number"),
    ("12.505", "a whole number of öre: at most two decimals"),
    ("abc", "'abc' is not an amount"),
    (None, "must be an amount"),
    (True, "not a floating-point number"),
)

# Three areas, one per voting rule under test.
AREAS: tuple[dict[str, Any], ...] = (
    {"id": "norr", "name": "Norr", "budget": 100_000, "eligibility": {"residence": "norr"}},
    {"id": "park", "name": "Parker", "kind": "theme", "budget": 90_000,
     "voting_rule": {"kind": "knapsack", "min_choices": 1}},
    {"id": "unga", "name": "Unga", "kind": "group", "budget": 50_000,
     "eligibility": {"min_age": 13, "max_age": 25},
     "voting_rule": {"kind": "cumulative", "max_points_per_project": 3, "max_total_points": 4}},
)
PROPOSALS: tuple[tuple[str, str, int], ...] = (
    ("norr", "Bänkar", 10_000), ("norr", "Belysning", 20_000), ("norr", "Boulebana", 30_000),
    ("park", "Lekplats", 60_000), ("park", "Fruktträd", 40_000),
    ("unga", "Café", 20_000), ("unga", "Studio", 25_000),
)
YOUNG_IN_NORR = person(234, date(2008, 5, 17), "norr")


@dataclass
class Voting:
    app: Medborgarbudget
    cycle_id: UUID
    ids: dict[str, list[str]]  # area -> its feasible proposal ids, in PROPOSALS order
    infeasible: str


@pytest.fixture
def voting(app: Medborgarbudget) -> Iterator[Voting]:
    cycle_id = configured_cycle(app, areas=AREAS,
                                rule={"kind": "approval", "min_choices": 1, "max_choices": 2})
    app.trigger(cycle_id, "open_ideas", ADMIN, "start")
    ids: dict[str, list[str]] = {}
    for number, (area, title, cost) in enumerate(PROPOSALS):
        ids.setdefault(area, []).append(str(app.submit_proposal(
            cycle_id, area, title, "Beskrivning.", cost, "test", f"p-{number}")))
    infeasible = app.submit_proposal(cycle_id, "norr", "Simhall", "Stor.", 9_000_000, "x", "p-x")
    app.trigger(cycle_id, "close_ideas", ADMIN, "slut")
    for (_, _, cost), pid in zip(PROPOSALS, [p for area in ids.values() for p in area],
                                 strict=True):
        app.review_proposal(pid, True, cost, "", REVIEWER)
    app.review_proposal(infeasible, False, None, "För dyr.", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "rösta")
    yield Voting(app, cycle_id, ids, str(infeasible))


def _refused(app: Medborgarbudget, error: type[Exception], command: Callable[[], object],
             *phrases: str) -> str:
    message = str(refused_storing_nothing(app, error, command))
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    return message


def _assert_money_refused(app: Medborgarbudget, field: str,
                          command: Callable[[object], object]) -> None:
    for amount, phrase in BAD_MONEY:
        error = refused_storing_nothing(app, InvalidInput, partial(command, amount))
        assert error.field == field, (amount, error.field)
        assert str(error).startswith(f"{field}: ") and phrase in str(error), (amount, str(error))


def test_money_must_be_exact_non_negative_and_in_whole_ore(app: Medborgarbudget) -> None:
    draft = configured_cycle(app)
    _assert_money_refused(app, "area.budget", lambda amount: app.add_area(
        draft, {"id": "soder", "name": "Söder", "budget": amount}, ADMIN))
    ideas = drive(app, Phase.IDEAS, prepared=False)
    _assert_money_refused(app, "estimated_cost", lambda amount: app.submit_proposal(
        ideas.cycle_id, "norr", "Utegym", "Redskap.", amount, "idrott", "proposer"))
    refused_storing_nothing(app, InvalidInput, lambda: app.submit_proposal(
        ideas.cycle_id, "norr", "Utegym", "Redskap.", 0, "idrott", "proposer"),
        match="estimated_cost: must be greater than zero")

    review = drive(app, Phase.REVIEW, prepared=False)
    proposal = next(iter(review.proposals.values()))
    _assert_money_refused(app, "official_cost", lambda amount: app.review_proposal(
        proposal, True, amount, "", REVIEWER))
    # Spaces between thousands and a decimal comma, as Swedes write amounts, are accepted;
    # amounts are kept in öre.
    app.add_area(draft, {"id": "soder", "name": "Söder", "budget": "250 000"}, ADMIN)
    assert app.cycle(draft).area("soder").budget == 25_000_000
    app.add_area(draft, {"id": "oster", "name": "Öster", "budget": "31 666,67"}, ADMIN)
    assert app.cycle(draft).area("oster").budget == 3_166_667


def test_unknown_areas_cycles_and_proposals(app: Medborgarbudget) -> None:
    draft = configured_cycle(app)
    _refused(app, NotFound, lambda: app.change_area(
        draft, {"id": "mars", "name": "Mars", "budget": 5}, ADMIN), "No area 'mars'", "norr")
    _refused(app, NotFound, lambda: app.remove_area(draft, "mars", ADMIN), "No area 'mars'")
    ideas = drive(app, Phase.IDEAS, prepared=False)
    _refused(app, NotFound, lambda: app.submit_proposal(
        ideas.cycle_id, "mars", "Utegym", "Redskap.", 1_000, "idrott", "proposer"),
        "No area 'mars'", "areas: norr, unga")
    _refused(app, NotFound, lambda: app.trigger(uuid4(), "open_ideas", ADMIN, "x"),
             "No budget cycle")
    _refused(app, NotFound, lambda: app.trigger("inte-ett-id", "open_ideas", ADMIN, "x"),
             "No budget cycle 'inte-ett-id'")
    # A proposal's id is not a cycle's id, nor the other way round.
    a_proposal = next(iter(drive(app, Phase.REVIEW, prepared=False).proposals.values()))
    _refused(app, NotFound, lambda: app.trigger(a_proposal, "cancel", ADMIN, "x"),
             "No budget cycle")
    _refused(app, NotFound, lambda: app.review_proposal(draft, True, 5, "", REVIEWER),
             "No proposal")


def test_empty_or_overlong_text(app: Medborgarbudget) -> None:
    ideas = drive(app, Phase.IDEAS, prepared=False)

    def submit(title: Any = "Utegym", description: Any = "Redskap.",
               category: Any = "idrott") -> Callable[[], object]:
        return lambda: app.submit_proposal(ideas.cycle_id, "norr", title, description, 1_000,
                                           category, "proposer")

    for empty in ("", "   ", None):
        _refused(app, InvalidInput, submit(title=empty), "title: must not be empty")
    _refused(app, InvalidInput, submit(title="x" * 121), "title: must be at most 120 characters")
    _refused(app, InvalidInput, submit(description=""), "description: must not be empty")
    # A cycle without a list of categories takes none (ADR 0023), but not a novel.
    _refused(app, InvalidInput, submit(category="x" * 81),
             "category: must be at most 80 characters")
    _refused(app, InvalidInput, lambda: app.create_cycle("", "Testby", ADMIN),
             "name: must not be empty")
    draft = configured_cycle(app, decision=False)
    _refused(app, InvalidInput, lambda: app.record_decision(draft, " ", "2026-11-26", "KF 1",
                                                            ADMIN), "decision.body")
    _refused(app, InvalidInput, lambda: app.record_decision(draft, "KF", "26/11/2026", "KF 1",
                                                            ADMIN),
             "decision.date: must be a date as YYYY-MM-DD")
    _refused(app, InvalidInput, lambda: app.add_area(draft, {"id": "s", "name": "", "budget": 1},
                                                     ADMIN), "area.name: must not be empty")
    _refused(app, InvalidInput, lambda: app.add_area(draft, {"id": "Söder!", "name": "S",
                                                             "budget": 1}, ADMIN), "area.id")


def test_a_rejection_needs_a_reason_for_the_proposer(app: Medborgarbudget) -> None:
    review = drive(app, Phase.REVIEW, prepared=False)
    proposal = next(iter(review.proposals.values()))
    for reason in ("", "   ", None):
        _refused(app, InvalidInput,
                 partial(app.review_proposal, proposal, False, None, reason, REVIEWER),
                 "reason: must not be empty")
    _refused(app, InvalidInput, lambda: app.review_proposal(proposal, "ja", 5, "", REVIEWER),
             "feasible: must be true or false")
    _refused(app, InvalidInput, lambda: app.review_proposal(proposal, True, None, "", REVIEWER),
             "official_cost")
    _refused(app, InvalidInput, lambda: app.merge_proposal(proposal, proposal, "Samma", REVIEWER),
             "cannot be merged into itself")
    app.review_proposal(proposal, False, None, "Marken ägs inte av kommunen.", REVIEWER)
    assert app.proposal(proposal).review_reason == "Marken ägs inte av kommunen."


def test_ballots_that_break_the_voting_rule(voting: Voting) -> None:
    app, cycle_id, ids = voting.app, voting.cycle_id, voting.ids

    def cast(area: str, selections: list[str], points: list[Any] | None = None,
             voter: Voter = YOUNG_IN_NORR) -> Callable[[], object]:
        return lambda: cast_ballot(app, cycle_id, area, voter, selections, points)

    _refused(app, InvalidInput, cast("norr", ids["norr"]),
             "selections: too many choices: 3, at most 2 allowed")
    _refused(app, InvalidInput, cast("norr", []), "choose at least 1")
    _refused(app, InvalidInput, cast("norr", [ids["norr"][0]] * 2), "more than once")
    _refused(app, InvalidInput, cast("norr", [ids["park"][0]]),
             f"'{ids['park'][0]}' is not a proposal on the ballot of this area")
    _refused(app, InvalidInput, cast("norr", [voting.infeasible]),
             "is not a proposal on the ballot of this area")
    _refused(app, InvalidInput, cast("norr", [str(uuid4())]), "not a proposal on the ballot")
    _refused(app, InvalidInput, cast("norr", [ids["norr"][0]], [1]),
             "points are given only in cumulative voting")
    _refused(app, NotFound, cast("mars", [ids["norr"][0]]), "No area 'mars'")
    _refused(app, InvalidInput, lambda: cast_ballot(
        app, cycle_id, "norr", YOUNG_IN_NORR, ids["norr"][0]), "selections: must be a list")
    _refused(app, InvalidInput, lambda: app.ballots.enter_paper_ballots(EnterPaperBallots(
        cycle_id, "norr", " ", [BoxBallot([ids["norr"][0]])], OFFICIAL)),
        "station: must name the voting station")
    _refused(app, InvalidInput, lambda: app.ballots.enter_paper_ballots(EnterPaperBallots(
        cycle_id, "norr", "Biblioteket", [BoxBallot([ids["norr"][0]]), BoxBallot(ids["norr"])],
        OFFICIAL)), "ballots[1].selections: too many choices")

    # Knapsack: the chosen proposals must fit in the area's budget (60 000 + 40 000 > 90 000).
    _refused(app, InvalidInput, cast("park", ids["park"]),
             "cost 100 000 kr, more than the area's budget of 90 000 kr")

    # Cumulative: at most 3 points on one proposal and 4 in total.
    _refused(app, InvalidInput, cast("unga", [ids["unga"][0]], [4]),
             "at most 3 points on one proposal")
    _refused(app, InvalidInput, cast("unga", ids["unga"], [3, 2]), "at most 4 points in total")
    _refused(app, InvalidInput, cast("unga", ids["unga"], [3]),
             "give one number of points for every selection")
    _refused(app, InvalidInput, cast("unga", ids["unga"]),
             "give one number of points for every selection")
    for bad_points in ([0, 1], [-1, 2], [1.5, 1], ["2", 1]):
        _refused(app, InvalidInput, cast("unga", ids["unga"], bad_points),
                 "points: each must be a whole number above 0")

    # The same ballots within the rules are accepted, one per area for this voter.
    cast_ballot(app, cycle_id, "norr", YOUNG_IN_NORR, ids["norr"][:2])
    cast_ballot(app, cycle_id, "park", YOUNG_IN_NORR, [ids["park"][0]])
    cast_ballot(app, cycle_id, "unga", YOUNG_IN_NORR, ids["unga"], [3, 1])
    assert len(app.counted_ballots(cycle_id)) == 3


def test_ineligible_voters_are_refused(voting: Voting) -> None:
    app, cycle_id, ids = voting.app, voting.cycle_id, voting.ids
    today = date.today()
    too_young = person(1, date(today.year - 12, 1, 1), "norr")
    too_old = person(1, date(today.year - 30, 1, 1), "norr")
    elsewhere = person(2, date(1980, 1, 1), "soder")
    nowhere = person(3, date(1980, 1, 1), None)
    # A personnummer tells the birth date: the token need not.
    young_without_birth_date = Voter(person(4, date(today.year - 20, 1, 1)).identity, None,
                                     "norr")
    mismatched = Voter(person(5, date(1980, 1, 1)).identity, date(2008, 1, 1), "norr")

    def cast(area: str, voter: Voter) -> Callable[[], object]:
        points = [1] if area == "unga" else None
        return lambda: cast_ballot(app, cycle_id, area, voter, [ids[area][0]], points)

    not_eligible = "area: not eligible to vote in"
    _refused(app, InvalidInput, cast("unga", too_young), not_eligible, "at least 13 years old")
    _refused(app, InvalidInput, cast("unga", too_old), not_eligible, "at most 25 years old")
    _refused(app, InvalidInput, cast("unga", mismatched), "birth_date: does not match")
    _refused(app, InvalidInput, cast("norr", elsewhere), not_eligible, "must live in 'norr'")
    _refused(app, InvalidInput, cast("norr", nowhere), "must live in 'norr'")
    # Paper voters marked in a station's roll are checked just the same.
    _refused(app, InvalidInput, lambda: app.ballots.mark_in_roll(MarkInRoll(
        cycle_id, "norr", "Biblioteket", elsewhere)), "must live in 'norr'")
    # Nobody votes with an identity that is no personnummer or samordningsnummer.
    for identity in ("Anna Andersson", "19800101-0000", "19800230-0001", ""):
        _refused(app, InvalidInput, cast("park", Voter(identity, None, "norr")),
                 "identity: ", "personnummer or samordningsnummer")
    # An area with no conditions takes everyone.
    cast_ballot(app, cycle_id, "park", nowhere, [ids["park"][0]])
    cast_ballot(app, cycle_id, "norr", resident(1), [ids["norr"][0]])
    cast_ballot(app, cycle_id, "unga", young_without_birth_date, [ids["unga"][0]], [1])


def test_a_vote_outside_voting_is_refused(app: Medborgarbudget) -> None:
    ideas = drive(app, Phase.IDEAS)
    some = str(next(iter(ideas.proposals.values())))
    for command in (partial(cast_ballot, app, ideas.cycle_id, "norr", resident(1), [some]),
                    partial(app.ballots.mark_in_roll, MarkInRoll(
                        ideas.cycle_id, "norr", "Biblioteket", resident(1))),
                    partial(app.ballots.enter_paper_ballots, EnterPaperBallots(
                        ideas.cycle_id, "norr", "Biblioteket", [BoxBallot([some])], OFFICIAL))):
        error = refused_storing_nothing(app, PhaseError, command)
        assert error.phase == Phase.IDEAS
        assert "possible only in phase" in str(error) and "phase 'ideas'" in str(error)
        assert "allowed now: close_ideas, cancel" in str(error)

    counting = drive(app, Phase.COUNTING)
    norr = str(counting.feasible["norr"][0])
    _refused(app, PhaseError, lambda: cast_ballot(
        app, counting.cycle_id, "norr", resident(99), [norr]),
        "Voting digitally is possible only in phase voting", "phase 'counting'")
    # Configuration is refused outside draft, too.
    _refused(app, PhaseError, lambda: app.add_area(
        counting.cycle_id, {"id": "soder", "name": "Söder", "budget": 5}, ADMIN),
        "only in phase draft", "phase 'counting'")
    _refused(app, PhaseError, lambda: app.submit_proposal(
        counting.cycle_id, "norr", "Sent", "För sent.", 5, "x", "p"),
        "Submitting a proposal is possible only in phase ideas")
