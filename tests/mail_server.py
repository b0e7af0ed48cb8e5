"""A real SMTP server for the tests (aiosmtpd), keeping what it receives.

`hold_at`: the server keeps the n-th mail (counted from 1) as received but does not answer it
until `release` is set, so a test can kill the sender while that mail is in flight: the server
has it, the sender never heard it was accepted.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    hold_at: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=default)
        with self.lock:
            self.messages.append(message)
            count = len(self.messages)
        if self.hold_at is not None and count == self.hold_at:
            self.held.set()
            # Never answered while held: the sender is killed waiting for it.
            while not self.release.is_set():
                import asyncio

                await asyncio.sleep(0.05)
            return "421 closing"
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@contextmanager
def smtp_server(hold_at: int | None = None) -> Iterator[tuple[str, Inbox]]:
    """An SMTP server on a free local port; yields its smtp:// address and its inbox."""
    inbox = Inbox(hold_at=hold_at)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        inbox.release.set()
        controller.stop()
