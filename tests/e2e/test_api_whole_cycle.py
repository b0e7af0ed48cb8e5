"""A whole budget cycle over HTTP, from creation to closing, on SQLite and PostgreSQL.

Every step is a request a role would send; every refusal on the way is checked to be
application/problem+json with the right status (409 naming the phase and the triggers allowed,
422 naming the field, 404) and to store nothing.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from domain.ballot import ballots_digest
from service.api.auth import Role
from tests.e2e.api_client import (
    ADULT,
    API,
    AREAS,
    DECISION,
    IDEAS,
    REJECTION,
    TIMELINE,
    VOTING_RULE,
    YOUNG,
    Api,
    Cycle,
    configure,
    proposer,
    review,
    submit,
)
from tests.identities import personnummer_for, valid_personnummer

# Residents voting digitally: (identity, where they live, birth date).
NORR_VOTERS = {
    "r1": ("19800101-1111", "norr", ADULT),
    "r2": ("19800202-2222", "norr", ADULT),
    "r3": ("19800303-3333", "norr", ADULT),
    "r4": ("19800404-4444", "norr", ADULT),
}
YOUNG_VOTERS = {
    "y1": ("20090101-5151", "soder", YOUNG),
    "y2": ("20090202-5252", "norr", YOUNG),
    "y3": ("20090303-5353", "soder", YOUNG),
}
PAPER_BORN = date(1950, 1, 1)
PAPER_VOTERS = {f"p{n}": valid_personnummer(60 + n, PAPER_BORN) for n in (1, 2, 3)}
STATION = "Stadsbiblioteket"


def phase_conflict(problem: dict[str, Any], phase: str, allowed: list[str]) -> None:
    assert problem["status"] == 409
    assert problem["phase"] == phase, problem
    assert problem["allowed"] == allowed, problem
    assert phase in problem["detail"]


def transitions(api: Api, cycle: str) -> dict[str, Any]:
    """GET /transitions, as anyone may (no token)."""
    listing: dict[str, Any] = api.ok("GET", f"{API}/cycles/{cycle}/transitions")
    return listing


def refusals(listing: dict[str, Any], trigger: str) -> list[str]:
    found = [t for t in listing["triggers"] if t["trigger"] == trigger]
    assert found, f"{trigger} is not listed: {listing}"
    assert found[0]["allowed"] is (not found[0]["refusals"])
    return list(found[0]["refusals"])


def vote(api: Api, cycle: str, who: tuple[str, str, Any], area: str, selections: list[str],
         status: int = 201) -> Any:
    identity, residence, born = who
    return api.resident("POST", f"{API}/cycles/{cycle}/ballots", status, subject=identity,
                        residence=residence, birth_date=born,
                        json={"area": area, "selections": selections})


def mark(identity: str, area: str, born: date = PAPER_BORN) -> dict[str, Any]:
    """A paper voter marked in the station's roll: identity, never choices."""
    return {"area": area, "station": STATION,
            "voter": {"identity": identity, "birth_date": born.isoformat(), "residence": area}}


def test_a_whole_cycle_over_http(api: Api) -> None:
    # ---- draft: created, refused until configured ------------------------------------------
    assert api.ok("GET", "/healthz")["status"] == "ok"
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": "Medborgarbudget Testby 2027",
                              "municipality": "Testby kommun"})
    cycle = Cycle(created["id"])
    base = f"{API}/cycles/{cycle.id}"
    assert created["phase"] == "draft" and created["phase_sv"].startswith("Utkast")
    assert created["position"] == api.stored()

    listing = transitions(api, cycle.id)
    assert listing["phase"] == "draft"
    assert listing["allowed"] == ["cancel"]
    assert set(refusals(listing, "open_ideas")) == {
        "the political decision (body, date, reference) must be recorded first",
        "at least one area with a budget above 0 kr is needed",
        "a voting rule must be chosen",
    }
    problem = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "open_ideas", "reason": "för tidigt"})
    phase_conflict(problem, "draft", ["cancel"])
    assert "decision" in problem["detail"]
    problem = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "publish_results"})
    phase_conflict(problem, "draft", ["cancel"])
    problem = api.refused("POST", f"{base}/proposals", 409, role=Role.RESIDENT,
                          subject=proposer("utegym"), residence="norr", birth_date=ADULT,
                          json={"area": "norr", "title": "För tidigt", "description": "x",
                                "estimated_cost": 1000, "category": "test"})
    phase_conflict(problem, "draft", ["cancel"])  # open_ideas: not configured yet

    # Bad input names the field and stores nothing.
    bad_area = {**AREAS[0], "budget": 12.5}
    assert api.refused("POST", f"{base}/areas", 422, role=Role.ADMIN,
                       json=bad_area)["field"] == "budget"
    assert api.refused("POST", f"{base}/areas", 422, role=Role.ADMIN,
                       json={**AREAS[0], "id": "Norr Centrum"})["field"] == "id"
    backwards = {"ideas": "2027-05-01", "voting": "2027-02-01"}
    assert api.refused("PUT", f"{base}/timeline", 422, role=Role.ADMIN,
                       json=backwards)["field"] == "timeline"
    assert api.refused("PUT", f"{base}/voting-rule", 422, role=Role.ADMIN,
                       json={"kind": "lottery"})["field"] == "kind"
    assert api.refused("PUT", f"{base}/allocation-rule", 422, role=Role.ADMIN,
                       json={"rule": "greedy-threshold"})["field"] == "threshold"
    assert api.refused("PUT", f"{base}/decision", 422, role=Role.ADMIN,
                       json={**DECISION, "date": "26/11/2026"})["field"] == "date"
    assert api.refused("POST", f"{API}/cycles", 422, role=Role.ADMIN,
                       json={"name": "", "municipality": "Testby"})["field"] == "name"

    configured = configure(api, cycle.id)
    assert configured["decision"] == DECISION
    assert [a["id"] for a in configured["areas"]] == ["norr", "unga"]
    unga = configured["areas"][1]
    assert unga["kind"] == "group"
    assert unga["eligibility"] == {"min_age": 13, "max_age": 25, "residence": None,
                                   "municipality_wide": False, "accept_works_in": False}
    assert unga["voting_rule"]["kind"] == "knapsack" and unga["allocation_rule"] == "greedy"
    assert configured["voting_rule"]["kind"] == VOTING_RULE["kind"]
    assert configured["voting_rule"]["max_choices"] == VOTING_RULE["max_choices"]
    assert configured["allocation_rule"] == "greedy-threshold"
    assert configured["score_threshold"] == 3
    assert configured["timeline"] == TIMELINE
    assert api.refused("POST", f"{base}/areas", 422, role=Role.ADMIN,
                       json=dict(AREAS[0]))["field"] == "area.id"  # already there
    assert transitions(api, cycle.id)["allowed"] == ["open_ideas", "cancel"]

    # ---- ideas: residents propose --------------------------------------------------------
    opened = api.fire(cycle.id, "open_ideas", "Beslut i kommunfullmäktige KF § 142/2026")
    assert opened["phase"] == "ideas"
    assert opened["history"][-1]["trigger"] == "open_ideas"
    assert opened["history"][-1]["actor"] == "admin:processledare"
    assert opened["history"][-1]["reason"] == "Beslut i kommunfullmäktige KF § 142/2026"
    for key, *_ in IDEAS:
        submit(api, cycle, key)
    duplicate = api.resident(
        "POST", f"{base}/proposals", 201, subject="19911111-9999",
        json={"area": "norr", "title": "Utegym i norra", "description": "Träning utomhus.",
              "estimated_cost": 50_000, "category": "idrott",
              "place": {"name": "Sjön", "lat": "57.6531", "lon": "14.6968"}},
    )
    assert duplicate["status"] == "submitted" and duplicate["place"]["name"] == "Sjön"
    proposal_body = {"area": "norr", "title": "Bänkar", "description": "Sex bänkar.",
                     "estimated_cost": 45_000, "category": "tillgänglighet"}
    refused_as_resident: dict[str, Any] = {
        "role": Role.RESIDENT, "subject": "19911111-9999", "residence": "norr",
        "birth_date": ADULT,
    }
    assert api.refused("POST", f"{base}/proposals", 422, **refused_as_resident,
                       json={**proposal_body, "estimated_cost": 12.5}
                       )["field"] == "estimated_cost"
    assert api.refused("POST", f"{base}/proposals", 422, **refused_as_resident,
                       json={**proposal_body, "title": ""})["field"] == "title"
    api.refused("POST", f"{base}/proposals", 404, **refused_as_resident,
                json={**proposal_body, "area": "soder"})
    phase_conflict(api.refused("PUT", f"{base}/voting-rule", 409, role=Role.ADMIN,
                               json=dict(VOTING_RULE)), "ideas", ["close_ideas", "cancel"])
    phase_conflict(api.refused("POST", f"{API}/proposals/{cycle.proposals['simhall']}/review",
                               409, role=Role.REVIEWER, json={"feasible": True,
                                                               "official_cost": 1}),
                   "ideas", ["close_ideas", "cancel"])

    listed = api.ok("GET", f"{base}/proposals")["proposals"]
    assert len(listed) == len(IDEAS) + 1
    assert {p["status"] for p in listed} == {"submitted"}
    assert "proposer" not in json.dumps(listed)
    assert not any(proposer(key) in json.dumps(listed) for key, *_ in IDEAS)

    # ---- review: feasible with the official cost, or not and why; one merged -------------
    assert api.fire(cycle.id, "close_ideas", "Idéinsamlingen är avslutad")["phase"] == "review"
    listing = transitions(api, cycle.id)
    assert listing["phase"] == "review" and listing["allowed"] == ["cancel"]
    assert "every proposal needs a review decision" in refusals(listing, "open_voting")
    phase_conflict(api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                               json={"trigger": "open_voting"}), "review", ["cancel"])

    simhall = f"{API}/proposals/{cycle.proposals['simhall']}/review"
    assert api.refused("POST", simhall, 422, role=Role.REVIEWER,
                       json={"feasible": False})["field"] == "reason"
    assert api.refused("POST", simhall, 422, role=Role.REVIEWER,
                       json={"feasible": True, "official_cost": 0})["field"] == "official_cost"
    api.refused("POST", f"{API}/proposals/00000000-0000-0000-0000-000000000000/review", 404,
                role=Role.REVIEWER, json={"feasible": False, "reason": "Finns inte."})
    for key, _, _, _, official in IDEAS:
        reviewed = review(api, cycle.proposals[key], official)
        assert reviewed["status"] == ("feasible" if official else "infeasible")
        assert reviewed["official_cost"] == official
    rejected = api.ok("GET", f"{API}/proposals/{cycle.proposals['simhall']}")
    assert rejected["feasible"] is False and rejected["review_reason"] == REJECTION

    merge = f"{API}/proposals/{duplicate['id']}/merge"
    assert api.refused("POST", merge, 422, role=Role.REVIEWER,
                       json={"into": duplicate["id"], "reason": "Samma"})["field"] == "into"
    merged = api.reviewer("POST", merge, json={"into": cycle.proposals["utegym"],
                                               "reason": "Samma idé som Utegym vid sjön."})
    assert merged["status"] == "merged" and merged["merged_into"] == cycle.proposals["utegym"]
    assert transitions(api, cycle.id)["allowed"] == ["open_voting", "cancel"]

    # ---- voting: residents digitally, officials from the voting stations ------------------
    assert api.fire(cycle.id, "open_voting", "Alla förslag är prövade")["phase"] == "voting"
    utegym, belysning, angar = (cycle.proposals[k] for k in ("utegym", "belysning", "angar"))
    cafe, graffiti, studio = (cycle.proposals[k] for k in ("cafe", "graffiti", "studio"))
    r1, r2, r3, r4 = NORR_VOTERS.values()
    y1, y2, y3 = YOUNG_VOTERS.values()

    receipt = vote(api, cycle.id, r1, "norr", [utegym, belysning])
    assert receipt["area"] == "norr" and re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}",
                                                      receipt["receipt"])
    assert receipt["cycle_id"] == cycle.id and receipt["position"] == api.stored()
    # The receipt proves the ballot is stored, to anyone holding the code, and nothing more.
    check = f"{base}/receipts/{receipt['receipt'].lower().replace('-', ' ')}"
    assert api.ok("GET", check, params={"position": receipt["position"]}) == {
        "cycle_id": cycle.id, "receipt": receipt["receipt"], "stored": True, "counted": False}
    assert api.ok("GET", f"{base}/receipts/AAAA-AAAA-AAAA-AAAA")["stored"] is False
    assert api.refused("GET", f"{base}/receipts/not-a-code", 422)["field"] == "receipt"
    vote(api, cycle.id, r2, "norr", [utegym])
    vote(api, cycle.id, r3, "norr", [utegym, angar])
    vote(api, cycle.id, r4, "norr", [utegym])
    vote(api, cycle.id, y1, "unga", [cafe, graffiti])
    vote(api, cycle.id, y2, "unga", [studio])
    vote(api, cycle.id, y3, "unga", [cafe, graffiti])

    ballots = f"{base}/ballots"
    as_r1: dict[str, Any] = {"role": Role.RESIDENT, "subject": r1[0], "residence": "norr",
                             "birth_date": ADULT}
    assert api.refused("POST", ballots, 409, **as_r1,
                       json={"area": "norr", "selections": [belysning]})["status"] == 409
    not_eligible = api.refused("POST", ballots, 422, **as_r1,
                               json={"area": "unga", "selections": [cafe]})
    assert not_eligible["field"] == "area" and "25" in not_eligible["detail"]
    newcomer: dict[str, Any] = {"role": Role.RESIDENT, "subject": "19990909-9090",
                                "residence": "soder", "birth_date": YOUNG}
    assert api.refused("POST", ballots, 422, **newcomer,
                       json={"area": "norr", "selections": [utegym]})["field"] == "area"
    over_budget = api.refused("POST", ballots, 422, **newcomer,
                              json={"area": "unga", "selections": [cafe, studio]})
    assert over_budget["field"] == "selections" and "budget" in over_budget["detail"]
    assert api.refused("POST", ballots, 422, **newcomer,
                       json={"area": "unga", "selections": [duplicate["id"]]}
                       )["field"] == "selections"
    assert api.refused("POST", ballots, 422, **newcomer,
                       json={"area": "unga", "selections": "cafe"})["field"] == "selections"
    api.refused("PUT", f"{ballots}/norr", 409, **as_r1, json={"selections": [angar]})

    roll_marks, paper_ballots = f"{base}/roll-marks", f"{base}/paper-ballots"
    official: dict[str, Any] = {"role": Role.OFFICIAL, "subject": "valforrattare"}
    marked = api.ok("POST", roll_marks, 201, **official, json=mark(PAPER_VOTERS["p1"], "norr"))
    assert marked["station"] == STATION and "selections" not in json.dumps(marked)
    api.ok("POST", roll_marks, 201, **official, json=mark(PAPER_VOTERS["p2"], "norr"))
    # A resident who voted digitally, at a station with their number written another way:
    # refused, saying nothing of the ballot.
    r2_number = personnummer_for(r2[0], ADULT)
    twice = api.refused("POST", roll_marks, 409, **official,
                        json=mark(r2_number.replace("-", "")[2:], "norr", ADULT))
    assert set(twice) <= {"type", "title", "status", "detail"}
    revealing = [utegym, belysning, angar, "digital", "paper", r2_number, "utegym", "Utegym"]
    assert not any(word.lower() in json.dumps(twice).lower() for word in revealing), twice
    paper_twice = api.refused("POST", roll_marks, 409, **official,
                              json=mark(PAPER_VOTERS["p1"], "norr"))
    assert paper_twice["detail"] == twice["detail"]  # the same words, whatever the channel
    # A voter marked in the roll cannot vote digitally afterwards.
    api.refused("POST", ballots, 409, role=Role.RESIDENT, subject=PAPER_VOTERS["p2"],
                residence="norr", birth_date=PAPER_BORN,
                json={"area": "norr", "selections": [utegym]})
    assert api.refused("POST", roll_marks, 422, **official,
                       json={**mark(PAPER_VOTERS["p3"], "norr"), "station": " "}
                       )["field"] == "station"
    for not_a_number in ("Anna Andersson", PAPER_VOTERS["p3"][:-1] + "0"):
        assert api.refused("POST", roll_marks, 422, **official,
                           json=mark(not_a_number, "norr"))["field"] == "voter.identity"
    api.ok("POST", roll_marks, 201, **official, json=mark(PAPER_VOTERS["p3"], "norr"))
    api.refused("GET", f"{base}/results", 409)

    # ---- counting: the box is entered; digital voting is over ------------------------------
    assert api.fire(cycle.id, "close_voting", "Röstningen stängde kl. 20.00")["phase"] == \
        "counting"
    phase_conflict(
        api.refused("POST", ballots, 409, role=Role.RESIDENT, subject="19800505-5555",
                    residence="norr", birth_date=ADULT,
                    json={"area": "norr", "selections": [utegym]}),
        "counting", ["publish_results", "cancel"])
    api.refused("POST", roll_marks, 409, **official, json=mark(valid_personnummer(70,
                                                                             PAPER_BORN), "norr"))
    box = {"area": "norr", "station": STATION, "ballots": [
        {"selections": [belysning]}, {"selections": [angar]}, {"selections": [belysning]}]}
    entered = api.ok("POST", paper_ballots, 201, **official, json=box)
    assert entered["entered"] == 3 and entered["station"] == STATION
    # Never more ballots from a station than voters it marked in the roll.
    api.refused("POST", paper_ballots, 409, **official,
                json={**box, "ballots": [{"selections": [angar]}]})
    assert transitions(api, cycle.id)["allowed"] == ["publish_results", "cancel"]

    # ---- results: published with winners, scores, reasons and a digest ---------------------
    published = api.fire(cycle.id, "publish_results", "Räknat enligt beslutad regel")
    assert published["phase"] == "results" and published["results_published"] is True
    results = api.ok("GET", f"{base}/results")
    assert results["cycle_id"] == cycle.id and results["published_at"]
    assert results["ballots_counted"] == 10
    counted = [b.counted_form() for b in api.app.counted_ballots(cycle.id)]
    assert len(counted) == 10
    assert results["ballots_digest"] == ballots_digest(counted)

    norr = results["areas"]["norr"]
    assert norr["rule"] == "greedy-threshold" and norr["budget"] == 100_000
    assert norr["selected"] == [utegym, belysning]
    # belysning reaches the threshold of 3 only with the paper ballot registered in counting
    assert norr["scores"] == {utegym: 4, belysning: 3, angar: 2}
    assert norr["reasons"][utegym] == norr["reasons"][belysning] == "selected"
    assert norr["reasons"][angar] == "below the threshold of 3 votes: it has 2 votes"
    assert norr["reason_codes"][angar] == {"code": "below-threshold", "unit": "vote",
                                           "counts": {"threshold": 3, "score": 2}}
    assert norr["cost"] == 95_000 and norr["left"] == 5_000 and norr["ballots"] == 7
    assert norr["ballots_digest"] == ballots_digest(b for b in counted if b["area"] == "norr")

    young = results["areas"]["unga"]
    assert young["rule"] == "greedy" and young["ballots"] == 3
    assert sorted(young["selected"]) == sorted([cafe, graffiti])
    assert young["scores"] == {cafe: 2, graffiti: 2, studio: 1}
    assert young["reasons"][studio] == "did not fit: 10,000\u00a0kr left, costs 40,000\u00a0kr"
    assert young["cost"] == 40_000 and young["left"] == 10_000

    phase_conflict(api.refused("POST", paper_ballots, 409, role=Role.OFFICIAL,
                               json={"area": "norr", "station": STATION,
                                     "ballots": [{"selections": [utegym]}]}),
                   "results", ["cancel"])  # adopt: no adoption recorded yet
    listing = transitions(api, cycle.id)
    assert listing["allowed"] == ["cancel"]
    assert refusals(listing, "adopt") == [
        "the assembly's adoption (body, date, reference) must be recorded first"]
    phase_conflict(api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                               json={"trigger": "adopt"}), "results", ["cancel"])

    adoption = {"body": "Kommunstyrelsen", "date": "2027-06-10", "reference": "KS § 88/2027"}
    assert api.admin("PUT", f"{base}/adoption", json=adoption)["adoption"] == adoption
    assert api.fire(cycle.id, "adopt", "Kommunstyrelsen antog resultatet")["phase"] == \
        "implementation"

    # ---- implementation: progress reported for the winners only ---------------------------
    progress = f"{API}/proposals/{utegym}/progress"
    report = {"percent": 40, "note": "Upphandling klar.", "spent": 20_000}
    in_progress = api.admin("POST", progress, json=report)
    assert in_progress["status"] == "in_progress"
    assert in_progress["progress"][0]["percent"] == 40
    assert in_progress["progress"][0]["spent"] == 20_000
    assert api.refused("POST", progress, 422, role=Role.ADMIN,
                       json={**report, "percent": 20})["field"] == "percent"
    api.refused("POST", f"{API}/proposals/{angar}/progress", 409, role=Role.ADMIN, json=report)
    done = api.admin("POST", f"{API}/proposals/{utegym}/complete",
                     json={"note": "Klart och invigt.", "spent": 64_000})
    assert done["status"] == "completed"
    api.refused("POST", progress, 409, role=Role.ADMIN, json={**report, "percent": 90})
    assert api.admin("POST", f"{API}/proposals/{belysning}/progress",
                     json={"percent": 50, "note": "Stolparna är på plats.", "spent": 12_000}
                     )["status"] == "in_progress"

    # ---- evaluation and closing ------------------------------------------------------------
    assert api.fire(cycle.id, "start_evaluation", "Genomförandeåret är slut")["phase"] == \
        "evaluation"
    phase_conflict(api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                               json={"trigger": "close"}), "evaluation", ["cancel"])
    evaluation = {"report": "Fler unga röstade än förra året.", "participants": 10}
    assert api.admin("PUT", f"{base}/evaluation", json=evaluation)["evaluation"] == evaluation
    closed = api.fire(cycle.id, "close", "Utvärderingen är redovisad för fullmäktige")
    assert closed["phase"] == "closed"
    assert [h["trigger"] for h in closed["history"]] == [
        "open_ideas", "close_ideas", "open_voting", "close_voting", "publish_results", "adopt",
        "start_evaluation", "close"]
    assert all(h["actor"] == "admin:processledare" and h["reason"] for h in closed["history"])
    assert transitions(api, cycle.id) == {"phase": "closed", "allowed": [], "triggers": []}
    phase_conflict(api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                               json={"trigger": "cancel", "reason": "för sent"}), "closed", [])
    phase_conflict(api.refused("PUT", f"{base}/evaluation", 409, role=Role.ADMIN,
                               json=evaluation), "closed", [])

    # ---- an auditor reads the whole history, page by page --------------------------------
    everything = api.ok("GET", f"{base}/events", role=Role.AUDITOR,
                        params={"limit": 1000})["events"]
    positions = [e["position"] for e in everything]
    assert positions == sorted(set(positions)) and len(positions) > 40
    pages: list[dict[str, Any]] = []
    after = 0
    while True:
        page = api.ok("GET", f"{base}/events", role=Role.AUDITOR,
                      params={"after": after, "limit": 7})
        assert len(page["events"]) <= 7
        if not page["events"]:
            assert page["next_after"] is None
            break
        assert page["next_after"] == page["events"][-1]["position"]
        pages.extend(page["events"])
        after = page["next_after"]
    assert pages == everything
    middle = positions[len(positions) // 2]
    assert api.ok("GET", f"{base}/events", role=Role.AUDITOR,
                  params={"after": middle, "limit": 3})["events"] == \
        [e for e in everything if e["position"] > middle][:3]
    topics = [e["topic"] for e in everything]
    assert topics[0] == "medborgarbudget:BudgetCycle.Created"
    assert topics.count("medborgarbudget:Ballot.Cast") == 10
    assert topics.count("medborgarbudget:Proposal.Submitted") == len(IDEAS) + 1
    assert "medborgarbudget:BudgetCycle.ResultsPublished" in topics
    assert topics[-1] == "medborgarbudget:BudgetCycle.PhaseChanged"
    history = json.dumps(everything)
    identities = [v[0] for v in (*NORR_VOTERS.values(), *YOUNG_VOTERS.values())]
    identities += [*PAPER_VOTERS.values(), *(proposer(key) for key, *_ in IDEAS)]
    assert not [i for i in identities if i in history or i.replace("-", "") in history]
    assert api.ok("GET", f"{base}/events", role=Role.ADMIN,
                  params={"limit": 1})["events"] == everything[:1]
    assert api.refused("GET", f"{base}/events", 422, role=Role.AUDITOR,
                       params={"limit": 0})["field"] == "limit"
    api.refused("GET", f"{API}/cycles/00000000-0000-0000-0000-000000000000/events", 404,
                role=Role.AUDITOR)

    # ---- next year: a successor copies the configuration, not the decision ----------------
    successor = api.admin("POST", f"{base}/successor", 201,
                          json={"name": "Medborgarbudget Testby 2028"})
    assert successor["predecessor_id"] == cycle.id and successor["id"] != cycle.id
    assert successor["phase"] == "draft" and successor["municipality"] == "Testby kommun"
    assert successor["areas"] == closed["areas"]
    assert successor["voting_rule"] == closed["voting_rule"]
    assert successor["allocation_rule"] == "greedy-threshold"
    assert successor["score_threshold"] == 3
    assert successor["decision"] is None and successor["history"] == []
    assert transitions(api, successor["id"])["allowed"] == ["cancel"]
    cycles = {c["id"]: c for c in api.ok("GET", f"{API}/cycles")["cycles"]}
    assert cycles[cycle.id]["phase"] == "closed" and cycles[successor["id"]]["phase"] == "draft"


def test_unknown_things_are_404_problems(api: Api) -> None:
    missing = "3f1c9b4e-8a55-4c1e-9a8e-0f3b2f7c1d11"
    for path in (f"{API}/cycles/{missing}", f"{API}/cycles/not-a-uuid",
                 f"{API}/cycles/{missing}/transitions", f"{API}/cycles/{missing}/proposals",
                 f"{API}/cycles/{missing}/results", f"{API}/proposals/{missing}",
                 f"{API}/proposals/42", f"{API}/no-such-endpoint"):
        problem = api.refused("GET", path, 404)
        assert problem["title"] == "Not found", path
    api.refused("POST", f"{API}/cycles/{missing}/transitions", 404, role=Role.ADMIN,
                json={"trigger": "cancel", "reason": "finns inte"})
    api.refused("POST", f"{API}/cycles/{missing}/successor", 404, role=Role.ADMIN,
                json={"name": "Nästa år"})
    api.refused("POST", f"{API}/cycles/{missing}/ballots", 404, role=Role.RESIDENT,
                json={"area": "norr", "selections": []})


def test_a_cancelled_cycle_refuses_everything_after(api: Api) -> None:
    created = api.admin("POST", f"{API}/cycles", 201,
                        json={"name": "Inställd 2027", "municipality": "Testby kommun"})
    base = f"{API}/cycles/{created['id']}"
    problem = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "cancel", "reason": "  "})
    phase_conflict(problem, "draft", ["cancel"])
    assert "reason" in problem["detail"]
    cancelled = api.fire(created["id"], "cancel", "Budgeten drogs in")
    assert cancelled["phase"] == "cancelled"
    assert cancelled["history"][-1]["reason"] == "Budgeten drogs in"
    phase_conflict(api.refused("PUT", f"{base}/decision", 409, role=Role.ADMIN,
                               json=dict(DECISION)), "cancelled", [])
    phase_conflict(api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                               json={"trigger": "open_ideas"}), "cancelled", [])
    unknown = api.refused("POST", f"{base}/transitions", 409, role=Role.ADMIN,
                          json={"trigger": "fly_away"})
    assert "Unknown trigger" in unknown["detail"] and unknown["phase"] == "cancelled"
