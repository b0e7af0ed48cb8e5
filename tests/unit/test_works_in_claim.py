"""Where a resident works, as their identity says it (ADR 0025): the claim's name is a setting
read by both the API's tokens and the identity provider's sign-in; absent, nothing changes; a
session cookie made before the claim existed still reads."""

from __future__ import annotations

from datetime import date

from service.api.auth import principal_from_claims
from service.config import Settings
from service.web.oidc import OidcSettings, resident_from_claims
from service.web.session import Resident

OIDC = {"MEDBORGARBUDGET_OIDC_ISSUER": "https://idp.example",
        "MEDBORGARBUDGET_OIDC_CLIENT_ID": "mb"}


def test_the_claims_name_is_a_setting_defaulting_to_works_in() -> None:
    assert Settings.from_env({}).works_in_claim == "works_in"
    named = Settings.from_env({"MEDBORGARBUDGET_WORKS_IN_CLAIM": "arbetsort"})
    assert named.works_in_claim == "arbetsort"


def test_the_identity_providers_claim_is_read_by_its_configured_name() -> None:
    settings = OidcSettings.from_env({**OIDC, "MEDBORGARBUDGET_WORKS_IN_CLAIM": "arbetsort"})
    assert settings is not None
    claims = {"sub": "19800101-0000", "residence": "stockholm", "arbetsort": "norr",
              "works_in": "soder"}
    resident = resident_from_claims(claims, settings)
    assert (resident.residence, resident.works_in) == ("stockholm", "norr")
    assert resident_from_claims({"sub": "x"}, settings).works_in is None


def test_an_api_tokens_claim_is_read_by_its_configured_name() -> None:
    claims = {"sub": "19800101-0000", "role": "resident", "works_in": "norr", "jobb": "soder"}
    assert principal_from_claims(claims).works_in == "norr"
    assert principal_from_claims(claims, works_in_claim="jobb").works_in == "soder"
    assert principal_from_claims({"sub": "s", "role": "resident"}).works_in is None


def test_a_session_made_before_the_claim_reads_without_it() -> None:
    old = {"subject": "19800101-0000", "name": "Anna", "via": "oidc",
           "birth_date": "1980-01-01", "residence": "norr"}
    resident = Resident.from_session(old)
    assert resident.works_in is None and resident.birth_date == date(1980, 1, 1)
    working = Resident("s", "A", None, "stockholm", "oidc", "norr")
    assert Resident.from_session(working.to_session()) == working
