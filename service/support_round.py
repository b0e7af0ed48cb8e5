"""The support round's commands and views: configure it, support and withdraw, counts, outcome.

A support is stored on the proposal under a pseudonym keyed by the cycle and the proposal
(domain/pseudonym.py), never the resident's identity; it is not the pseudonym that keys their
ballot, so a support can never be linked to a ballot, nor one resident's supports of two
proposals to each other. Who may support is who may vote in the proposal's area
(BallotIntake's eligibility). The phase decides when: supports only while the round is open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.cycle import BudgetCycle
from domain.documents import SupportRoundOutcome
from domain.errors import Conflict, DomainError
from domain.proposal import Proposal
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.commands import Command, Commands, CycleSetting, Write


@dataclass(frozen=True)
class ProposalSupport:
    """A proposal in the round: its support now, and the outcome once the round closed."""

    proposal_id: str
    area: str
    title: str
    supports: int
    supported_by_you: bool | None  # None when nobody is signed in (or not eligible)
    # After the round: on the ballot or not, the rank and the rule that decided it.
    on_ballot: bool | None = None
    rank: int | None = None


def supporter_purpose(proposal_id: str | UUID) -> str:
    return f"support\x1f{proposal_id}"


def _supporter(app: Medborgarbudget, cycle: BudgetCycle, proposal: Proposal,
               voter: Voter) -> str:
    return app.ballots.eligible_pseudonym(cycle, proposal.area, voter,
                                          supporter_purpose(proposal.id))


class ConfigureSupportRound(CycleSetting[object]):
    """Switch the round on with its rules, or off (`value` None); draft only."""

    def apply(self, cycle: BudgetCycle) -> None:
        cycle.configure_support_round(self.value, self.actor)


@dataclass(frozen=True)
class Supporting(Command[None]):
    """A resident's support of a proposal in the round: `voter` is who they are, only their
    per-proposal pseudonym is stored."""

    proposal_id: str | UUID
    voter: Voter


class SupportProposal(Supporting):
    pass


class WithdrawSupport(Supporting):
    pass


def _support(app: Commands, c: SupportProposal, write: Write) -> None:
    assert isinstance(app, Medborgarbudget)
    app._update_proposal(c.proposal_id, "support_proposal", write,
                         lambda p, cycle: p.support(_supporter(app, cycle, p, c.voter)))


def _withdraw(app: Commands, c: WithdrawSupport, write: Write) -> None:
    assert isinstance(app, Medborgarbudget)
    app._update_proposal(c.proposal_id, "withdraw_support", write,
                         lambda p, cycle: p.withdraw_support(_supporter(app, cycle, p, c.voter)))


def configure(app: Medborgarbudget, cycle_id: str | UUID, support_round: object,
              actor: str) -> None:
    app.execute(ConfigureSupportRound(cycle_id, support_round, actor))


def support(app: Medborgarbudget, proposal_id: str | UUID, voter: Voter) -> None:
    app.execute(SupportProposal(proposal_id, voter))


def withdraw(app: Medborgarbudget, proposal_id: str | UUID, voter: Voter) -> None:
    app.execute(WithdrawSupport(proposal_id, voter))


Commands._handlers.update({
    ConfigureSupportRound: Commands._change_setting,
    SupportProposal: _support,
    WithdrawSupport: _withdraw,
})


def supports_by_you(app: Medborgarbudget, cycle: BudgetCycle, proposal: Proposal,
                    voter: Voter | None) -> bool | None:
    """Whether the signed-in resident supports the proposal; None if they may not (or nobody
    is signed in)."""
    if voter is None:
        return None
    try:
        return _supporter(app, cycle, proposal, voter) in proposal.supporters
    except DomainError:  # not eligible in the area (or an identity it cannot read)
        return None


def standings(app: Medborgarbudget, cycle_id: str | UUID,
              voter: Voter | None = None) -> list[ProposalSupport]:
    """Every proposal that was in the round (or is in it now), with its support; once the
    round closed, whether it went on the ballot and its rank."""
    cycle = app.cycle(cycle_id)
    rows = []
    decided = _decided(cycle)
    for proposal in app.proposals(cycle.id):
        if not proposal.on_ballot:
            continue
        outcome = decided.get(str(proposal.id))
        rows.append(ProposalSupport(
            str(proposal.id), proposal.area, proposal.title,
            outcome["supports"] if outcome else proposal.supports,
            supports_by_you(app, cycle, proposal, voter),
            outcome["on_ballot"] if outcome else None,
            outcome["rank"] if outcome else None))
    return rows


def _decided(cycle: BudgetCycle) -> dict[str, Mapping[str, Any]]:
    """Each proposal's row of the recorded outcome: the supports counted when it closed."""
    if cycle.support_outcome is None:
        return {}
    return {row["proposal"]: row for area in cycle.support_outcome["areas"].values()
            for row in area["proposals"]}


def outcome(app: Medborgarbudget, cycle_id: str | UUID) -> SupportRoundOutcome:
    """The round's recorded outcome: per area the rule, the proposals on the ballot and every
    proposal's supports and rank."""
    cycle = app.cycle(cycle_id)
    if cycle.support_outcome is None:
        if cycle.support_round is None:
            raise Conflict("This cycle has no support round.")
        raise Conflict(f"The support round has not closed yet; the cycle is in phase "
                       f"'{cycle.phase.value}'.")
    return cycle.support_outcome
