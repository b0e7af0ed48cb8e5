"""The outbox projection: each event that concerns a proposal becomes mails to its followers.

It follows the event log like the read models' follower (projections/follower.py), a page at a
time, and writes a page's mails and its tracking position in one transaction of the
personal-data store: either both are stored or neither, so each event is turned into mails
exactly once, whatever crashes. Two processes following at once both try; the one whose update
of the position finds it moved rolls back whole (docs/adr/0028).

Who gets a mail is decided when the event is processed: the proposal's followers and its
proposer (unless they stopped following it) with a confirmed address and notifications on.
Each mail's Message-ID is derived from the event's position, the proposal and the resident, so
the same mail always has the same id.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from eventsourcing.persistence import Notification

from domain import events
from domain.phases import Phase
from service.application import Medborgarbudget
from service.own_tables import Transaction
from service.pages import i18n
from service.personal.mails import MailWriter
from service.personal.store import PersonalData
from service.reason_text import reason_text

PAGE = 500
# A proposal's status here once the votes are counted: whether the results fund it.
SELECTED, NOT_SELECTED = "selected", "not selected"
LOG = logging.getLogger(__name__)
Lines = Callable[[Callable[[str], str], str], tuple[str, list[str]]]


class _Moved(Exception):
    """Another process advanced the outbox's position first: this page is theirs."""


class OutboxProjection:
    def __init__(self, app: Medborgarbudget, store: PersonalData, writer: MailWriter,
                 page: int = PAGE) -> None:
        self.app = app
        self.store = store
        self.writer = writer
        self.page = page
        self._handlers: dict[str, Callable[[Transaction, int, Any], None]] = {
            events.ProposalSubmitted.TOPIC: self._submitted,
            events.ProposalReviewed.TOPIC: self._reviewed,
            events.ProposalMerged.TOPIC: self._merged,
            events.MergeUndone.TOPIC: self._merge_undone,
            events.ProposalWithdrawn.TOPIC: self._withdrawn,
            events.ProgressReported.TOPIC: self._progress,
            events.ProjectCompleted.TOPIC: self._completed,
            events.ProjectAbandoned.TOPIC: self._abandoned,
            events.PhaseChanged.TOPIC: self._phase_changed,
            events.SupportRoundClosed.TOPIC: self._phase_changed,
            events.ResultsPublished.TOPIC: self._results,
            events.WinnersAmended.TOPIC: self._amended,
        }

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Turn everything stored now into mails; returns how many events were read."""
        processed = 0
        while stop is None or not stop.is_set():
            seen = self.store.tracked()
            notifications = self.app.recorder.select_notifications(seen + 1, self.page)
            if not notifications:
                break
            try:
                self._process(seen, notifications)
            except _Moved:
                continue
            processed += len(notifications)
            if len(notifications) < self.page:
                break
        return processed

    def _process(self, seen: int, notifications: list[Notification] | Any) -> None:
        with self.store.transaction() as t:
            if not self.store.advance(t, seen, notifications[-1].id):
                raise _Moved
            for notification in notifications:
                handler = self._handlers.get(notification.topic)
                if handler is not None:
                    handler(t, notification.id, self.app.mapper.to_domain_event(notification))

    # ---- what the projection keeps of each proposal ------------------------------------

    def _submitted(self, t: Transaction, _: int, event: Any) -> None:
        t.run("INSERT INTO mail_proposals (proposal_id, cycle_id, area, proposer, title, "
              "status) VALUES (?, ?, ?, ?, ?, 'submitted') ON CONFLICT (proposal_id) "
              "DO NOTHING", (str(event.originator_id), str(event.cycle_id), event.area,
                             event.proposer, event.title))

    def _status(self, t: Transaction, proposal_id: str, status: str) -> None:
        t.run("UPDATE mail_proposals SET status = ? WHERE proposal_id = ?",
              (status, proposal_id))

    def _proposal(self, t: Transaction, proposal_id: str) -> tuple[str, str, str] | None:
        """(proposer, title, cycle) of a proposal seen submitted."""
        row = t.one("SELECT proposer, title, cycle_id FROM mail_proposals "
                    "WHERE proposal_id = ?", (proposal_id,))
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    # ---- the events residents hear of --------------------------------------------------

    def _tell(self, t: Transaction, position: int, proposal_id: str, lines: Lines) -> None:
        """A mail about the proposal to each of its followers, in their language."""
        known = self._proposal(t, proposal_id)
        if known is None:
            return
        proposer, title, _cycle = known
        for profile in self.store.recipients(t, proposal_id, proposer):
            assert profile.email is not None
            gettext = i18n.translations(profile.lang).gettext
            subject, text = lines(gettext, profile.lang)
            mail = self.writer.notification(profile.pseudonym, profile.email, profile.lang,
                                            proposal_id, title, subject, text)
            message_id = self.message_id(position, proposal_id, profile.pseudonym)
            self.store.enqueue(t, message_id, position, profile.pseudonym, profile.email,
                               mail.subject, mail.body, mail.unsubscribe)

    def message_id(self, position: int, proposal_id: str, pseudonym: str) -> str:
        digest = self.app.keyed_digest("message-id", f"{position}\x1f{proposal_id}\x1f"
                                       f"{pseudonym}")[:32]
        return f"<{position}.{digest}@{self.writer.domain}>"

    def _reviewed(self, t: Transaction, position: int, event: Any) -> None:
        proposal_id = str(event.originator_id)
        self._status(t, proposal_id, "feasible" if event.feasible else "infeasible")

        def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
            verdict = (_("The municipality has reviewed the proposal and found it feasible.")
                       if event.feasible else
                       _("The municipality has reviewed the proposal and found it not "
                         "feasible."))
            reason = [_("Reason: %(reason)s") % {"reason": event.reason}] if event.reason else []
            return _("Reviewed"), [verdict, *reason]

        self._tell(t, position, proposal_id, lines)

    def _merged(self, t: Transaction, position: int, event: Any) -> None:
        proposal_id = str(event.originator_id)
        self._status(t, proposal_id, "merged")
        target = self._proposal(t, str(event.into))
        into = target[1] if target is not None else str(event.into)

        def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
            text = [_("The proposal was merged with the proposal \"%(into)s\".") % {
                "into": into}]
            if event.reason:
                text.append(_("Reason: %(reason)s") % {"reason": event.reason})
            return _("Merged"), text

        self._tell(t, position, proposal_id, lines)

    def _merge_undone(self, t: Transaction, _: int, event: Any) -> None:
        self._status(t, str(event.originator_id), str(event.status))

    def _withdrawn(self, t: Transaction, _: int, event: Any) -> None:
        self._status(t, str(event.originator_id), "withdrawn")

    def _progress(self, t: Transaction, position: int, event: Any) -> None:
        self._report(t, position, event, lambda _: (_("Progress report"), _(
            "The municipality reports the work %(percent)s %% done.") % {
                "percent": event.percent}))

    def _completed(self, t: Transaction, position: int, event: Any) -> None:
        self._report(t, position, event, lambda _: (
            _("Built"), _("The municipality reports the proposal built.")))

    def _report(self, t: Transaction, position: int, event: Any,
                said: Callable[[Callable[[str], str]], tuple[str, str]]) -> None:
        """A report of the work (progress, or built): what the municipality says, with its
        note when it wrote one."""
        def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
            subject, first = said(_)
            return subject, [first, str(event.note)] if event.note else [first]

        self._tell(t, position, str(event.originator_id), lines)

    def _abandoned(self, t: Transaction, position: int, event: Any) -> None:
        def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
            return _("Abandoned"), [
                _("The municipality has stopped the work on the proposal."),
                _("Reason: %(reason)s") % {"reason": event.reason}]

        self._tell(t, position, str(event.originator_id), lines)

    def _phase_changed(self, t: Transaction, position: int, event: Any) -> None:
        """Voting opened: each proposal on the ballot (after a support round, those it put
        there) is told so."""
        if event.to_phase != Phase.VOTING.value:
            return
        cycle_id = str(event.originator_id)
        outcome = getattr(event, "outcome", None)
        chosen: set[str] | None = None
        if outcome is not None:
            chosen = {p for area in outcome.get("areas", {}).values()
                      for p in area.get("on_ballot", [])}
        standing = [str(p) for (p,) in t.rows(
            "SELECT proposal_id FROM mail_proposals WHERE cycle_id = ? AND status = 'feasible' "
            "ORDER BY proposal_id", (cycle_id,))]

        def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
            return _("On the ballot"), [_("Voting has started and the proposal is on the "
                                          "ballot: residents can vote for it now.")]

        for proposal_id in standing:
            if chosen is None or proposal_id in chosen:
                self._tell(t, position, proposal_id, lines)
        # And those the support round left off the ballot, with how far they came.
        for area in (outcome or {}).get("areas", {}).values():
            for row in area.get("proposals", []):
                if not row["on_ballot"] and row["proposal"] in standing:
                    self._tell(t, position, row["proposal"], _left_off_lines(row, area))

    def _results(self, t: Transaction, position: int, event: Any) -> None:
        cycle_id = str(event.originator_id)
        titles = self._titles(t, cycle_id)
        for outcome in event.results.get("areas", {}).values():
            funded = _funded(outcome)
            reasons = outcome.get("reasons", {})
            for proposal_id in outcome.get("scores", {}):
                selected = proposal_id in funded
                self._status(t, proposal_id, SELECTED if selected else NOT_SELECTED)
                self._tell(t, position, proposal_id,
                           _result_lines(selected, reasons.get(proposal_id), titles))

    def _amended(self, t: Transaction, position: int, event: Any) -> None:
        """A winner excluded or a proposal funded after the count: the proposal it names hears
        of it, and so does each of the area whose fate the recount changed (an excluded
        winner's money may fund the next)."""
        cycle_id = str(event.originator_id)
        titles = self._titles(t, cycle_id)
        outcome = event.results.get("areas", {}).get(event.area, {})
        funded = _funded(outcome)
        reasons = outcome.get("reasons", {})
        statuses = {str(p): str(status) for p, status in t.rows(
            "SELECT proposal_id, status FROM mail_proposals WHERE cycle_id = ? AND area = ?",
            (cycle_id, event.area))}
        for proposal_id in outcome.get("scores", {}):
            selected = proposal_id in funded
            before = statuses.get(proposal_id)
            # A count published before statuses were kept here (None) tells the named one only.
            if proposal_id == event.proposal_id or (before in (SELECTED, NOT_SELECTED)
                                                    and (before == SELECTED) != selected):
                self._tell(t, position, proposal_id, _result_lines(
                    selected, reasons.get(proposal_id), titles, amended=True))
            self._status(t, proposal_id, SELECTED if selected else NOT_SELECTED)

    def _titles(self, t: Transaction, cycle_id: str) -> dict[str, str]:
        return {str(p): str(title) for p, title in t.rows(
            "SELECT proposal_id, title FROM mail_proposals WHERE cycle_id = ?", (cycle_id,))}


def _left_off_lines(row: Mapping[str, Any], area: Mapping[str, Any]) -> Lines:
    """Why the support round left the proposal off the ballot (the words of its page)."""
    def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
        given = {"rank": row["rank"], "supports": row["supports"], "value": area["value"]}
        why = (_("Not on the ballot: place %(rank)s with %(supports)s supports; the %(value)s "
                 "most supported proposals of the area went on (all tied at the last place "
                 "included).") if area["rule"] == "top" else
               _("Not on the ballot: %(supports)s supports, and at least %(value)s were "
                 "needed."))
        return _("Not on the ballot"), [_("The support round has closed and voting has "
                                          "started."), why % given]

    return lines


def _funded(outcome: Mapping[str, Any]) -> set[str]:
    """The proposals an area's results fund: the rule's winners and those added after."""
    return set(outcome.get("selected", [])) | set(outcome.get("added", {}))


def _result_lines(selected: bool, reason: object, titles: dict[str, str],
                  amended: bool = False) -> Lines:
    def lines(_: Callable[[str], str], lang: str) -> tuple[str, list[str]]:
        if amended:
            text = [_("The winners were changed after the count: the proposal is now "
                      "selected and will be built.") if selected else
                    _("The winners were changed after the count: the proposal is no longer "
                      "selected.")]
        else:
            text = [_("The votes are counted: the proposal was selected and will be built.")
                    if selected else _("The votes are counted: the proposal was not selected.")]
        if reason:
            text.append(i18n.sentence(reason_text(reason, lang, titles)))  # type: ignore[arg-type]
        return (_("Selected") if selected else _("Not selected")), text

    return lines
