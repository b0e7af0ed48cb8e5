"""A token already verified is not checked again until it expires, and only a token identical to
it byte for byte is taken as verified."""

from __future__ import annotations

import time

import jwt
import pytest

from service.api import auth
from service.api.auth import AuthError, Role, TokenVerifier, VerifiedTokens

KEY = b"k" * 32


def verifier() -> TokenVerifier:
    return TokenVerifier(KEY, ("HS256",), auth.ISSUER, auth.AUDIENCE, signing_key=KEY)


def test_a_verified_token_is_checked_once_until_it_expires(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = verifier()
    token = tokens.mint(Role.RESIDENT, "19800101-0001", lifetime=1)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    checks = []
    decode = jwt.decode

    def counting(*args: object, **kwargs: object) -> object:
        checks.append(1)
        return decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting)
    first, second = tokens.verify(token), tokens.verify(token)
    assert first == second and first.subject == "19800101-0001"
    assert len(checks) == 1

    time.sleep(max(0.0, expires - time.time()) + 0.05)  # past exp: checked again, and refused
    with pytest.raises(AuthError, match="expired"):
        tokens.verify(token)
    assert len(checks) == 2


def test_a_token_differing_in_one_character_is_checked_and_refused() -> None:
    tokens = verifier()
    token = tokens.mint(Role.RESIDENT, "19800101-0001")
    tokens.verify(token)
    header, claims, signature = token.split(".")
    forged = ".".join((header, claims, signature[:-2] + ("AA" if signature[-2:] != "AA"
                                                         else "BB")))
    with pytest.raises(AuthError, match="not valid"):
        tokens.verify(forged)


def test_the_oldest_are_forgotten_beyond_the_size() -> None:
    kept = VerifiedTokens(size=2)
    principal = auth.Principal("x", Role.RESIDENT)
    for name in ("a", "b", "c"):
        kept.keep(name, principal, time.time() + 60)
    assert kept.get("a") is None
    assert kept.get("b") == principal and kept.get("c") == principal
