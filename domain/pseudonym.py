"""Keyed pseudonyms: enough to refuse a second ballot, nothing more.

The voter's identity (a personnummer in its canonical form, domain/identity.py) is fed through
HMAC-SHA256 with a deployment secret kept outside the data folder; only the result is stored.
Without the secret a pseudonym cannot be linked back to a person, even by someone who can
enumerate every personnummer. A voter's pseudonym is keyed by the cycle as well, so one
person's ballots in two cycles (two years) share nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

MIN_SECRET_BYTES = 32
# How a cycle derives its voters' pseudonyms; recorded when the cycle is created so that a
# cycle keeps the scheme its first ballot was stored under.
PER_CYCLE = "per-cycle"
GLOBAL = "global"  # cycles created before pseudonyms were keyed by cycle


def _check(secret: bytes) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the pseudonym secret must be at least {MIN_SECRET_BYTES} bytes")


def pseudonym(secret: bytes, identity: str, purpose: str = "voter") -> str:
    """The deployment-wide pseudonym of cycles created before per-cycle keying (and of
    proposers): unchanged, so those cycles still refuse a second ballot."""
    _check(secret)
    normalised = "".join(identity.split()).replace("-", "").upper()
    if not normalised:
        raise ValueError("an empty identity cannot be pseudonymised")
    # The purpose keeps a voter's pseudonym unlinkable to the same person's proposer pseudonym.
    message = f"{purpose}\x1f{normalised}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def cycle_pseudonym(secret: bytes, cycle_id: str, canonical_identity: str,
                    purpose: str = "voter") -> str:
    """The pseudonym of one person in one cycle (`canonical_identity` already reduced to its
    one form, so every way of writing it gives the same pseudonym)."""
    _check(secret)
    if not canonical_identity:
        raise ValueError("an empty identity cannot be pseudonymised")
    message = f"{purpose}\x1f{cycle_id}\x1f{canonical_identity}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def cycle_pseudonymiser(secret: bytes, cycle_id: str, purpose: str = "voter",
                        ) -> Callable[[str], str]:
    """`cycle_pseudonym` for many identities of one cycle (an imported election): the HMAC
    keyed and fed the purpose and cycle once, then copied for each identity."""
    _check(secret)
    keyed = hmac.new(secret, f"{purpose}\x1f{cycle_id}\x1f".encode(), hashlib.sha256)

    def of(canonical_identity: str) -> str:
        if not canonical_identity:
            raise ValueError("an empty identity cannot be pseudonymised")
        mac = keyed.copy()
        mac.update(canonical_identity.encode())
        return mac.hexdigest()

    return of
