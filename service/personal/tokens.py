"""Signed tokens for the links in mails: confirming an address and unsubscribing.

A token names what it is for, the resident's pseudonym and what it is bound to (the pending
address's nonce, or a digest of the confirmed address), with an expiry, all signed with a key
derived from the deployment secret (HMAC-SHA256). A changed byte, another purpose, an expired
token or one bound to an address since replaced is refused. Nothing in a token reveals the
address or the identity: the pseudonym is already a keyed hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"
CONFIRM_SECONDS = 7 * 24 * 3600  # a confirmation link lasts a week
UNSUBSCRIBE_SECONDS = 3 * 365 * 24 * 3600  # an old mail's unsubscribe link still works
MAX_TOKEN_LENGTH = 600


class BadToken(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    purpose: str
    pseudonym: str
    bound_to: str
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def address_digest(key: bytes, address: str) -> str:
    return hmac.new(key, b"address\x1f" + address.lower().encode(), hashlib.sha256).hexdigest()[:32]


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, purpose: str, pseudonym: str, bound_to: str, seconds: int,
             now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + seconds)
        body = _b64(json.dumps([purpose, pseudonym, bound_to, expires],
                               separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def read(self, token: str, purpose: str, now: float | None = None) -> Token:
        """The token if it is ours, unchanged, for `purpose` and not expired; else BadToken."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            raise BadToken("not a token of this service")
        body, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            raise BadToken("the token's signature does not match")
        try:
            fields = json.loads(_unb64(body))
            kind, pseudonym, bound_to, expires = fields
        except (ValueError, TypeError):
            raise BadToken("not a token of this service") from None
        if kind != purpose or not isinstance(pseudonym, str) or not isinstance(bound_to, str) \
                or not isinstance(expires, int):
            raise BadToken("the token is for something else")
        if expires < (time.time() if now is None else now):
            raise BadToken("the token has expired")
        return Token(kind, pseudonym, bound_to, expires)

    def digest(self, address: str) -> str:
        return address_digest(self._key, address)

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, b"mail-token\x1f" + body.encode(),
                             hashlib.sha256).digest())
