"""A realistic demo cycle: "Medborgarbudget Nässjö 2027", taken through the phases.

Invented but plausible: two planning areas of 250 000 kr each (as Nässjö does), and a group area
for young people voting on a budget meter (knapsack). The random choices are seeded, so every run
tells the same story.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.identity import personnummer_of
from domain.money import from_minor
from domain.phases import Phase
from service.application import Medborgarbudget, actor_of
from service.ballot_intake import (
    BoxBallot,
    CastBallot,
    EnterPaperBallots,
    MarkInRoll,
    Voter,
)

DEMO_NAME = "Medborgarbudget Nässjö 2027"
ADMIN = actor_of("admin", "processledare.nassjo")
REVIEWER = actor_of("reviewer", "tekniska.kontoret")
OFFICIAL = actor_of("official", "valforrattare.1")
STATION = "Stadsbiblioteket"



def _rectangle(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON Polygon: the demo's districts are simple boxes either side of the town centre."""
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                 [west, north], [west, south]]]}


AREAS: list[dict[str, Any]] = [
    {"id": "norr", "name": "Planeringsområde Norr", "kind": "territorial", "budget": 250_000,
     "eligibility": {"residence": "norr"}, "boundary": _rectangle(14.62, 57.65, 14.78, 57.70)},
    {"id": "soder", "name": "Planeringsområde Söder", "kind": "territorial", "budget": 250_000,
     "eligibility": {"residence": "soder"}, "boundary": _rectangle(14.62, 57.60, 14.78, 57.65)},
    {"id": "unga", "name": "Unga 13\u201325 år", "kind": "group", "budget": 100_000,
     "eligibility": {"min_age": 13, "max_age": 25},
     "voting_rule": {"kind": "knapsack", "min_choices": 1}, "allocation_rule": "mes-add1"},
]

# What a proposal's category is chosen from (ids in IDEAS below).
CATEGORIES: list[dict[str, str]] = [
    {"id": "idrott", "name": "Idrott och motion"}, {"id": "trygghet", "name": "Trygghet"},
    {"id": "motesplats", "name": "Mötesplatser"}, {"id": "miljo", "name": "Natur och miljö"},
    {"id": "tillganglighet", "name": "Tillgänglighet"}, {"id": "gata", "name": "Gator och vägar"},
    {"id": "fritid", "name": "Fritid"}, {"id": "kultur", "name": "Kultur"},
]

# (area, title, description, estimated cost, category, official cost or None = not feasible, reason)
IDEAS: list[tuple[str, str, str, int, str, int | None, str]] = [
    ("norr", "Utegym vid Runnerydsjön", "Enkla redskap för styrka och rörlighet vid badplatsen.",
     120_000, "idrott", 135_000, "Kostnaden inkluderar fallskydd enligt standard."),
    ("norr", "Belysning på gångvägen längs Nässjöån",
     "Sträckan är mörk på vintern och upplevs otrygg.", 90_000, "trygghet", 95_000, ""),
    ("norr", "Boulebana i Brinnaparken", "En grusad bana med två bänkar.", 40_000, "motesplats",
     38_000, ""),
    ("norr", "Blomsterängar i Fågelsången", "Så in ängsblommor för pollinerare.", 30_000, "miljo",
     30_000, ""),
    ("norr", "Ny simhall", "En ny simhall i norra Nässjö.", 2_000_000, "idrott", None,
     "Kostnaden är långt över områdets budget på 250 000 kr och drift kan inte finansieras."),
    ("soder", "Pumptrack vid Kvarnarps skola", "En asfalterad bana för cykel och inlines.",
     200_000, "idrott", 210_000, ""),
    ("soder", "Hundrastgård på Solberga", "Inhägnad rastgård med bänk och soptunna.", 80_000,
     "motesplats", 85_000, ""),
    ("soder", "Parkbänkar längs promenadstråket", "Sex bänkar med ryggstöd för äldre.", 45_000,
     "tillganglighet", 48_000, ""),
    ("soder", "Fruktträd i Skogsbrynet", "Plantera äppel- och päronträd som alla får plocka.",
     25_000, "miljo", 25_000, ""),
    ("soder", "Laga vägen till återvinningscentralen",
     "Vägen har potthål.", 60_000, "gata", None,
     "Vägunderhåll bekostas redan av driftbudgeten och hör inte till medborgarbudgeten; "
     "ärendet har skickats till gatuenheten."),
    ("unga", "Ungdomscafé på fredagar", "Öppet café med läxhjälp och spel.", 60_000,
     "fritid", 60_000, ""),
    ("unga", "Graffitivägg vid stationen", "En laglig vägg för graffiti.", 30_000, "kultur",
     32_000, ""),
    ("unga", "Gratis gymkort för unga", "Gymkort för 100 ungdomar ett år.", 70_000, "idrott",
     70_000, ""),
    ("unga", "Musikstudio i Folkets hus", "Inspelningsutrustning och ljudisolering.", 45_000,
     "kultur", 50_000, ""),
]

# Where some ideas are (invented points inside their area's box; "unga" has no boundary).
PLACES: dict[str, dict[str, str]] = {
    "Utegym vid Runnerydsjön": {"name": "Runnerydsjön", "lat": "57.6641", "lon": "14.7012"},
    "Belysning på gångvägen längs Nässjöån": {"name": "Nässjöån", "lat": "57.6580",
                                              "lon": "14.6905"},
    "Boulebana i Brinnaparken": {"name": "Brinnaparken", "lat": "57.6612", "lon": "14.6850"},
    "Pumptrack vid Kvarnarps skola": {"name": "Kvarnarps skola", "lat": "57.6402",
                                      "lon": "14.6921"},
    "Hundrastgård på Solberga": {"name": "Solberga", "lat": "57.6355", "lon": "14.7088"},
    "Fruktträd i Skogsbrynet": {"name": "Skogsbrynet", "lat": "57.6290", "lon": "14.6802"},
    "Graffitivägg vid stationen": {"name": "Nässjö resecentrum", "lat": "57.6527",
                                   "lon": "14.6968"},
}

# A duplicate idea that the reviewers merge into the first one of its area.
DUPLICATE = ("norr", "Utegym i norra Nässjö", "Redskap för träning utomhus nära sjön.", 100_000,
             "idrott")


@dataclass
class DemoCycle:
    cycle_id: UUID
    proposals: dict[str, UUID] = field(default_factory=dict)  # title -> id
    ballots: int = 0


def _voters(area: str, count: int, rng: random.Random) -> list[Voter]:
    voters = []
    for n in range(count):
        if area == "unga":
            born = date(2026 - rng.randint(14, 24), rng.randint(1, 12), rng.randint(1, 28))
            voters.append(Voter(str(personnummer_of(born, n)), born,
                                rng.choice(["norr", "soder"])))
        else:
            born = date(2026 - rng.randint(18, 85), rng.randint(1, 12), rng.randint(1, 28))
            voters.append(Voter(str(personnummer_of(born, n)), born, area))
    return voters


def run_demo(app: Medborgarbudget, stop_in: Phase = Phase.CLOSED, seed: int = 2027,
             voters_per_area: int = 120, pictures: bool = False) -> DemoCycle:
    """Create the demo cycle and take it up to `stop_in` (voting: ready for residents to vote).
    `pictures`: the first ideas get a drawn picture each (`serve --demo`)."""
    rng = random.Random(seed)
    cycle_id = app.create_cycle(DEMO_NAME, "Nässjö kommun", ADMIN)
    demo = DemoCycle(cycle_id)
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 142/2026", ADMIN)
    for area_config in AREAS:
        app.add_area(cycle_id, area_config, ADMIN)
    app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 3},
                        ADMIN, allow_ballot_changes=True)
    app.set_allocation_rule(cycle_id, "greedy", ADMIN)
    app.set_timeline(cycle_id, {"ideas": "2027-02-01", "review": "2027-03-15",
                                "voting": "2027-04-20", "counting": "2027-05-10",
                                "results": "2027-05-17", "implementation": "2027-06-15",
                                "evaluation": "2028-01-15", "closed": "2028-03-01"}, ADMIN)
    app.set_categories(cycle_id, CATEGORIES, ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut i kommunfullmäktige KF § 142/2026")

    for n, (area, title, description, estimate, category, _, _) in enumerate(IDEAS):
        demo.proposals[title] = app.submit_proposal(
            cycle_id, area, title, description, estimate, category, f"demo-proposer-{n}",
            PLACES.get(title))
    duplicate = app.submit_proposal(cycle_id, *DUPLICATE, "demo-proposer-dup")
    if pictures:
        from service.demo_pictures import add_demo_pictures

        add_demo_pictures(app, demo.proposals,
                          {title: f"demo-proposer-{n}" for n, title in enumerate(demo.proposals)})
    app.trigger(cycle_id, "close_ideas", ADMIN, "Idéinsamlingen är avslutad")

    for title, (_, _, _, _, _, official, reason) in zip(demo.proposals, IDEAS, strict=True):
        app.review_proposal(demo.proposals[title], official is not None, official, reason,
                            REVIEWER)
    app.merge_proposal(duplicate, demo.proposals[IDEAS[0][1]],
                       "Samma idé som 'Utegym vid Runnerydsjön'; förslagen slås ihop.", REVIEWER)
    app.trigger(cycle_id, "open_voting", ADMIN, "Alla förslag är prövade")
    if stop_in is Phase.VOTING:
        return demo

    feasible = {area: [(demo.proposals[t], official) for a, t, _, _, _, official, _ in IDEAS
                       if a == area and official is not None] for area in ("norr", "soder", "unga")}
    boxes: dict[str, list[BoxBallot]] = {}
    for area, options in feasible.items():
        weights = [rng.uniform(0.5, 3.0) for _ in options]
        for number, voter in enumerate(_voters(area, voters_per_area, rng)):
            if area == "unga":  # a budget meter: add favourites while they fit
                chosen, spent = [], 0
                order = sorted(range(len(options)), key=lambda i: -rng.random() * weights[i])
                for pid, cost in (options[i] for i in order):
                    if spent + (cost or 0) <= 100_000:
                        chosen.append(str(pid))
                        spent += cost or 0
            else:
                k = rng.randint(1, 3)
                chosen = [str(pid) for pid, _ in _weighted_sample(options, weights, k, rng)]
            if number % 10 == 0:  # marked in the roll now, the box entered after the close
                app.ballots.mark_in_roll(MarkInRoll(cycle_id, area, STATION, voter))
                boxes.setdefault(area, []).append(BoxBallot(chosen))
            else:
                app.ballots.cast(CastBallot(cycle_id, area, voter, chosen))
            demo.ballots += 1
    app.trigger(cycle_id, "close_voting", ADMIN, "Röstningen stängde kl. 20.00")
    for area, box in boxes.items():
        app.ballots.enter_paper_ballots(EnterPaperBallots(cycle_id, area, STATION, box, OFFICIAL))
    if stop_in is Phase.COUNTING:
        return demo
    app.trigger(cycle_id, "publish_results", ADMIN, "Resultatet räknat enligt beslutad regel")
    if stop_in is Phase.RESULTS:
        return demo
    app.record_adoption(cycle_id, "Kommunstyrelsen", "2027-06-10", "KS § 88/2027", ADMIN)
    app.trigger(cycle_id, "adopt", ADMIN, "Kommunstyrelsen antog resultatet")
    results = app.cycle(cycle_id).results or {}
    for area_result in results.get("areas", {}).values():
        for number, winner in enumerate(area_result["selected"]):
            # Money spent stays within the cost (domain/proposal.py); the cost is in öre,
            # the commands take whole kronor.
            cost = app.proposal(winner).cost
            app.report_progress(winner, 40, "Upphandling klar, arbetet har startat.",
                                from_minor(cost * 2 // 5), ADMIN)
            if number % 2 == 0:
                app.complete_proposal(winner, "Klart och invigt.", from_minor(cost - cost // 20),
                                      ADMIN)
    if stop_in is Phase.IMPLEMENTATION:
        return demo
    app.trigger(cycle_id, "start_evaluation", ADMIN, "Genomförandeåret är slut")
    app.record_evaluation(cycle_id, "Valdeltagandet ökade bland unga; fler röstade digitalt.",
                          ADMIN, participants=demo.ballots)
    if stop_in is Phase.EVALUATION:
        return demo
    app.trigger(cycle_id, "close", ADMIN, "Utvärderingen är redovisad för fullmäktige")
    return demo


def _weighted_sample(options: Sequence[tuple[UUID, int | None]], weights: list[float], k: int,
                     rng: random.Random) -> list[tuple[UUID, int | None]]:
    pool, pool_weights, chosen = list(options), list(weights), []
    for _ in range(min(k, len(pool))):
        pick = rng.choices(range(len(pool)), weights=pool_weights)[0]
        chosen.append(pool.pop(pick))
        pool_weights.pop(pick)
    return chosen
