"""Bearer tokens (JWT) and the roles they carry.

Embedded mode signs and verifies with HS256 and a key generated into the data folder. Production
verifies tokens from the municipality's identity provider with its public key (RS256 or ES256):
set MEDBORGARBUDGET_JWT_PUBLIC_KEY (PEM text or a path to it), and optionally
MEDBORGARBUDGET_JWT_ISSUER and MEDBORGARBUDGET_JWT_AUDIENCE.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

from service.config import ConfigurationError, Settings
from service.deployment_secret import load_secret

ISSUER = "medborgarbudget"
AUDIENCE = "medborgarbudget"
PUBLIC_KEY_ENV = "MEDBORGARBUDGET_JWT_PUBLIC_KEY"
ISSUER_ENV = "MEDBORGARBUDGET_JWT_ISSUER"
AUDIENCE_ENV = "MEDBORGARBUDGET_JWT_AUDIENCE"
SIGNING_KEY_ENV = "MEDBORGARBUDGET_JWT_SECRET"
# The claim of a resident's token that holds their personnummer (ADR 0004): Swedish e-ID
# providers put it in `sub` or in a claim of its own.
IDENTITY_CLAIM_ENV = "MEDBORGARBUDGET_IDENTITY_CLAIM"
SUBJECT = "sub"
WORKS_IN = "works_in"  # the default name of the claim of where a resident works
DEFAULT_LIFETIME = 8 * 3600
# Tokens whose signature was checked, kept until they expire: a resident's token arrives several
# times within minutes (page, ballot, receipt) and checking a signature costs more than a ballot.
# A visit lasts minutes: 4 096 tokens cover minutes of the busiest arrivals and hold about 3 MiB;
# 20 000 held about 13 MiB, most of what a worker grew on the soak's voting day.
VERIFIED_TOKENS_KEPT = 4_096


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    OFFICIAL = "official"
    AUDITOR = "auditor"
    RESIDENT = "resident"


class AuthError(Exception):
    """401: no usable token."""


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    birth_date: date | None = None
    residence: str | None = None
    works_in: str | None = None

    @property
    def actor(self) -> str:
        """How this caller appears in events. Staff act in their public role under their own
        name; a resident's identity never enters the event store, so residents appear by role."""
        if self.role is Role.RESIDENT:
            return "resident"
        return f"{self.role.value}:{self.subject}"


@dataclass(frozen=True)
class TokenVerifier:
    key: Any
    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    signing_key: bytes | None = None  # only in embedded mode, where we mint tokens ourselves
    identity_claim: str = SUBJECT
    works_in_claim: str = WORKS_IN
    _verified: VerifiedTokens = field(default_factory=lambda: VerifiedTokens(),
                                      compare=False, repr=False)

    @classmethod
    def from_env(cls, data_dir: Path, env: Mapping[str, str] | None = None) -> TokenVerifier:
        settings = Settings.from_env(env)
        issuer, audience = settings.jwt_issuer, settings.jwt_audience
        claim, public_key = settings.identity_claim, settings.jwt_public_key
        if public_key:
            pem = Path(public_key).read_text() if not public_key.lstrip().startswith("-----") \
                else public_key
            if "BEGIN" not in pem:
                raise ConfigurationError(f"{PUBLIC_KEY_ENV} must be a PEM public key or its path")
            return cls(pem, ("RS256", "ES256"), issuer, audience, identity_claim=claim,
                       works_in_claim=settings.works_in_claim)
        secret = load_secret(data_dir, env, variable=SIGNING_KEY_ENV, file_name="jwt.key")
        return cls(secret, ("HS256",), issuer, audience, signing_key=secret,
                   identity_claim=claim, works_in_claim=settings.works_in_claim)

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            return known
        try:
            claims = jwt.decode(
                token, self.key, algorithms=list(self.algorithms), audience=self.audience,
                issuer=self.issuer, options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("The token has expired.") from None
        except jwt.InvalidTokenError as error:
            raise AuthError(f"The token is not valid: {error}.") from None
        principal = principal_from_claims(claims, self.identity_claim, self.works_in_claim)
        self._verified.keep(token, principal, float(claims["exp"]))
        return principal

    def mint(self, role: Role | str, subject: str, lifetime: int = DEFAULT_LIFETIME,
             birth_date: date | None = None, residence: str | None = None,
             works_in: str | None = None) -> str:
        if self.signing_key is None:
            raise ConfigurationError("Tokens come from the identity provider in this deployment.")
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": subject, "role": Role(role).value, "iss": self.issuer, "aud": self.audience,
            "iat": now, "exp": now + lifetime,
        }
        if birth_date is not None:
            claims["birthdate"] = birth_date.isoformat()  # the OpenID Connect standard claim
        if residence is not None:
            claims["residence"] = residence
        if works_in is not None:
            claims[self.works_in_claim] = works_in
        return jwt.encode(claims, self.signing_key, algorithm="HS256")


def bearer_token(header: str) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Use an 'Authorization: Bearer <token>' header.")
    return token.strip()


def principal_from_claims(claims: Mapping[str, Any], identity_claim: str = SUBJECT,
                          works_in_claim: str = WORKS_IN) -> Principal:
    """Who the token names. A resident is named by their personnummer, from `identity_claim`
    (it is checked, and reduced to a pseudonym, before anything is stored)."""
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise AuthError(f"The token's role must be one of {', '.join(Role)}.") from None
    subject = claims.get(identity_claim if role is Role.RESIDENT else SUBJECT)
    if not isinstance(subject, str) or not subject:
        claim = identity_claim if role is Role.RESIDENT else SUBJECT
        raise AuthError(f"The token names no subject (claim '{claim}').")
    birth_date = None
    if claims.get("birthdate"):
        try:
            birth_date = date.fromisoformat(str(claims["birthdate"]))
        except ValueError:
            raise AuthError("The token's birthdate is not a date.") from None
    residence, works_in = claims.get("residence"), claims.get(works_in_claim)
    return Principal(subject, role, birth_date, str(residence) if residence else None,
                     str(works_in) if works_in else None)


class VerifiedTokens:
    """Tokens already verified, each until its `exp`; the oldest are forgotten beyond `size`.
    Only a token identical to a verified one, byte for byte, is found: same signature, same
    claims."""

    def __init__(self, size: int = VERIFIED_TOKENS_KEPT) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        known = self._tokens.get(token)
        if known is None:
            return None
        principal, expires = known
        if time.time() >= expires:  # as PyJWT: expired once now reaches exp
            with self._lock:
                self._tokens.pop(token, None)
            return None
        return principal

    def keep(self, token: str, principal: Principal, expires: float) -> None:
        with self._lock:
            self._tokens[token] = (principal, expires)
            while len(self._tokens) > self._size:
                del self._tokens[next(iter(self._tokens))]
