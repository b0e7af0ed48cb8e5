"""A real election as a cycle, and a cycle as a Pabulib file.

Import takes a Pabulib election through every phase up to published results: its projects become
reviewed, feasible proposals (titled "<project_id>: <name>" so they can be traced back, the row
as read kept with each), its ballots are cast as recorded, and the tally uses the file's rule.
The voting rule is the file's own limits and no others; a limit the file's ballots break is
reported and not enforced on that history (docs/counting.md). Each ballot is otherwise checked
as any ballot is. Export writes a cycle's area back as a Pabulib file; an imported area as the
file it came from (its META, project rows and columns were kept on import).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from domain.cycle import BudgetCycle
from domain.errors import Conflict, InvalidInput
from domain.money import MINOR_PER_UNIT, currency_code, major_text
from domain.pabulib.model import PabulibFile, PabulibProject, PabulibVote, numbered_votes
from domain.phases import Phase
from domain.vocabulary import GREEDY_RULES as GREEDY
from domain.vocabulary import AllocationRule, values
from domain.voting_rules import VotingRule
from service.application import Medborgarbudget, actor_of
from service.ballot_intake import ImportedBallot, without_cycle_collection

IMPORTER = actor_of("admin", "pabulib-import")
GREEDY_RULES = values(GREEDY)
# The file's own columns that go back out unchanged on export; voter details (age, sex, ...)
# are personal data that a ballot event never holds (ADR 0004), so only these vote columns are.
VOTE_COLUMNS = ("voter_id", "vote", "points")


def _whole(value: str, what: str, line: int) -> int:
    """A whole number from the file (a count of choices or points), or refuse it naming the
    line."""
    number = Decimal(value)
    if number != number.to_integral_value():
        raise InvalidInput(what, f"line {line}: {value} is not a whole number")
    return int(number)


def _amount(value: str, what: str, line: int) -> Decimal:
    """An amount of money from the file, exact, to the grosz (öre, cent): '969245.38'; finer
    than that no currency pays, and the file is refused naming the line."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(what, f"line {line}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise InvalidInput(what, f"line {line}: {value!r} is not an amount")
    if number * MINOR_PER_UNIT != (number * MINOR_PER_UNIT).to_integral_value():
        raise InvalidInput(what, f"line {line}: {value} has more than two decimals, finer than "
                                 "a grosz (öre, cent)")
    return number


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "area"


def _meta_int(pb: PabulibFile, key: str) -> int | None:
    value = pb.meta.get(key, "").strip()
    if not value or value.lower() == "none":
        return None
    try:
        return _whole(value, key, pb.meta_lines.get(key, 0))
    except InvalidOperation:
        raise InvalidInput(key, f"line {pb.meta_lines.get(key, 0)}: {value!r} is not a "
                                "number") from None


def _meta_amount(pb: PabulibFile, key: str) -> Decimal | None:
    value = pb.meta.get(key, "").strip()
    if not value or value.lower() == "none":
        return None
    return _amount(value, key, pb.meta_lines.get(key, 0))


def _currency(pb: PabulibFile) -> str | None:
    """The file's META `currency` (an ISO 4217 code), None when it names none (kronor then)."""
    value = pb.meta.get("currency", "").strip()
    if not value:
        return None
    return currency_code(value, f"currency: line {pb.meta_lines.get('currency', 0)}")


def voting_rule(pb: PabulibFile) -> dict[str, Any]:
    """The file's own limits (META min_length, max_length, min/max_sum_cost, min/max_points,
    min/max_sum_points) and no others: what a file does not state, the rule leaves open. A
    cumulative rule needs its maxima; where the file states none, the largest its ballots use
    stands in, which refuses none of them."""
    low, high = _meta_int(pb, "min_length"), _meta_int(pb, "max_length")
    rule: dict[str, Any] = {"kind": "approval", "min_choices": low or 0, "max_choices": high}
    if pb.vote_type == "choose-1":
        rule["max_choices"] = 1
    for key, field in (("min_sum_cost", "min_total_cost"), ("max_sum_cost", "max_total_cost")):
        if (amount := _meta_amount(pb, key)) is not None:
            rule[field] = amount  # whole units, as people give amounts: kept in minor units
    if pb.vote_type in ("cumulative", "scoring"):
        given = [v.points or () for v in pb.votes]
        total = _meta_int(pb, "max_sum_points")
        per_project = _meta_int(pb, "max_points")
        if per_project is None:
            per_project = total if total is not None else max(
                (max(p, default=0) for p in given), default=1)
        rule.update(kind="cumulative", max_points_per_project=per_project)
        if pb.vote_type == "scoring":
            rule["scoring"] = True
            rule["max_total_points"] = total
        else:
            rule["max_total_points"] = total or max((sum(p) for p in given), default=1) or 1
        for key, field in (("min_sum_points", "min_total_points"),
                           ("min_points", "min_points_per_project")):
            if (value := _meta_int(pb, key)) is not None:
                rule[field] = value
    elif pb.vote_type == "ordinal":
        # The number of ranks sets the positional points; without max_length it is the
        # longest ballot, as `to_election` counts the file.
        longest = max((len(dict.fromkeys(v.vote)) for v in pb.votes), default=1)
        rule.update(kind="ranked", max_choices=high or max(longest, 1),
                    ranked_points="points" in pb.vote_columns)
    return rule


def allocation_rule(pb: PabulibFile) -> tuple[str, int | None]:
    """The file's rule where we have it; anything else (unknown, greedy-exclusive) is counted
    with plain greedy, which is what the reason texts then say."""
    rule = pb.rule if pb.rule in GREEDY_RULES else AllocationRule.GREEDY.value
    return rule, _meta_int(pb, "min_project_score_threshold")


def _title(project: PabulibProject) -> str:
    return f"{project.id}: {project.name or 'project'}"[:120]


def _ballots(pb: PabulibFile, source: str, ids: dict[str, str],
             progress: Callable[[int], None] | None) -> Iterator[ImportedBallot]:
    for count, vote in enumerate(pb.votes, start=1):
        selections, points = _unique(vote, ids)
        method = vote.fields.get("voting_method", "").lower()
        paper = method in ("paper", "papier", "papierowy")
        yield ImportedBallot(identity=f"{source}:{vote.voter_id}", selections=selections,
                             points=points, channel="paper" if paper else "digital")
        if progress is not None and (count % 1000 == 0 or count == len(pb.votes)):
            progress(count)


def _unique(vote: PabulibVote, ids: dict[str, str]) -> tuple[list[str], list[int] | None]:
    """A project named twice on one ballot counts once, at its first occurrence with its points
    (or rank), as the counting rules do; see docs/counting.md."""
    chosen: dict[str, int] = {}
    points = vote.points
    for index, project_id in enumerate(vote.vote):
        if project_id not in ids:
            raise InvalidInput("vote", f"line {vote.line}: unknown project '{project_id}'")
        if ids[project_id] not in chosen:
            chosen[ids[project_id]] = points[index] if points is not None else 0
    return list(chosen), (list(chosen.values()) if points is not None else None)


@dataclass(frozen=True)
class Imported:
    cycle_id: UUID
    # Limit of the file's META -> how many of its ballots break it. Such a limit is kept in
    # the file (and its export) but not enforced on the imported ballots: a file is history.
    breaks: dict[str, int]


def _limit_breaks(pb: PabulibFile, costs: Mapping[str, Decimal]) -> dict[str, int]:
    """How many ballots break each limit the file's META states, by META key (the same limits
    VotingRule.check_ballot enforces on a ballot cast here)."""
    limits: dict[str, int | Decimal] = {
        key: value for key in ("min_length", "max_length", "min_points", "max_points",
                               "min_sum_points", "max_sum_points")
        if (value := _meta_int(pb, key)) is not None}
    limits.update({key: amount for key in ("min_sum_cost", "max_sum_cost")
                   if (amount := _meta_amount(pb, key)) is not None})
    if pb.vote_type == "choose-1":
        limits["max_length"] = min(limits.get("max_length", 1), 1)
    counts: dict[str, int] = {}
    for vote in pb.votes:
        chosen = dict.fromkeys(vote.vote)
        points = vote.points if pb.vote_type in ("cumulative", "scoring") else None
        if points is not None:  # first occurrences only, as counted
            firsts = {pid: index for index, pid in reversed(list(enumerate(vote.vote)))}
            points = tuple(points[firsts[pid]] for pid in chosen)
        total = sum(costs[pid] for pid in chosen)
        broken = {
            "min_length": len(chosen) < limits.get("min_length", 0),
            "max_length": len(chosen) > limits.get("max_length", len(chosen)),
            "min_sum_cost": total < limits.get("min_sum_cost", 0),
            "max_sum_cost": total > limits.get("max_sum_cost", total),
        }
        if points is not None:
            broken.update({
                "min_points": min(points, default=0) < limits.get("min_points", 0),
                "max_points": max(points, default=0) > limits.get("max_points", max(
                    points, default=0)),
                "min_sum_points": sum(points) < limits.get("min_sum_points", 0),
                "max_sum_points": sum(points) > limits.get("max_sum_points", sum(points)),
            })
        for key, yes in broken.items():
            if yes:
                counts[key] = counts.get(key, 0) + 1
    return counts


def import_election(app: Medborgarbudget, pb: PabulibFile, source: str,
                    progress: Callable[[int], None] | None = None,
                    tie_break: str | None = None) -> Imported:
    """`progress` is called with the number of ballots read so far (every thousand);
    `tie_break` is the cycle's (default: the default order)."""
    meta = pb.meta
    budget = _amount(meta["budget"], "budget", pb.meta_lines.get("budget", 0))
    costs = {p.id: _amount(p.fields["cost"], f"cost of project {p.id}", p.line)
             for p in pb.projects}
    currency = _currency(pb)
    rule_data = voting_rule(pb)
    VotingRule.from_dict(rule_data)  # the file's limits make a rule, or say why not
    breaks = _limit_breaks(pb, costs)
    meta_key = {"min_length": "min_choices", "max_length": "max_choices",
                "min_sum_cost": "min_total_cost", "max_sum_cost": "max_total_cost",
                "max_points": "max_points_per_project", "min_points": "min_points_per_project",
                "max_sum_points": "max_total_points", "min_sum_points": "min_total_points"}
    for key in breaks:
        # Not enforced on this history (the file keeps it): see `Imported.breaks`.
        field = meta_key[key]
        if field == "min_choices":
            rule_data[field] = 0
        elif field == "max_choices" and rule_data["kind"] == "ranked":
            rule_data[field] = max(len(v.vote) for v in pb.votes)
        elif field in ("max_points_per_project", "max_total_points"):
            given = [v.points or () for v in pb.votes]
            rule_data[field] = max((sum(p) if field == "max_total_points" else max(p, default=0)
                                    for p in given), default=1)
        else:
            rule_data[field] = None
    name = meta.get("description") or " ".join(
        part for part in (meta.get("country"), meta.get("unit"), meta.get("instance")) if part)
    cycle_id = app.create_cycle(name or source, meta.get("unit") or "Pabulib", IMPORTER,
                                currency=currency)
    area_id = _slug(meta.get("subunit") or meta.get("unit") or "area")
    on = meta.get("date_begin") or datetime.now(UTC).date().isoformat()
    try:
        on = date.fromisoformat(on[:10]).isoformat()
    except ValueError:
        on = datetime.now(UTC).date().isoformat()
    app.record_decision(cycle_id, "Pabulib import", on, source, IMPORTER)
    original = {"format": "pabulib", "file": source, "meta": dict(meta),
                "project_columns": list(pb.project_columns),
                "vote_columns": [c for c in pb.vote_columns if c in VOTE_COLUMNS],
                "limit_breaks": breaks}
    app.add_area(cycle_id, {"id": area_id, "name": meta.get("subunit") or meta.get("unit")
                            or area_id, "kind": "territorial", "budget": budget,
                            # No minimum of votes: counted as the file's rule counts it.
                            "min_votes": 0, "source": original}, IMPORTER)
    app.set_voting_rule(cycle_id, rule_data, IMPORTER)
    rule, threshold = allocation_rule(pb)
    app.set_allocation_rule(cycle_id, rule, IMPORTER, threshold, tie_break)
    app.trigger(cycle_id, "open_ideas", IMPORTER, f"Imported from {source}")
    ids: dict[str, str] = {}
    for project in pb.projects:
        ids[project.id] = str(app.submit_proposal(
            cycle_id, area_id, _title(project), project.name or f"Project {project.id}",
            costs[project.id],
            project.fields.get("category", "").split(",")[0].strip() or "pabulib",
            f"pabulib:{source}:proposer:{project.id}", source=dict(project.fields)))
    app.trigger(cycle_id, "close_ideas", IMPORTER, "Imported")
    for project in pb.projects:
        app.review_proposal(ids[project.id], True, costs[project.id],
                            "Imported as published", IMPORTER, as_published=True)
    app.trigger(cycle_id, "open_voting", IMPORTER, "Imported")
    with without_cycle_collection():
        stored = app.ballots.import_ballots(cycle_id, area_id,
                                            _ballots(pb, source, ids, progress))
        app.trigger(cycle_id, "close_voting", IMPORTER, "Imported")
        # Counted as stored, not read back, unless someone else's ballot joined them
        # (ADR 0016).
        app.trigger(cycle_id, "publish_results", IMPORTER, f"Counted with {rule}",
                    known=stored)
    return Imported(cycle_id, breaks)


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
    if area.source is not None and area.source.get("format") == "pabulib":
        return _as_imported(area.source, proposals, ballots, rule.has_points)
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
            "subunit": area.name, "instance": _edition(cycle),
            "num_projects": str(len(proposals)), "num_votes": str(len(ballots)),
            "budget": major_text(area.budget), "currency": cycle.currency,
            "vote_type": vote_type, "rule": cycle.allocation_rule_for(area_id)}
    if rule.kind != "knapsack":
        meta["min_length"] = str(rule.min_choices)
        if rule.max_choices is not None:
            meta["max_length"] = str(rule.max_choices)
    else:
        meta["max_sum_cost"] = major_text(area.budget)
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
        fields = {"project_id": str(proposal.id), "cost": major_text(proposal.cost),
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


def _edition(cycle: BudgetCycle) -> str:
    """Pabulib's `instance`, the edition: the year the residents voted (voting opened), else the
    year voting is planned for. The year the cycle was created is often the one before (the
    assembly decides in the autumn for the next year's budget)."""
    opened = cycle.phase_entered_at_trigger("open_voting")
    if opened is not None:
        return str(opened.year)
    planned = cycle.timeline.get("voting")
    return planned[:4] if planned else str(cycle.created_at.year)


def _as_imported(source: Mapping[str, Any], proposals: list[Any], ballots: list[Any],
                 has_points: bool) -> PabulibFile:
    """An imported area as its file was: META, project rows (ids, names and every column as
    read) and column names kept on import; the ballots as stored, in the file's project ids,
    voters numbered 1..N (numbered_votes). Proposals imported before the rows were kept (no
    `source`) fall back to the id in their title."""
    file_id: dict[str, str] = {}
    projects = []
    for proposal in proposals:
        fields = getattr(proposal, "source", None) or {
            "project_id": proposal.title.partition(": ")[0], "cost": major_text(proposal.cost),
            "name": proposal.title.partition(": ")[2]}
        file_id[str(proposal.id)] = fields["project_id"]
        projects.append(PabulibProject(dict(fields)))
    vote_columns = list(source.get("vote_columns") or ["voter_id", "vote"])
    if has_points and "points" not in vote_columns:
        vote_columns.append("points")
    contents = []
    for ballot in ballots:
        fields = {"vote": ",".join(file_id[s] for s in ballot.selections)}
        if "points" in vote_columns:
            fields["points"] = ",".join(str(p) for p in ballot.points or ())
        contents.append(fields)
    meta = dict(source["meta"])
    if "num_votes" in meta:
        meta["num_votes"] = str(len(ballots))
    if "num_projects" in meta:
        meta["num_projects"] = str(len(projects))
    return PabulibFile(meta, list(source["project_columns"]), projects, vote_columns,
                       numbered_votes(contents))
