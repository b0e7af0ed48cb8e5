"""Delivering the outbox: through SMTP (MEDBORGARBUDGET_SMTP_URL), or into the log (--demo).

Each mail is claimed, sent, then marked sent in its own transaction. The guarantee (ADR 0028):
no mail is lost, and a mail is sent twice only if the sender stopped after the SMTP server
accepted it and before marking it sent, at most one mail per sender that stopped so (the one
in flight). Its claim then runs out and it is sent again with the same Message-ID, so the
receiving system can drop the copy. A claim keeps two senders (two workers) from sending
the same mail at once.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from service.config import ConfigurationError
from service.personal.store import Mail, PersonalData

LOG = logging.getLogger(__name__)
LEASE_SECONDS = 300.0  # how long a claimed mail is left to its sender before another may retry
BATCH = 100


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # "ssl" (smtps://), "starttls" or "none"
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpSettings:
        """smtp://[user:password@]host[:port][?starttls=true] or smtps://… (TLS from the
        start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError(
                "MEDBORGARBUDGET_SMTP_URL must look like smtp://user:password@host:port or "
                "smtps://user:password@host:port")
        starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() == "true"
        tls = "ssl" if parts.scheme == "smtps" else "starttls" if starttls else "none"
        return cls(parts.hostname, parts.port or (465 if tls == "ssl" else 25), tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


class SmtpTransport:
    """One connection, opened at the first mail and kept for the batch."""

    def __init__(self, settings: SmtpSettings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = (smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                     context=ssl.create_default_context())
                    if s.tls == "ssl" else smtplib.SMTP(s.host, s.port, timeout=self.timeout))
            if s.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
            self._smtp = smtp
        return self._smtp

    def send(self, message: EmailMessage) -> None:
        try:
            self._connection().send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None


class LogTransport:
    """--demo: each mail into the log instead of the network."""

    def send(self, message: EmailMessage) -> None:
        # Readable: the headers a person checks and the text decoded, links whole.
        headers = "\n".join(f"{name}: {message[name]}" for name in
                            ("To", "Subject", "Message-ID", "List-Unsubscribe") if message[name])
        LOG.info("mail (demo, not sent):\n%s\n\n%s", headers, message.get_content())

    def close(self) -> None:
        pass


def message_of(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = mail.address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe:
        # RFC 8058: one click in the mail client posts to this address, no page in between.
        message["List-Unsubscribe"] = f"<{mail.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body)
    return message


def send_pending(store: PersonalData, transport: Transport, sender: str,
                 stop: threading.Event | None = None, lease: float = LEASE_SECONDS,
                 batch: int = BATCH) -> int:
    """Send the unsent mails of the outbox; returns how many were sent. A mail the SMTP server
    refuses for good stays unsent until a later round (logged without its address)."""
    sent = 0
    try:
        while stop is None or not stop.is_set():
            waiting = store.unsent(batch)
            if not waiting:
                break
            progressed = False
            for mail_id in waiting:
                if stop is not None and stop.is_set():
                    break
                mail = store.claim(mail_id, lease)
                if mail is None:
                    continue
                try:
                    transport.send(message_of(mail, sender))
                except (smtplib.SMTPException, OSError) as error:
                    LOG.warning("mail %s not sent: %s", mail.id, type(error).__name__)
                    continue
                store.mark_sent(mail.id)
                sent += 1
                progressed = True
            if not progressed:
                break
    finally:
        transport.close()
    store.forget_sent()
    return sent
