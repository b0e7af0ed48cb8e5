"""Reports and the moderator's decision about one item (a proposal or a comment).

The event log is immutable, so hiding is a fact recorded here and every reader (read models,
pages, the API) leaves the hidden text out; auditors still read the whole history (ADR 0024).
One aggregate per item, its id derived from the item's, so the first two reports made at the
same moment cannot open two cases: the store refuses the second and it is re-run on the first.
Every event names the cycle and the item, so a reader needs nothing else to apply it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import events
from domain.errors import Conflict, InvalidInput

MODERATION_NAMESPACE = UUID("6f0b8f7e-2a55-5c1e-9d3a-47c0e8b1d2f4")
ITEM_KINDS = ("proposal", "comment")
MAX_REASON_LENGTH = 500


def case_id(item_id: str | UUID) -> UUID:
    return uuid5(MODERATION_NAMESPACE, str(item_id))


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("reason", "must not be empty: the public notice shows it")
    if len(value.strip()) > MAX_REASON_LENGTH:
        raise InvalidInput("reason", f"must be at most {MAX_REASON_LENGTH} characters")
    return value.strip()


class Moderation(Aggregate):
    TOPIC = "medborgarbudget:Moderation"

    class Created(Aggregate.Created):
        TOPIC = "medborgarbudget:Moderation.Created"

    @classmethod
    def open(cls, cycle_id: str, item_id: str, item_kind: str) -> Moderation:
        if item_kind not in ITEM_KINDS:
            raise InvalidInput("kind", f"must be one of {', '.join(ITEM_KINDS)}")
        opened: Moderation = cls._create(
            cls.Opened, id=case_id(item_id), cycle_id=cycle_id,  # type: ignore[attr-defined]
            item_id=str(item_id), item_kind=item_kind, at=datetime.now(UTC))
        return opened

    @event("Opened", topic=events.ModerationOpened.TOPIC)
    def __init__(self, cycle_id: str, item_id: str, item_kind: str, at: datetime) -> None:
        self.cycle_id = cycle_id
        self.item_id = item_id
        self.item_kind = item_kind
        self.reporters: set[str] = set()
        self.hidden_reason: str | None = None
        self.hidden_at: datetime | None = None

    @property
    def hidden(self) -> bool:
        return self.hidden_reason is not None

    def report(self, reporter: str) -> None:
        """`reporter`: the resident's per-cycle pseudonym; one report per reporter."""
        if reporter in self.reporters:
            raise Conflict(f"You have reported this {self.item_kind} already; a moderator "
                           "will look at it.")
        if self.hidden:
            raise Conflict(f"This {self.item_kind} is already hidden by the moderator.")
        self._reported(self.cycle_id, self.item_id, self.item_kind, reporter,
                       datetime.now(UTC))

    @event("Reported", topic=events.ItemReported.TOPIC)
    def _reported(self, cycle_id: str, item_id: str, item_kind: str, reporter: str,
                  at: datetime) -> None:
        self.reporters.add(reporter)

    def hide(self, reason: object, actor: str) -> None:
        text = _reason(reason)
        if self.hidden:
            raise Conflict(f"This {self.item_kind} is already hidden by the moderator "
                           f"({self.hidden_reason}); nothing was changed.")
        self._hidden(self.cycle_id, self.item_id, self.item_kind, text, actor, datetime.now(UTC))

    @event("Hidden", topic=events.ItemHidden.TOPIC)
    def _hidden(self, cycle_id: str, item_id: str, item_kind: str, reason: str, actor: str,
                at: datetime) -> None:
        self.hidden_reason = reason
        self.hidden_at = at
