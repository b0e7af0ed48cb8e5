"""What residents do with their personal data, and the mail that keeps them informed.

`Residents` is the one place the pages (service/web/my_pages.py) and the CLI go through: it
checks what a resident gives (an address, a display name, a proposal to follow), keeps it in the
personal-data store, queues the confirmation mail, reads the links' tokens, and runs the outbox
projection and the sender (`MailWorker`) when mail is configured.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
from dataclasses import dataclass
from uuid import UUID

from domain.errors import InvalidInput, NotFound
from service.application import Medborgarbudget
from service.config import Settings
from service.personal.mails import MailWriter
from service.personal.outbox import OutboxProjection
from service.personal.sender import (
    LogTransport,
    SmtpSettings,
    SmtpTransport,
    Transport,
    send_pending,
)
from service.personal.store import PersonalData, open_personal_data
from service.personal.tokens import CONFIRM, UNSUBSCRIBE, BadToken, TokenSigner

LOG = logging.getLogger(__name__)
MAX_ADDRESS = 254  # RFC 5321's limit on a path
MAX_LOCAL_PART = 64
MAX_DISPLAY_NAME = 80
FORBIDDEN_IN_ADDRESS = set(" <>()[]\\,;:\"'`")
POLL_SECONDS = 1.0


def checked_address(text: object) -> str:
    """An e-mail address as given, or InvalidInput: one line (no header can be slipped in),
    a local part and a domain with a dot, within the lengths SMTP allows."""
    address = text.strip() if isinstance(text, str) else ""
    local, at, domain = address.rpartition("@")
    if not address or len(address) > MAX_ADDRESS:
        raise InvalidInput("email", "Give an e-mail address of at most 254 characters.")
    if (not at or not local or len(local) > MAX_LOCAL_PART or "@" in local or "." not in domain
            or domain.startswith(".") or domain.endswith(".") or ".." in address
            or any(unicodedata.category(c)[0] in "CZ" or c in FORBIDDEN_IN_ADDRESS
                   for c in address)):
        raise InvalidInput("email", "Give an e-mail address like namn@example.se.")
    return address


def checked_display_name(text: object) -> str | None:
    """A display name on one line of at most 80 characters; empty: none."""
    name = " ".join(text.split()) if isinstance(text, str) else ""
    if len(name) > MAX_DISPLAY_NAME:
        raise InvalidInput("display_name", "A name can be at most 80 characters.")
    if any(unicodedata.category(c)[0] == "C" for c in name):
        raise InvalidInput("display_name", "A name cannot hold control characters.")
    return name or None


@dataclass(frozen=True)
class Confirmed:
    pseudonym: str
    address: str


class Residents:
    def __init__(self, app: Medborgarbudget, store: PersonalData, settings: Settings) -> None:
        self.app = app
        self.store = store
        key = hashlib.sha256(app.keyed_digest("mail-links", "key").encode()).digest()
        self.signer = TokenSigner(key)
        self.writer = MailWriter(self.signer, settings.public_url)
        self.sender = settings.mail_from
        self.projection = OutboxProjection(app, store, self.writer)

    def pseudonym(self, identity: str) -> str:
        return self.app.proposer_pseudonym(identity)

    def proposer_name(self, proposal_id: str) -> str | None:
        """The display name its proposer gave, None when none (or erased, or no proposal)."""
        try:
            proposer = self.app.proposal(proposal_id).proposer
        except (NotFound, ValueError):
            return None
        return self.store.display_names([proposer]).get(proposer)

    # ---- e-mail --------------------------------------------------------------------------

    def give_address(self, pseudonym: str, address: object, lang: str) -> str:
        """Note the address as pending and queue its confirmation mail (double opt-in)."""
        checked = checked_address(address)
        nonce = self.store.set_pending_email(pseudonym, checked, lang)
        mail = self.writer.confirmation(pseudonym, nonce, lang)
        message_id = (f"<confirm.{self.app.keyed_digest('confirm-id', nonce)[:32]}"
                      f"@{self.writer.domain}>")
        with self.store.transaction() as t:
            self.store.enqueue(t, message_id, None, pseudonym, checked, mail.subject, mail.body,
                               None)
        return checked

    def confirm(self, token: str) -> Confirmed:
        """The pending address the token was sent to, confirmed; BadToken otherwise (forged,
        expired, or for an address since replaced or removed)."""
        read = self.signer.read(token, CONFIRM)
        address = self.store.confirm_email(read.pseudonym, read.bound_to)
        if address is None:
            raise BadToken("the address was changed or removed since this link was sent")
        return Confirmed(read.pseudonym, address)

    def unsubscribe(self, token: str) -> bool:
        """Every notification off for the address the token was sent to; False when that
        address is no longer the resident's (nothing changes then)."""
        read = self.signer.read(token, UNSUBSCRIBE)
        profile = self.store.profile(read.pseudonym)
        if profile is None or profile.email is None \
                or self.signer.digest(profile.email) != read.bound_to:
            return False
        self.store.set_notify(read.pseudonym, False, profile.email)
        return True

    # ---- following -----------------------------------------------------------------------

    def follow(self, pseudonym: str, proposal_id: str, cycle_id: str | None,
               following: bool = True) -> bool:
        """Follow (or stop following) a proposal of the cycle named; NotFound for a proposal
        that does not exist, InvalidInput for one of another cycle. Whether anything changed."""
        try:
            UUID(proposal_id)
        except ValueError:
            raise NotFound(f"No proposal '{proposal_id}'.") from None
        proposal = self.app.proposal(proposal_id)
        if cycle_id is not None and str(proposal.cycle_id) != cycle_id:
            raise InvalidInput("proposal", "The proposal belongs to another cycle.")
        return self.store.set_following(pseudonym, str(proposal.id), following)


class MailWorker:
    """A thread that turns events into mails and, given a transport, sends them, until closed.
    Without one the outbox still follows the log, so that mail configured later starts from
    the events of that time, not from the whole history."""

    def __init__(self, residents: Residents, transport: Transport | None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.residents = residents
        self.transport = transport
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mail", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_once(self.residents, self.transport, self._stop)
            except Exception:  # the store or the mail server away: try again after a while
                LOG.warning("the mail worker failed; trying again", exc_info=True)
            self._stop.wait(self.poll_seconds)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def run_once(residents: Residents, transport: Transport | None,
             stop: threading.Event | None = None) -> int:
    """Catch the outbox up with the event log, then send what waits (with a transport);
    returns mails sent."""
    residents.projection.catch_up(stop)
    if transport is None:
        return 0
    return send_pending(residents.store, transport, residents.sender, stop)


def transport_for(settings: Settings) -> Transport | None:
    """The configured way out: SMTP, else the log (--demo), else none (no mail is sent)."""
    if settings.smtp_url:
        return SmtpTransport(SmtpSettings.parse(settings.smtp_url))
    if settings.mail_to_log:
        return LogTransport()
    return None


def open_residents(app: Medborgarbudget, settings: Settings) -> Residents:
    return Residents(app, open_personal_data(settings), settings)
