"""The statuses of a proposal and the only ways between them, as a state table.

Like the cycle's phases (domain/phases.py), one `transitions` definition is the single source:
`Proposal`'s command methods ask it whether an action is possible from the proposal's status
before they record anything. The machine never holds the status: the aggregate owns it (and
its `@event` bodies set it on replay without asking, since a recorded fact is not refused).

Which phase of the cycle an action needs is the cycle's business (`BudgetCycle.require_phase`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from transitions import Machine

from domain.errors import Conflict
from domain.phases import MachineDefinition


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


S = ProposalStatus
# Before the vote: a proposal stands on its own, reviewed or not.
OPEN = [S.SUBMITTED, S.FEASIBLE, S.INFEASIBLE]
# After it: a selected project being built (feasible until its first progress report).
BUILDABLE = [S.FEASIBLE, S.IN_PROGRESS]
# Statuses a proposal no longer takes part in the vote from.
CLOSED = frozenset({S.MERGED, S.WITHDRAWN})

# (action, from, to, condition): the condition, where there is one, picks between two
# destinations of the same action (`ReviewedBefore` is what an undone merge returns to).
TRANSITIONS: tuple[tuple[str, list[ProposalStatus], ProposalStatus, str | None], ...] = (
    ("review_feasible", OPEN, S.FEASIBLE, None),
    ("review_infeasible", OPEN, S.INFEASIBLE, None),
    ("merge", OPEN, S.MERGED, None),
    ("undo_merge", [S.MERGED], S.SUBMITTED, "never_reviewed"),
    ("undo_merge", [S.MERGED], S.FEASIBLE, "reviewed_feasible"),
    ("undo_merge", [S.MERGED], S.INFEASIBLE, "reviewed_infeasible"),
    ("withdraw", OPEN, S.WITHDRAWN, None),
    # The support round (between review and voting): only a proposal on the ballot is
    # supported, and supporting it leaves its status as it is.
    ("support", [S.FEASIBLE], S.FEASIBLE, None),
    ("report_progress", BUILDABLE, S.IN_PROGRESS, None),
    ("complete", BUILDABLE, S.COMPLETED, None),
    ("abandon", BUILDABLE, S.ABANDONED, None),
)
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t[0] for t in TRANSITIONS))

# How a refusal names the action ("Cannot review it: the proposal is merged.").
_DOING: Mapping[str, str] = {
    "review_feasible": "review it", "review_infeasible": "review it", "merge": "merge it",
    "withdraw": "withdraw it", "undo_merge": "take it out of a merge",
    "report_progress": "report progress", "complete": "complete it", "abandon": "abandon it",
    "support": "support it",
}


_BUILDING = frozenset({"report_progress", "complete", "abandon"})


class ReviewedBefore:
    """What the conditions of `undo_merge` look at: the review the proposal had, if any."""

    def __init__(self, feasible: bool | None) -> None:
        self.never_reviewed = feasible is None
        self.reviewed_feasible = feasible is True
        self.reviewed_infeasible = feasible is False


def _definition() -> MachineDefinition:
    return {
        "states": [s.value for s in ProposalStatus],
        "transitions": [
            {"trigger": action, "source": [s.value for s in sources], "dest": dest.value,
             "conditions": [condition] if condition else []}
            for action, sources, dest, condition in TRANSITIONS
        ],
        "initial": S.SUBMITTED.value,
        "auto_transitions": False,
    }


class ProposalMachine:
    """Answers which status an action leads to from a status, or refuses it."""

    def __init__(self) -> None:
        self._machine = Machine(model=None, **_definition())  # holds no proposal

    def allowed_from(self, status: ProposalStatus) -> list[str]:
        return [a for a in ACTIONS if a in self._machine.get_triggers(status.value)]

    def check(self, status: ProposalStatus | str, action: str,
              reviewed: ReviewedBefore | None = None) -> ProposalStatus:
        """The status `action` leads to from `status`; Conflict when the table has no way."""
        if action not in ACTIONS:
            raise ValueError(f"unknown proposal action '{action}'")
        status = ProposalStatus(status)
        for transition in self._machine.get_transitions(trigger=action, source=status.value):
            names = [str(c.func) for c in transition.conditions]
            if all(getattr(reviewed, name, False) for name in names):
                return ProposalStatus(str(transition.dest))
        raise Conflict(self.refusal(status, action))

    def refusal(self, status: ProposalStatus, action: str) -> str:
        if status in (S.COMPLETED, S.ABANDONED) and action in _BUILDING:
            return f"The project is already {status}."
        if action == "support":
            return f"Only a feasible proposal can be supported; this one is {status}."
        if status in CLOSED and action != "undo_merge":
            return f"Cannot {_DOING[action]}: the proposal is {status}."
        if action == "undo_merge":
            return (f"Only a merged proposal can be taken out of a merge; this one is "
                    f"{status}.")
        allowed = ", ".join(a.replace("_", " ") for a in self.allowed_from(status)) or "nothing"
        return (f"Cannot {_DOING[action]}: the proposal is {status} (possible now: "
                f"{allowed}).")


PROPOSAL_MACHINE = ProposalMachine()
