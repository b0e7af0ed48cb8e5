"""Sign-in through the municipality's identity provider: OpenID Connect, authorization code
flow with PKCE (S256), via Authlib. Swedish municipalities typically front BankID or Freja eID
this way. Configured by environment; without it, residents cannot sign in, unless the labelled
test sign-in is asked for (service/web/sign_in_mode.py).

MEDBORGARBUDGET_OIDC_ISSUER         the provider's issuer URL (discovery document below it)
MEDBORGARBUDGET_OIDC_CLIENT_ID      this service's client id
MEDBORGARBUDGET_OIDC_CLIENT_SECRET  its secret (omit for a public client; PKCE protects the code)
MEDBORGARBUDGET_OIDC_RESIDENCE_CLAIM  the claim holding the residence code (default: residence)
MEDBORGARBUDGET_WORKS_IN_CLAIM      the claim holding where they work, if given (default: works_in)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.config import Settings
from service.web.session import Resident


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    residence_claim: str = "residence"
    identity_claim: str = "sub"
    works_in_claim: str = "works_in"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OidcSettings | None:
        settings = Settings.from_env(env)
        if not settings.oidc_issuer or not settings.oidc_client_id:
            return None
        return cls(settings.oidc_issuer.rstrip("/"), settings.oidc_client_id,
                   settings.oidc_client_secret, settings.oidc_residence_claim,
                   settings.identity_claim, settings.works_in_claim)


def client(settings: OidcSettings) -> Any:
    # Imported only when an identity provider is configured: Authlib's import is heavy and noisy.
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register(
        "municipality",
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
    )
    return oauth.municipality


def resident_from_claims(claims: Mapping[str, Any], settings: OidcSettings) -> Resident:
    """The verified claims become the same resident identity the API uses (its subject is
    pseudonymised before anything is stored)."""
    subject = str(claims.get(settings.identity_claim) or "")
    born = claims.get("birthdate")
    try:
        birth_date = date.fromisoformat(str(born)) if born else None
    except ValueError:
        birth_date = None
    residence = claims.get(settings.residence_claim)
    name = claims.get("given_name") or claims.get("name") or ""
    works_in = claims.get(settings.works_in_claim)
    return Resident(subject, str(name), birth_date, str(residence) if residence else None,
                    "oidc", str(works_in) if works_in else None)
