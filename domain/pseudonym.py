"""Keyed pseudonyms: enough to refuse a second ballot, nothing more.

The voter's identity (e.g. personnummer from the identity provider) is fed through HMAC-SHA256 with
a deployment secret; only the result is stored. Without the secret a pseudonym cannot be linked
back to a person, even by someone who can enumerate every personnummer.
"""

from __future__ import annotations

import hashlib
import hmac

MIN_SECRET_BYTES = 32


def pseudonym(secret: bytes, identity: str, purpose: str = "voter") -> str:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the pseudonym secret must be at least {MIN_SECRET_BYTES} bytes")
    normalised = "".join(identity.split()).replace("-", "").upper()
    if not normalised:
        raise ValueError("an empty identity cannot be pseudonymised")
    # The purpose keeps a voter's pseudonym unlinkable to the same person's proposer pseudonym.
    message = f"{purpose}\x1f{normalised}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
