"""Ballot receipts that prove inclusion, not content.

A resident gets a random code when their ballot is stored; the ballot event keeps only the
code's SHA-256 digest. Anyone holding the code can check that a ballot with it is among the
counted ones; the code is unrelated to the ballot's id, the voter's pseudonym or any export's
numbering, so it does not lead from a published list to a person.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from domain.errors import InvalidInput

CODE_BYTES = 10  # 80 bits: guessing a valid code among a million is hopeless
GROUP = 4


def new_receipt_code() -> str:
    """A fresh code, e.g. 'K7QX-M2PA-7TZD-3HRB' (base32: no 0/1/8/9 look-alikes to mistype)."""
    text = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")
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
