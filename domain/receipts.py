"""Ballot receipts that prove inclusion, not content.

A resident gets a random code when their ballot is stored; the ballot event keeps only the
code's SHA-256 digest. Anyone holding the code can check that a ballot with it is among the
counted ones; the code is unrelated to the ballot's id, the voter's pseudonym or any export's
numbering, so it does not lead from a published list to a person.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading

from domain.errors import InvalidInput

CODE_BYTES = 10  # 80 bits: guessing a valid code among a million is hopeless
GROUP = 4


class _RandomBytes:
    """The operating system's CSPRNG, fetched a few kilobytes at a time: one system call per
    few hundred receipts instead of one each (a ballot's hot path; the bytes are the same
    kind that `secrets` gives, each handed out once)."""

    def __init__(self, chunk: int = 4096) -> None:
        self._chunk = chunk
        self._pool = b""
        self._lock = threading.Lock()

    def take(self, count: int) -> bytes:
        with self._lock:
            if len(self._pool) < count:
                self._pool = os.urandom(self._chunk)
            taken, self._pool = self._pool[:count], self._pool[count:]
            return taken


_RANDOM = _RandomBytes()


def new_receipt_code() -> str:
    """A fresh code, e.g. 'K7QX-M2PA-7TZD-3HRB' (base32: no 0/1/8/9 look-alikes to mistype)."""
    text = base64.b32encode(_RANDOM.take(CODE_BYTES)).decode().rstrip("=")
    return "-".join(text[i:i + GROUP] for i in range(0, len(text), GROUP))


def normalised_code(text: str) -> str:
    """The code as typed (any case, spaces or dashes) in its one written form."""
    letters = "".join(ch for ch in text.upper() if ch not in " -\u2010\u2011\u2012\u2013\t")
    if len(letters) != 16 or any(ch not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for ch in letters):
        raise InvalidInput("receipt", "a receipt code is 16 letters and digits, "
                           "e.g. K7QX-M2PA-7TZD-3HRB")
    return "-".join(letters[i:i + GROUP] for i in range(0, len(letters), GROUP))


def receipt_digest(code: str) -> str:
    return hashlib.sha256(normalised_code(code).encode()).hexdigest()
