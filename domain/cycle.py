"""The budget cycle: one round of medborgarbudget, from the political decision to evaluation.

Command methods validate and then record an event; the `@event` bodies only apply the fact,
because they run again on every replay. Event topics are pinned ("medborgarbudget:...") so that
renaming or moving a class never orphans stored history.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import documents, events
from domain import text as lengths
from domain.allocation.election import DEFAULT_TIE_BREAK, TIE_BREAKS
from domain.areas import (
    DEFAULT_MIN_VOTES,
    Area,
    Ineligible,
    area_from_stored,
    area_kronor_to_minor,
    municipality_residences,
)
from domain.categories import (
    Category,
    as_dicts,
    categories_from,
    chosen_category,
    stored_categories,
)
from domain.cycle_tally import ADD, EXCLUDE, WINNER_EXCEPTIONS, AreaRules, WinnerException
from domain.errors import Conflict, InvalidInput, NotFound, PhaseError
from domain.json_values import json_list, json_object
from domain.money import (
    DEFAULT_CURRENCY,
    StoredState,
    currency_code,
    currency_of,
    kronor_to_minor,
    versioned,
)
from domain.phases import PHASE_MACHINE, Phase, TriggerStatus
from domain.pot_cap import PotCap
from domain.pseudonym import GLOBAL, PER_CYCLE
from domain.support_round import SupportConfiguration, SupportCount, round_outcome
from domain.text import clean_text
from domain.vocabulary import AllocationRule
from domain.voting_rules import ALLOCATION_RULES, VotingRule, rule_kronor_to_minor

if TYPE_CHECKING:
    from domain.proposal import Proposal

# Which phases each command on a cycle or its proposals and ballots is accepted in.
COMMAND_PHASES: Mapping[str, frozenset[Phase]] = {
    "configure": frozenset({Phase.DRAFT}),
    "submit_proposal": frozenset({Phase.IDEAS}),
    # The proposer shows their idea while ideas are collected (ADR 0030).
    "add_picture": frozenset({Phase.IDEAS}),
    "withdraw_proposal": frozenset({Phase.IDEAS, Phase.REVIEW}),
    "review_proposal": frozenset({Phase.REVIEW}),
    "merge_proposal": frozenset({Phase.REVIEW}),
    # Before voting: residents vote knowing which proposals exclude each other.
    "mark_incompatible": frozenset({Phase.DRAFT, Phase.IDEAS, Phase.REVIEW, Phase.SUPPORT}),
    "support_proposal": frozenset({Phase.SUPPORT}),
    "withdraw_support": frozenset({Phase.SUPPORT}),
    "undo_merge": frozenset({Phase.REVIEW}),
    # Residents discuss proposals while they can still shape them or vote on them.
    "comment": frozenset({Phase.IDEAS, Phase.REVIEW, Phase.VOTING}),
    "cast_digital_ballot": frozenset({Phase.VOTING}),
    "mark_in_roll": frozenset({Phase.VOTING}),
    # Paper ballots may still arrive from the stations until results are published.
    "cast_paper_ballot": frozenset({Phase.VOTING, Phase.COUNTING}),
    "record_adoption": frozenset({Phase.RESULTS}),
    "amend_winners": frozenset({Phase.RESULTS}),
    "report_progress": frozenset({Phase.IMPLEMENTATION, Phase.EVALUATION}),
    "record_evaluation": frozenset({Phase.EVALUATION}),
    # Next year's cycle follows one that was decided and started, not a draft.
    "create_successor": frozenset(p for p in Phase if p is not Phase.DRAFT),
}

COMMAND_DESCRIPTIONS: Mapping[str, str] = {
    "configure": "Changing the configuration",
    "submit_proposal": "Submitting a proposal",
    "add_picture": "Adding a picture to a proposal",
    "withdraw_proposal": "Withdrawing a proposal",
    "review_proposal": "Reviewing a proposal",
    "merge_proposal": "Merging proposals",
    "mark_incompatible": "Marking proposals incompatible",
    "support_proposal": "Supporting a proposal",
    "withdraw_support": "Withdrawing a support",
    "undo_merge": "Undoing a merge",
    "comment": "Commenting on a proposal",
    "cast_digital_ballot": "Voting digitally",
    "mark_in_roll": "Marking a voter in a station's roll",
    "cast_paper_ballot": "Entering paper ballots",
    "record_adoption": "Recording the adoption",
    "amend_winners": "Recording an exception to the winners",
    "report_progress": "Reporting implementation progress",
    "record_evaluation": "Recording the evaluation",
    "create_successor": "Creating the next cycle from this one",
}

# Successors' ids are derived from their predecessor's (and how many it had, all cancelled), so
# that two successors made at the same moment have the same id and the store refuses one.
SUCCESSOR_NAMESPACE = UUID("3a4c3f0e-5d55-5b39-8f61-0d3b7c2e9a41")


@dataclass(frozen=True)
class ProposalFacts:
    """What the cycle's guards need to know about its proposals (gathered by the service)."""

    unreviewed: int = 0
    areas_with_feasible: frozenset[str] = frozenset()
    # The support each proposal that may go on the ballot has now (the support round).
    supports: tuple[SupportCount, ...] = ()


@dataclass(frozen=True)
class CycleFacts:
    """Everything the phase guards look at, for one moment in one cycle."""

    decision_recorded: bool
    has_funded_area: bool
    voting_rule_chosen: bool
    every_proposal_reviewed: bool
    every_area_has_feasible_proposal: bool
    adoption_recorded: bool
    evaluation_recorded: bool
    no_support_round: bool = True
    support_round_configured: bool = False
    every_area_has_supported_proposal: bool = False
    tally_recorded: bool = False
    reason_given: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


def _iso_date(value: object, field_name: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidInput(field_name, "must be a date as YYYY-MM-DD") from None


def web_address(value: object, field_name: str) -> str:
    """An address a page may link to: http or https with a host, nothing else (no javascript:,
    data: or file: addresses, no spaces or control characters)."""
    text = clean_text(value, field_name, lengths.ADDRESS)
    parsed = urlsplit(text)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname \
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput(field_name, "must be a web address that starts with http:// or "
                                       "https://")
    return text


def _assembly_record(body: object, on: object, reference: object, prefix: str,
                     ) -> documents.AssemblyRecord:
    return {
        "body": clean_text(body, f"{prefix}.body", lengths.NAME),
        "date": _iso_date(on, f"{prefix}.date"),
        "reference": clean_text(reference, f"{prefix}.reference", lengths.NAME),
    }


class WinnerExceptionRecord(TypedDict):
    """A winner excluded or a proposal added after the count (WinnersAmended)."""

    kind: str  # EXCLUDE or ADD
    area: str
    proposal_id: str
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class IncompatiblePair:
    """Two proposals that exclude each other (ProposalsMarkedIncompatible), in sorted order."""

    first: str
    second: str
    area: str
    reason: str
    actor: str
    at: datetime


class EvaluationVersion(TypedDict):
    """A version of the evaluation, who recorded it and when; `reason`: why it was revised
    (None: the first report)."""

    evaluation: documents.Evaluation
    actor: str
    at: datetime
    reason: str | None


class _CreatedFields(TypedDict):
    """The `Created` event's fields (`BudgetCycle.__init__`'s arguments)."""

    name: str
    municipality: str
    actor: str
    at: datetime
    predecessor_id: str | None
    configuration: documents.Configuration | None
    pseudonyms: str
    currency: str


@dataclass
class PhaseChange:
    trigger: str
    from_phase: str
    to_phase: str
    actor: str
    reason: str
    at: datetime


class BudgetCycle(Aggregate):
    TOPIC = events.CYCLE

    @classmethod
    def create(
        cls,
        name: str,
        municipality: str,
        actor: str,
        predecessor: BudgetCycle | None = None,
        successors: Sequence[BudgetCycle] = (),
        currency: str | None = None,
    ) -> BudgetCycle:
        """A new cycle in draft; a successor copies its predecessor's configuration (SKR: repeated
        over time) but never its decision, which a new assembly decision must renew. Its money
        is in `currency` (an ISO 4217 code, SEK by default; a successor's is its predecessor's,
        since the configuration it copies is in it).
        `successors`: the cycles made from `predecessor` already. A cycle has one successor,
        made once it has left draft; another only if every earlier one was cancelled."""
        if predecessor is None:
            code = currency_code(currency) if currency is not None else DEFAULT_CURRENCY
            return cls._created(name, municipality, actor, None, code)
        predecessor.require_phase("create_successor")
        if currency is not None and currency_code(currency) != predecessor.currency:
            raise InvalidInput("currency", f"a successor keeps its predecessor's currency "
                                           f"({predecessor.currency})")
        standing = [c for c in successors if c.phase is not Phase.CANCELLED]
        if standing:
            raise Conflict(
                f"This cycle already has a successor, '{standing[0].name}' ({standing[0].id}); "
                "a cycle is followed by one cycle only (cancel that one to make another).")
        the_id = uuid5(SUCCESSOR_NAMESPACE, f"{predecessor.id}/{len(successors)}")
        return cls._created(name, municipality, actor, predecessor, predecessor.currency, the_id)

    @classmethod
    def _created(cls, name: str, municipality: str, actor: str,
                 predecessor: BudgetCycle | None, currency: str,
                 the_id: UUID | None = None) -> BudgetCycle:
        copied = predecessor.configuration() if predecessor is not None else None
        if copied is not None:
            # A pot copied from one made before pots had a minimum gets the minimum a pot made
            # now has: it applies to every cycle created from now on (ADR 0021).
            copied["areas"] = [a if a.get("min_votes") is not None
                               else {**a, "min_votes": DEFAULT_MIN_VOTES}
                               for a in copied["areas"]]
        fields: _CreatedFields = {
            "name": clean_text(name, "name", lengths.NAME),
            "municipality": clean_text(municipality, "municipality", lengths.NAME),
            "actor": actor, "at": _now(),
            "predecessor_id": str(predecessor.id) if predecessor is not None else None,
            "configuration": copied, "pseudonyms": PER_CYCLE,
            "currency": currency,
        }
        if the_id is None:
            return cls(**fields)
        # The same Created event, with the id given rather than a random one.
        created: BudgetCycle = cls._create(cls.Created, id=the_id, **fields)
        return created

    @event("Created", topic=events.CycleCreated.TOPIC)
    def __init__(
        self,
        name: str,
        municipality: str,
        actor: str,
        at: datetime,
        predecessor_id: str | None,
        configuration: documents.Configuration | None,
        pseudonyms: str = GLOBAL,  # cycles created before per-cycle pseudonyms keep theirs
        currency: str | None = None,  # None: created before cycles recorded one (`currency`)
    ) -> None:
        self.name = name
        self.recorded_currency = currency
        self.pseudonyms = pseudonyms
        # Paper ballots entered per (area, station), to reconcile with the station's roll.
        self.paper_entered: dict[tuple[str, str], int] = {}
        self.municipality = municipality
        self.created_by = actor
        self.created_at = at
        self.predecessor_id = predecessor_id
        self.phase = Phase.DRAFT
        self.decision: documents.AssemblyRecord | None = None
        self.areas: dict[str, Area] = {}
        self.voting_rule: VotingRule | None = None
        self.allocation_rule: str = AllocationRule.GREEDY
        self.score_threshold: int | None = None
        self.tie_break = DEFAULT_TIE_BREAK
        self.allow_ballot_changes = False
        # The support round's rules (domain/support_round.py), None when the cycle has none;
        # once it closed, which proposals it put on the ballot and why the others are not.
        self.support_round: documents.SupportRoundDocument | None = None
        self.support_outcome: documents.SupportRoundOutcome | None = None
        self.timeline: dict[str, str] = {}
        self.history: list[PhaseChange] = []
        self.results: documents.Results | None = None
        self.adoption: documents.AssemblyRecord | None = None
        # Winners excluded or added after the count, in order: kind, area, proposal_id,
        # reason, actor, at (WinnersAmended).
        self.winner_exceptions: list[WinnerExceptionRecord] = []
        # Pairs of proposals that exclude each other (the rule funds at most one): first,
        # second (in sorted order), area, reason, actor, at.
        self.incompatible: list[IncompatiblePair] = []
        self.evaluation: documents.Evaluation | None = None
        # Every version of the evaluation in order, the current one last: what it said, who
        # recorded it, when, and (for a revision) why.
        self.evaluation_history: list[EvaluationVersion] = []
        self.categories: tuple[Category, ...] = ()
        # The cap on pots per voter (domain/pot_cap.py) as stored; None: no cap, as every cycle
        # created before the cap existed.
        self.pot_cap_data: documents.PotCapDocument | None = None
        if configuration is not None:
            self._apply_configuration(configuration)

    @property
    def currency(self) -> str:
        """The ISO 4217 code of every amount of the cycle (its amounts are minor units of it). A
        cycle created before the currency was recorded is in kronor, unless it was imported from
        a file that names another (its area keeps the file's META)."""
        return currency_of(self.recorded_currency,
                           ({"source": area.source} for area in self.areas.values()))

    # ---- configuration (draft only) -------------------------------------------------------

    def configuration(self) -> documents.Configuration:
        configuration: documents.Configuration = {
            "areas": [a.to_dict() for a in self.areas.values()],
            "voting_rule": self.voting_rule.to_dict() if self.voting_rule else None,
            "allocation_rule": self.allocation_rule,
            "score_threshold": self.score_threshold,
            "tie_break": self.tie_break,
            "allow_ballot_changes": self.allow_ballot_changes,
        }
        if self.categories:
            # Only when set: a successor of a cycle without categories is created as before.
            configuration["categories"] = as_dicts(self.categories)
        if self.support_round is not None:  # absent otherwise: copied as it always was
            configuration["support_round"] = self.support_round
        if self.pot_cap_data is not None:  # likewise
            configuration["pot_cap"] = self.pot_cap_data
        return configuration

    def _apply_configuration(self, configuration: documents.Configuration) -> None:
        self.areas = {a["id"]: area_from_stored(a) for a in configuration.get("areas", [])}
        rule = configuration.get("voting_rule")
        self.voting_rule = VotingRule(**rule) if rule else None
        self.allocation_rule = configuration.get("allocation_rule", AllocationRule.GREEDY)
        self.score_threshold = configuration.get("score_threshold")
        self.tie_break = configuration.get("tie_break", DEFAULT_TIE_BREAK)
        self.allow_ballot_changes = bool(configuration.get("allow_ballot_changes", False))
        self.categories = stored_categories(configuration.get("categories", ()))
        self.support_round = configuration.get("support_round")
        self.pot_cap_data = configuration.get("pot_cap")

    def record_decision(self, body: str, on: str, reference: str, actor: str) -> None:
        self.require_phase("configure")
        self._decision_recorded(_assembly_record(body, on, reference, "decision"), actor, _now())

    @event("DecisionRecorded", topic=events.DecisionRecorded.TOPIC)
    def _decision_recorded(self, decision: documents.AssemblyRecord, actor: str,
                           at: datetime) -> None:
        self.decision = decision

    def add_area(self, data: Mapping[str, object], actor: str) -> Area:
        self.require_phase("configure")
        area = Area.from_dict(data)
        if area.id in self.areas:
            raise InvalidInput("area.id", f"an area '{area.id}' already exists in this cycle")
        self._area_added(area.to_dict(), actor, _now())
        return area

    @event("AreaAdded", topic=events.AreaAdded.TOPIC)
    def _area_added(self, area: documents.AreaDocument, actor: str, at: datetime) -> None:
        self.areas[area["id"]] = area_from_stored(area)

    def change_area(self, data: Mapping[str, object], actor: str) -> Area:
        self.require_phase("configure")
        area = Area.from_dict(data)
        self.area(area.id)
        self._area_changed(area.to_dict(), actor, _now())
        return area

    @event("AreaChanged", topic=events.AreaChanged.TOPIC)
    def _area_changed(self, area: documents.AreaDocument, actor: str, at: datetime) -> None:
        self.areas[area["id"]] = area_from_stored(area)

    def remove_area(self, area_id: str, actor: str) -> None:
        self.require_phase("configure")
        self.area(area_id)
        cap = self.pot_cap
        if cap is not None and not cap.counts(area_id):
            raise Conflict(f"Area '{area_id}' is named by the cap on pots per voter as not "
                           "counted; set the cap without it first.")
        self._area_removed(area_id, actor, _now())

    @event("AreaRemoved", topic=events.AreaRemoved.TOPIC)
    def _area_removed(self, area_id: str, actor: str, at: datetime) -> None:
        del self.areas[area_id]

    def set_voting_rule(
        self, data: Mapping[str, object], actor: str, allow_ballot_changes: bool = False
    ) -> VotingRule:
        self.require_phase("configure")
        rule = VotingRule.from_dict(data)
        if not isinstance(allow_ballot_changes, bool):
            raise InvalidInput("allow_ballot_changes", "must be true or false")
        self._voting_rule_set(rule.to_dict(), allow_ballot_changes, actor, _now())
        return rule

    @event("VotingRuleSet", topic=events.VotingRuleSet.TOPIC)
    def _voting_rule_set(
        self, rule: documents.VotingRuleDocument, allow_ballot_changes: bool, actor: str,
        at: datetime,
    ) -> None:
        self.voting_rule = VotingRule(**rule)
        self.allow_ballot_changes = allow_ballot_changes

    def set_allocation_rule(self, rule: str, actor: str, threshold: object = None,
                            tie_break: object = None) -> None:
        """`threshold`: the minimum score a project needs under greedy-threshold; `tie_break`:
        how equal scores (or MES prices) are ordered, one of TIE_BREAKS (docs/counting.md),
        by default the order every cycle was counted with before it could be chosen."""
        self.require_phase("configure")
        if rule not in ALLOCATION_RULES:
            raise InvalidInput("allocation_rule", f"must be one of {', '.join(ALLOCATION_RULES)}")
        if threshold is not None and (type(threshold) is not int or threshold < 0):
            raise InvalidInput("threshold", "must be a whole number of votes or points, 0 or more")
        if rule == AllocationRule.GREEDY_THRESHOLD and threshold is None:
            raise InvalidInput("threshold", "greedy-threshold needs a minimum score")
        if tie_break is not None and tie_break not in TIE_BREAKS:
            raise InvalidInput("tie_break", f"must be one of {', '.join(TIE_BREAKS)}")
        if tie_break is None or tie_break == DEFAULT_TIE_BREAK:
            # Recorded as before the choice existed: the event stays what it always was.
            self._allocation_rule_set(rule, threshold, actor, _now())
        else:
            self._allocation_rule_set(rule, threshold, actor, _now(), str(tie_break))

    @event("AllocationRuleSet", topic=events.AllocationRuleSet.TOPIC)
    def _allocation_rule_set(
        self, rule: str, threshold: int | None, actor: str, at: datetime,
        tie_break: str = DEFAULT_TIE_BREAK,
    ) -> None:
        # An event stored before tie_break existed lacks it: the default is how it counted.
        self.allocation_rule = rule
        self.score_threshold = threshold
        self.tie_break = tie_break

    def set_categories(self, categories: object, actor: str) -> tuple[Category, ...]:
        """The list a proposal's category is chosen from (an empty list: free text again)."""
        self.require_phase("configure")
        checked = categories_from(categories)
        self._categories_set(as_dicts(checked), actor, _now())
        return checked

    @event("CategoriesSet", topic=events.CategoriesSet.TOPIC)
    def _categories_set(self, categories: list[documents.Category], actor: str,
                        at: datetime) -> None:
        self.categories = stored_categories(categories)

    def set_pot_cap(self, cap: object, actor: str) -> PotCap | None:
        """At most `max_pots` areas per voter, not counting the `uncounted` ones (ADR 0025);
        None: no cap."""
        self.require_phase("configure")
        if cap is None:
            if self.pot_cap_data is None:
                raise Conflict("This cycle has no cap on pots per voter to remove.")
            self._pot_cap_set(None, actor, _now())
            return None
        checked = PotCap.from_dict(cap, self.areas)
        self._pot_cap_set(checked.to_dict(), actor, _now())
        return checked

    @event("PotCapSet", topic="medborgarbudget:BudgetCycle.PotCapSet")
    def _pot_cap_set(self, pot_cap: documents.PotCapDocument | None, actor: str,
                     at: datetime) -> None:
        self.pot_cap_data = pot_cap

    @property
    def pot_cap(self) -> PotCap | None:
        return PotCap.from_stored(self.pot_cap_data) if self.pot_cap_data is not None else None

    def proposal_category(self, value: object) -> str:
        """The category a proposal submitted now records (domain/categories.py)."""
        return chosen_category(self.categories, value)

    def configure_support_round(self, support_round: object, actor: str) -> None:
        """A support round between review and voting, with the rule that picks each area's
        ballot (domain/support_round.py); None: no support round."""
        self.require_phase("configure")
        if support_round is None:
            if self.support_round is None:
                raise Conflict("This cycle has no support round to switch off.")
            self._support_round_set(None, actor, _now())
            return
        rules = SupportConfiguration.from_dict(support_round, self.areas)
        self._support_round_set(rules.to_dict(), actor, _now())

    @event("SupportRoundSet", topic=events.SupportRoundSet.TOPIC)
    def _support_round_set(self, support_round: documents.SupportRoundDocument | None, actor: str,
                           at: datetime) -> None:
        self.support_round = support_round

    def support_rules(self) -> SupportConfiguration | None:
        if self.support_round is None:
            return None
        return SupportConfiguration.from_stored(self.support_round)

    def support_outcome_now(self, supports: Sequence[SupportCount],
                            ) -> documents.SupportRoundOutcome:
        """Which proposals the support round would put on each area's ballot with `supports`."""
        rules = self.support_rules()
        if rules is None:
            raise Conflict("This cycle has no support round.")
        return {"format": 1, "areas": round_outcome(rules, self.areas, supports)}

    def on_ballot(self, proposal: Proposal) -> bool:
        """Whether the proposal is on its area's ballot: reviewed feasible and still standing
        (Proposal.on_ballot) and, after a support round, put on the ballot by it."""
        if not proposal.on_ballot:
            return False
        if self.support_outcome is None:
            return True
        area = self.support_outcome["areas"].get(proposal.area)
        return area is not None and str(proposal.id) in area["on_ballot"]

    def set_timeline(self, timeline: Mapping[str, object], actor: str) -> None:
        """Planned start date of each phase; the dates must follow the phases' order."""
        self.require_phase("configure")
        if not isinstance(timeline, Mapping) or not timeline:
            raise InvalidInput("timeline", "give a start date for at least one phase")
        order = [p.value for p in Phase if p is not Phase.CANCELLED]
        cleaned: dict[str, str] = {}
        for phase_name in order:
            if phase_name in timeline:
                cleaned[phase_name] = _iso_date(timeline[phase_name], f"timeline.{phase_name}")
        unknown = set(timeline) - set(cleaned)
        if unknown:
            raise InvalidInput("timeline", f"unknown phase(s): {', '.join(sorted(unknown))}")
        dates = list(cleaned.values())
        if dates != sorted(dates):
            raise InvalidInput("timeline", "the dates must follow the order of the phases")
        self._timeline_set(cleaned, actor, _now())

    @event("TimelineSet", topic=events.TimelineSet.TOPIC)
    def _timeline_set(self, timeline: dict[str, str], actor: str, at: datetime) -> None:
        self.timeline = timeline

    # ---- phase transitions ---------------------------------------------------------------

    def facts(self, proposals: ProposalFacts, reason: str = "", tally: bool = False) -> CycleFacts:
        supported = False
        if self.support_round is not None and self.areas:
            areas = self.support_outcome_now(proposals.supports)["areas"]
            supported = all(area["on_ballot"] for area in areas.values())
        return CycleFacts(
            decision_recorded=self.decision is not None,
            has_funded_area=any(a.budget > 0 for a in self.areas.values()),
            voting_rule_chosen=self.voting_rule is not None
            or (bool(self.areas) and all(a.voting_rule for a in self.areas.values())),
            every_proposal_reviewed=proposals.unreviewed == 0,
            every_area_has_feasible_proposal=bool(self.areas)
            and all(a in proposals.areas_with_feasible for a in self.areas),
            adoption_recorded=self.adoption is not None,
            evaluation_recorded=self.evaluation is not None,
            no_support_round=self.support_round is None,
            support_round_configured=self.support_round is not None,
            every_area_has_supported_proposal=supported,
            tally_recorded=tally,
            reason_given=bool(reason.strip()),
        )

    def transitions_now(self, proposals: ProposalFacts) -> list[TriggerStatus]:
        """Every trigger from the current phase, each allowed or with the guards that refuse it."""
        return PHASE_MACHINE.overview(self.phase, self.facts(proposals))

    def trigger(self, trigger: str, actor: str, reason: str, proposals: ProposalFacts) -> None:
        if not isinstance(reason, str):
            raise InvalidInput("reason", "must be text")
        # publish_results goes through publish_results(), which brings the tally; here its guard
        # refuses it, saying the tally must be recorded.
        destination = PHASE_MACHINE.check(self.phase, trigger, self.facts(proposals, reason))
        if trigger == "close_support":
            # The outcome is recorded with the phase change, as the facts it was decided on.
            self._support_round_closed(
                trigger, self.phase.value, destination.value, actor, reason.strip(), _now(),
                self.support_outcome_now(proposals.supports))
            return
        self._phase_changed(
            trigger, self.phase.value, destination.value, actor, reason.strip(), _now()
        )

    @event("SupportRoundClosed", topic=events.SupportRoundClosed.TOPIC)
    def _support_round_closed(
        self, trigger: str, from_phase: str, to_phase: str, actor: str, reason: str,
        at: datetime, outcome: documents.SupportRoundOutcome,
    ) -> None:
        self.support_outcome = outcome
        self._apply_phase(trigger, from_phase, to_phase, actor, reason, at)

    @event("PhaseChanged", topic=events.PhaseChanged.TOPIC)
    def _phase_changed(
        self, trigger: str, from_phase: str, to_phase: str, actor: str, reason: str, at: datetime
    ) -> None:
        self._apply_phase(trigger, from_phase, to_phase, actor, reason, at)

    def publish_results(
        self, results: documents.Results, actor: str, reason: str, proposals: ProposalFacts
    ) -> None:
        """Enter the results phase, recording the tally (rule, winners, scores, ballot digest)."""
        complete = isinstance(results, Mapping) and set(results.get("areas", {})) == set(
            self.areas
        )
        destination = PHASE_MACHINE.check(
            self.phase, "publish_results", self.facts(proposals, reason, tally=complete)
        )
        self._results_published(
            "publish_results", self.phase.value, destination.value, actor, reason.strip(),
            _now(), results.copy(),
        )

    @event("ResultsPublished", topic=events.ResultsPublished.TOPIC)
    def _results_published(
        self,
        trigger: str,
        from_phase: str,
        to_phase: str,
        actor: str,
        reason: str,
        at: datetime,
        results: documents.Results,
    ) -> None:
        self.results = results
        self._apply_phase(trigger, from_phase, to_phase, actor, reason, at)

    def _apply_phase(
        self, trigger: str, from_phase: str, to_phase: str, actor: str, reason: str, at: datetime
    ) -> None:
        self.phase = Phase(to_phase)
        self.history.append(PhaseChange(trigger, from_phase, to_phase, actor, reason, at))

    def record_adoption(self, body: str, on: str, reference: str, actor: str) -> None:
        self.require_phase("record_adoption")
        self._adoption_recorded(_assembly_record(body, on, reference, "adoption"), actor, _now())

    @event("AdoptionRecorded", topic=events.AdoptionRecorded.TOPIC)
    def _adoption_recorded(self, adoption: documents.AssemblyRecord, actor: str,
                           at: datetime) -> None:
        self.adoption = adoption

    # ---- incompatible proposals (before voting) -----------------------------------------------

    def mark_incompatible(self, first: object, second: object, reason: object, actor: str,
                          areas_of: Mapping[str, str]) -> None:
        """Two proposals that exclude each other (two uses of the same site): every rule funds
        at most one. `areas_of`: the area of each of the cycle's proposals (from the service)."""
        self.require_phase("mark_incompatible")
        pair = sorted((str(first), str(second)))
        if pair[0] == pair[1]:
            raise InvalidInput("proposals", "name two different proposals")
        for proposal_id in pair:
            if proposal_id not in areas_of:
                raise NotFound(f"No proposal '{proposal_id}' in this cycle.")
        if areas_of[pair[0]] != areas_of[pair[1]]:
            raise InvalidInput("proposals", "the two proposals are in different areas "
                                            f"('{areas_of[pair[0]]}', '{areas_of[pair[1]]}'); "
                                            "only proposals of one area compete for its money")
        why = clean_text(reason, "reason")
        if any([p.first, p.second] == pair for p in self.incompatible):
            raise Conflict(f"Proposals {pair[0]} and {pair[1]} are marked incompatible "
                           "already. Nothing was stored.")
        self._proposals_marked_incompatible(pair[0], pair[1], areas_of[pair[0]], why, actor,
                                            _now())

    @event("ProposalsMarkedIncompatible", topic=events.ProposalsMarkedIncompatible.TOPIC)
    def _proposals_marked_incompatible(self, first: str, second: str, area: str, reason: str,
                                       actor: str, at: datetime) -> None:
        self.incompatible.append(IncompatiblePair(first, second, area, reason, actor, at))

    def incompatible_pairs(self) -> list[tuple[str, str]]:
        """The pairs as the tally takes them."""
        return [(p.first, p.second) for p in self.incompatible]

    # ---- exceptions to the winners (between the results and their adoption) -------------------

    def amend_winners(
        self, kind: object, proposal_id: object, reason: object, actor: str,
        recount: Callable[[Sequence[WinnerException]], documents.Results],
    ) -> None:
        """Exclude a winner (a legal obstacle found late: the rule runs again without it, so its
        money goes to the next) or add a proposal funded outside the rule, with a reason.
        `recount` counts the cycle with the exceptions given (the service's tally); the new
        results are recorded in the event, so a replay needs no recount to know them and an
        audit can check them against one."""
        self.require_phase("amend_winners")
        if self.adoption is not None:
            raise Conflict("The adoption of the results is recorded: the winners are what was "
                           "adopted, and take no exception after it. Nothing was stored.")
        if kind not in WINNER_EXCEPTIONS:
            raise InvalidInput("kind", f"must be one of {', '.join(WINNER_EXCEPTIONS)}")
        why = clean_text(reason, "reason")
        assert self.results is not None  # the results phase is entered with them
        wanted = str(proposal_id)
        area = next((a for a, outcome in self.results.get("areas", {}).items()
                     if wanted in outcome.get("scores", {})), None)
        if area is None:
            raise NotFound(f"No proposal '{wanted}' was counted in this cycle's results.")
        outcome = self.results["areas"][area]
        for done, earlier in (("excluded", outcome.get("excluded", {})),
                              ("added", outcome.get("added", {}))):
            if wanted in earlier:
                raise Conflict(f"Proposal {wanted} was {done} after the count already "
                               f"({earlier[wanted]}); an exception is recorded once "
                               "and not undone. Nothing was stored.")
        if kind == EXCLUDE and wanted not in outcome.get("selected", []):
            raise Conflict(f"Proposal {wanted} is not among the winners in area '{area}'; only "
                           "a winner can be excluded. Nothing was stored.")
        if kind == ADD and wanted in outcome.get("selected", []):
            raise Conflict(f"Proposal {wanted} is a winner by the rule in area '{area}' "
                           "already. Nothing was stored.")
        results = recount([*self.exceptions(), WinnerException(str(kind), area, wanted, why)])
        self._winners_amended(str(kind), area, wanted, why, actor, _now(), results)

    def exceptions(self) -> list[WinnerException]:
        """The exceptions recorded so far, as the tally takes them."""
        return [WinnerException(e["kind"], e["area"], e["proposal_id"], e["reason"])
                for e in self.winner_exceptions]

    @event("WinnersAmended", topic=events.WinnersAmended.TOPIC)
    def _winners_amended(self, kind: str, area: str, proposal_id: str, reason: str, actor: str,
                         at: datetime, results: documents.Results) -> None:
        self.winner_exceptions.append({"kind": kind, "area": area, "proposal_id": proposal_id,
                                       "reason": reason, "actor": actor, "at": at})
        self.results = results

    def record_evaluation(
        self, report: str, actor: str, participants: int | None = None, url: str | None = None,
        reason: str | None = None,
    ) -> None:
        """The evaluation report, with how many took part and where the full report is. Once
        one is recorded, another replaces it only as a revision with a `reason`; it keeps the
        participants and address of the version it revises unless it gives new ones, and
        every earlier version stays in `evaluation_history`."""
        self.require_phase("record_evaluation")
        evaluation: documents.Evaluation = {"report": clean_text(report, "report", lengths.REPORT)}
        if participants is not None:
            if type(participants) is not int or participants < 0:
                raise InvalidInput("participants", "must be a whole number, 0 or more")
            evaluation["participants"] = participants
        if url is not None:
            evaluation["url"] = web_address(url, "url")
        if self.evaluation is None:
            if reason is not None:
                raise InvalidInput("reason", "only a revision of a recorded evaluation takes a "
                                             "reason; none is recorded yet")
            self._evaluation_recorded(evaluation, actor, _now())
            return
        if reason is None or not str(reason).strip():
            raise InvalidInput(
                "reason", "an evaluation is already recorded: a new report is recorded as a "
                          "revision, with a reason saying why; the earlier version is kept")
        for kept in ("participants", "url"):
            if kept not in evaluation and kept in self.evaluation:
                evaluation[kept] = self.evaluation[kept]
        self._evaluation_revised(evaluation, clean_text(reason, "reason"), actor, _now())

    @event("EvaluationRecorded", topic=events.EvaluationRecorded.TOPIC)
    def _evaluation_recorded(self, evaluation: documents.Evaluation, actor: str,
                             at: datetime) -> None:
        # A second one in a history stored before revisions existed replaced the first: the
        # first stays among the versions.
        self.evaluation = evaluation
        self.evaluation_history.append(
            {"evaluation": evaluation, "actor": actor, "at": at, "reason": None})

    @event("EvaluationRevised", topic=events.EvaluationRevised.TOPIC)
    def _evaluation_revised(self, evaluation: documents.Evaluation, reason: str, actor: str,
                            at: datetime) -> None:
        self.evaluation = evaluation
        self.evaluation_history.append(
            {"evaluation": evaluation, "actor": actor, "at": at, "reason": reason})

    # ---- paper ballots ---------------------------------------------------------------------

    def enter_paper_ballots(self, area: str, station: str, count: int, marked: int,
                            actor: str) -> None:
        """Record that `count` ballots from a station's box were entered; `marked` is how many
        voters that station marked in its roll for the area. A box never holds more ballots
        than the roll has marks: that would be ballots without voters."""
        self.require_phase("cast_paper_ballot")
        self.area(area)
        if count < 1:
            raise InvalidInput("ballots", "a box holds at least one ballot")
        entered = self.paper_entered.get((area, station), 0)
        if entered + count > marked:
            raise Conflict(
                f"Station '{station}' marked {marked} voter(s) in the roll for area '{area}' "
                f"and {entered} ballot(s) from it were entered already; these {count} would "
                f"make more ballots than voters. Nothing was stored.")
        self._paper_ballots_entered(area, station, count, actor, _now())

    @event("PaperBallotsEntered", topic=events.PaperBallotsEntered.TOPIC)
    def _paper_ballots_entered(self, area: str, station: str, count: int, actor: str,
                               at: datetime) -> None:
        key = (area, station)
        self.paper_entered[key] = self.paper_entered.get(key, 0) + count

    # ---- questions other aggregates' commands ask ----------------------------------------

    def require_phase(self, command: str) -> None:
        allowed = COMMAND_PHASES[command]
        if self.phase not in allowed:
            phases = ", ".join(sorted(p.value for p in allowed))
            raise PhaseError(
                f"{COMMAND_DESCRIPTIONS[command]} is possible only in phase {phases}.",
                self.phase,
                # What the cycle alone can tell; the service adds its proposals' facts.
                PHASE_MACHINE.allowed_now(self.phase, self.facts(ProposalFacts())),
                str(self.id),
            )

    def area(self, area_id: str) -> Area:
        try:
            return self.areas[area_id]
        except KeyError:
            known = ", ".join(self.areas) or "none"
            raise NotFound(f"No area '{area_id}' in this cycle (areas: {known}).") from None

    def eligibility_refusal(self, area_id: str, birth_date: date | None,
                            residence: str | None, on: date,
                            works_in: str | None = None) -> str | None:
        """Why a person may not vote in the area, or None when they may; an area open to the
        whole municipality admits whoever lives in one of its territorial areas."""
        why = self.ineligibility(area_id, birth_date, residence, on, works_in)
        return None if why is None else why.message

    def ineligibility(self, area_id: str, birth_date: date | None, residence: str | None,
                      on: date, works_in: str | None = None) -> Ineligible | None:
        """`eligibility_refusal` as a value, for a page to explain in the resident's words."""
        eligibility = self.area(area_id).eligibility
        municipality = municipality_residences(self.areas.values()) \
            if eligibility.municipality_wide else frozenset()
        return eligibility.why_not(birth_date, residence, on, municipality, works_in)

    def voting_rule_for(self, area_id: str) -> VotingRule:
        rule = self.area(area_id).voting_rule or self.voting_rule
        if rule is None:
            raise InvalidInput("voting_rule", "no voting rule is set for this area")
        return rule

    def allocation_rule_for(self, area_id: str) -> str:
        return self.area(area_id).allocation_rule or self.allocation_rule

    def area_rules(self, recorded: documents.Results | None = None) -> dict[str, AreaRules]:
        """The rules each area is counted with: as configured now, or, for a recount of
        published results (`recorded`), the rule, threshold, ranks and tie-break they record
        (results published before one of them was recorded were counted with the cycle's).
        The minimum of votes is always the area's own: results must agree with it (an area
        stored before minimums has 0, how it was counted; ADR 0021)."""
        published = recorded.get("areas", {}) if recorded is not None else {}
        rules = {}
        for area_id, area in self.areas.items():
            voting_rule = self.voting_rule_for(area_id)
            said = published.get(area_id, {})
            rules[area_id] = AreaRules(
                budget=area.budget, vote_type=voting_rule.vote_type,
                allocation_rule=said.get("rule", self.allocation_rule_for(area_id)),
                threshold=said.get("threshold", self.score_threshold),
                max_ranked=said.get("max_ranked", voting_rule.max_choices),
                tie_break=said.get("tie_break", self.tie_break),
                min_votes=area.votes_needed)
        return rules

    def phase_entered_at_trigger(self, trigger: str) -> datetime | None:
        """When `trigger` last fired, if it did."""
        for change in reversed(self.history):
            if change.trigger == trigger:
                return change.at
        return None


# ---- events stored before money in minor units (ADR 0014) ----------------------------------
# They held whole kronor; version 2 holds öre. The library upcasts them as they are read, and
# each keeps its state as stored for the audit chain (domain.money.versioned).

def _configuration_in_ore(state: StoredState) -> None:
    """Created, version 1 -> 2: a successor's copied configuration (its areas' budgets and the
    voting rules' cost limits) to öre. A cycle created then recorded no currency (None: kronor,
    or its imported file's; see BudgetCycle.currency)."""
    state.setdefault("currency", None)
    stored = state.get("configuration")
    if stored:
        configuration: dict[str, object] = dict(json_object(stored, "the configuration"))
        configuration["areas"] = [area_kronor_to_minor(json_object(a, "an area"))
                                  for a in json_list(configuration.get("areas", []))]
        rule = configuration.get("voting_rule")
        if rule:
            configuration["voting_rule"] = rule_kronor_to_minor(json_object(rule, "a rule"))
        state["configuration"] = configuration


def _area_in_ore(state: StoredState) -> None:
    """AreaAdded and AreaChanged, version 1 -> 2: the budget and cost limits to öre."""
    state["area"] = area_kronor_to_minor(json_object(state["area"], "the area"))


def _rule_in_ore(state: StoredState) -> None:
    """VotingRuleSet, version 1 -> 2: the rule's cost limits (if any) to öre."""
    state["rule"] = rule_kronor_to_minor(json_object(state["rule"], "the rule"))


def _results_in_ore(state: StoredState) -> None:
    """ResultsPublished, version 1 -> 2: each area's budget, cost and left to öre (results
    format 1 -> 2); the scores, winners and reasons stay as they were published."""
    results: dict[str, object] = dict(json_object(state["results"], "the results"))
    areas = {}
    for area_id, counted in json_object(results.get("areas", {}), "the areas").items():
        outcome: dict[str, object] = dict(json_object(counted, "an area's count"))
        for key in ("budget", "cost", "left"):
            if key in outcome:
                outcome[key] = kronor_to_minor(outcome[key])
        areas[area_id] = outcome
    results["areas"] = areas
    results["format"] = 2
    state["results"] = results


versioned(BudgetCycle.Created, _configuration_in_ore)
versioned(BudgetCycle.AreaAdded, _area_in_ore)  # type: ignore[attr-defined]
versioned(BudgetCycle.AreaChanged, _area_in_ore)  # type: ignore[attr-defined]
versioned(BudgetCycle.VotingRuleSet, _rule_in_ore)  # type: ignore[attr-defined]
versioned(BudgetCycle.ResultsPublished, _results_in_ore)  # type: ignore[attr-defined]
