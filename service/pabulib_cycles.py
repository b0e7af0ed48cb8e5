"""A real election as a cycle, and a cycle as a Pabulib file.

Import takes a Pabulib election through every phase up to published results: its projects become
reviewed, feasible proposals (titled "<project_id>: <name>" so they can be traced back), its
ballots are cast as recorded, and the tally uses the file's rule. Each ballot is checked by the
same rules as any ballot, so a file whose ballots break its own META limits is refused, naming
the line. Export writes a cycle's area back as a Pabulib file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.errors import Conflict, InvalidInput
from domain.pabulib.model import PabulibFile, PabulibProject, PabulibVote, numbered_votes
from domain.phases import Phase
from service.application import Medborgarbudget, actor_of
from service.ballot_intake import ImportedBallot

IMPORTER = actor_of("admin", "pabulib-import")
GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold")


def _whole(value: Decimal, what: str) -> int:
    if value != value.to_integral_value():
        raise InvalidInput(what, f"{value} is not a whole number of kronor")
    return int(value)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "area"


def voting_rule(pb: PabulibFile) -> dict[str, Any]:
    meta, count = pb.meta, len(pb.projects)
    low = int(meta.get("min_length", "1") or 1)
    high = int(meta.get("max_length", str(count)) or count)
    if pb.vote_type == "choose-1":
        return {"kind": "approval", "min_choices": 1, "max_choices": 1}
    if pb.vote_type == "cumulative":
        total = int(Decimal(meta.get("max_sum_points", "0") or 0)) or max(
            (sum(v.points or ()) for v in pb.votes), default=1)
        per_project = int(Decimal(meta.get("max_points", str(total))))
        return {"kind": "cumulative", "min_choices": 1, "max_choices": high,
                "max_points_per_project": per_project, "max_total_points": total}
    if pb.vote_type == "ordinal":
        return {"kind": "ranked", "min_choices": low, "max_choices": high}
    if "max_sum_cost" in meta:
        return {"kind": "knapsack", "min_choices": low}
    return {"kind": "approval", "min_choices": low, "max_choices": high}


def allocation_rule(pb: PabulibFile) -> tuple[str, int | None]:
    """The file's rule where we have it; anything else (unknown, greedy-exclusive) is counted
    with plain greedy, which is what the reason texts then say."""
    threshold = pb.meta.get("min_project_score_threshold")
    rule = pb.rule if pb.rule in GREEDY_RULES else "greedy"
    return rule, int(Decimal(threshold)) if threshold not in (None, "") else None


def _title(project: PabulibProject) -> str:
    return f"{project.id}: {project.name or 'project'}"[:120]


def _ballots(pb: PabulibFile, source: str, ids: dict[str, str]) -> Iterator[ImportedBallot]:
    for vote in pb.votes:
        selections, points = _unique(vote, ids)
        method = vote.fields.get("voting_method", "").lower()
        paper = method in ("paper", "papier", "papierowy")
        yield ImportedBallot(identity=f"{source}:{vote.voter_id}", selections=selections,
                             points=points, channel="paper" if paper else "digital")


def _unique(vote: PabulibVote, ids: dict[str, str]) -> tuple[list[str], list[int] | None]:
    """A project named twice on one ballot counts once (its points summed), as the counting
    rules do; see docs/counting.md."""
    chosen: dict[str, int] = {}
    points = vote.points
    for index, project_id in enumerate(vote.vote):
        if project_id not in ids:
            raise InvalidInput("vote", f"line {vote.line}: unknown project '{project_id}'")
        given = points[index] if points is not None else 0
        chosen[ids[project_id]] = chosen.get(ids[project_id], 0) + given
    return list(chosen), (list(chosen.values()) if points is not None else None)


def import_election(app: Medborgarbudget, pb: PabulibFile, source: str) -> UUID:
    meta = pb.meta
    name = meta.get("description") or " ".join(
        part for part in (meta.get("country"), meta.get("unit"), meta.get("instance")) if part)
    cycle_id = app.create_cycle(name or source, meta.get("unit") or "Pabulib", IMPORTER)
    area_id = _slug(meta.get("subunit") or meta.get("unit") or "area")
    on = meta.get("date_begin") or datetime.now(UTC).date().isoformat()
    try:
        on = date.fromisoformat(on[:10]).isoformat()
    except ValueError:
        on = datetime.now(UTC).date().isoformat()
    app.record_decision(cycle_id, "Pabulib import", on, source, IMPORTER)
    app.add_area(cycle_id, {"id": area_id, "name": meta.get("subunit") or meta.get("unit")
                            or area_id, "kind": "territorial",
                            "budget": _whole(pb.budget, "budget")}, IMPORTER)
    app.set_voting_rule(cycle_id, voting_rule(pb), IMPORTER)
    rule, threshold = allocation_rule(pb)
    app.set_allocation_rule(cycle_id, rule, IMPORTER, threshold)
    app.trigger(cycle_id, "open_ideas", IMPORTER, f"Imported from {source}")
    ids: dict[str, str] = {}
    for project in pb.projects:
        cost = _whole(project.cost, f"cost of project {project.id}")
        ids[project.id] = str(app.submit_proposal(
            cycle_id, area_id, _title(project), project.name or f"Project {project.id}", cost,
            project.fields.get("category", "").split(",")[0] or "pabulib",
            f"pabulib:{source}:proposer:{project.id}"))
    app.trigger(cycle_id, "close_ideas", IMPORTER, "Imported")
    for project in pb.projects:
        app.review_proposal(ids[project.id], True, _whole(project.cost, "cost"),
                            "Imported as published", IMPORTER)
    app.trigger(cycle_id, "open_voting", IMPORTER, "Imported")
    app.ballots.import_ballots(cycle_id, area_id, _ballots(pb, source, ids))
    app.trigger(cycle_id, "close_voting", IMPORTER, "Imported")
    app.trigger(cycle_id, "publish_results", IMPORTER, f"Counted with {rule}")
    return cycle_id


def export_area(app: Medborgarbudget, cycle_id: str | UUID, area_id: str | None) -> PabulibFile:
    cycle = app.cycle(cycle_id)
    if cycle.phase is Phase.VOTING:
        # The votes are the file: nobody reads ballot contents while the vote is open.
        raise Conflict("The ballots are sealed while the cycle votes: export the election "
                       "once voting has closed.")
    if area_id is None:
        if len(cycle.areas) != 1:
            raise InvalidInput("area", f"the cycle has several areas; choose one with --area "
                                       f"({', '.join(cycle.areas)})")
        area_id = next(iter(cycle.areas))
    area = cycle.area(area_id)
    rule = cycle.voting_rule_for(area_id)
    proposals = [p for p in app.proposals(cycle.id) if p.area == area_id and p.on_ballot]
    ballots = [b for b in app.counted_ballots(cycle.id) if b.area == area_id]
    results = (cycle.results or {}).get("areas", {}).get(area_id)
    support: dict[str, int] = {}
    for ballot in ballots:
        for chosen in ballot.selections:
            support[chosen] = support.get(chosen, 0) + 1
    vote_type = {"approval": "approval", "knapsack": "approval", "cumulative": "cumulative",
                 "ranked": "ordinal"}[rule.kind]
    if rule.kind == "approval" and rule.max_choices == 1:
        vote_type = "choose-1"
    meta = {"description": cycle.name, "country": "Sweden", "unit": cycle.municipality,
            "subunit": area.name, "instance": cycle.created_at.date().isoformat()[:4],
            "num_projects": str(len(proposals)), "num_votes": str(len(ballots)),
            "budget": str(area.budget), "vote_type": vote_type,
            "rule": cycle.allocation_rule_for(area_id)}
    if rule.kind != "knapsack":
        meta["min_length"] = str(rule.min_choices)
        if rule.max_choices is not None:
            meta["max_length"] = str(rule.max_choices)
    else:
        meta["max_sum_cost"] = str(area.budget)
    if rule.kind == "cumulative":
        meta["max_sum_points"] = str(rule.max_total_points)
        meta["max_points"] = str(rule.max_points_per_project)
    if cycle.score_threshold is not None:
        meta["min_project_score_threshold"] = str(cycle.score_threshold)
    project_columns = ["project_id", "cost", "votes", "name", "category"]
    if results is not None:
        project_columns.append("selected")
    projects = []
    for proposal in proposals:
        fields = {"project_id": str(proposal.id), "cost": str(proposal.cost),
                  "votes": str(support.get(str(proposal.id), 0)), "name": proposal.title,
                  "category": proposal.category}
        if results is not None:
            fields["selected"] = "1" if str(proposal.id) in results["selected"] else "0"
        projects.append(PabulibProject(fields))
    vote_columns = ["voter_id", "vote"] + (["points"] if rule.kind == "cumulative" else [])
    contents = []
    for ballot in ballots:
        # Neither the voter's pseudonym nor the ballot id (the resident's receipt number):
        # voters are numbered 1..N by what their ballots say (numbered_votes).
        fields = {"vote": ",".join(ballot.selections)}
        if rule.kind == "cumulative":
            fields["points"] = ",".join(str(p) for p in ballot.points or ())
        contents.append(fields)
    return PabulibFile(meta, project_columns, projects, vote_columns, numbered_votes(contents))
