from __future__ import annotations

import hashlib

import pytest

from domain.errors import InvalidInput
from domain.pseudonym import cycle_pseudonym, cycle_pseudonymiser, pseudonym
from domain.receipts import new_receipt_code, normalised_code, receipt_digest
from service.api.auth import AuthError, Role, principal_from_claims

SECRET = bytes(range(32))


def test_receipt_codes_are_random_and_read_back_however_typed() -> None:
    codes = {new_receipt_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = next(iter(codes))
    assert normalised_code(code.lower().replace("-", " ")) == code
    assert normalised_code(f" {code.replace('-', '')} ") == code
    assert receipt_digest(code.lower()) == hashlib.sha256(code.encode()).hexdigest()
    for typo in ("", "K7QX-M2PA-7TZD", "K7QX-M2PA-7TZD-3HR1", "K7QX-M2PA-7TZD-3HRB-AAAA"):
        with pytest.raises(InvalidInput, match="receipt"):
            normalised_code(typo)


def test_one_person_has_unrelated_pseudonyms_in_two_cycles() -> None:
    number = "198112189876"
    first, second = (cycle_pseudonym(SECRET, c, number) for c in ("cycle-2026", "cycle-2027"))
    assert first != second
    assert cycle_pseudonym(SECRET, "cycle-2026", number) == first
    assert cycle_pseudonym(bytes(32), "cycle-2026", number) != first  # keyed
    assert first != pseudonym(SECRET, number)  # nor the deployment-wide one of old cycles
    with pytest.raises(ValueError, match="at least 32 bytes"):
        cycle_pseudonym(b"short", "cycle-2026", number)


def test_a_cycles_pseudonymiser_gives_its_pseudonyms() -> None:
    """Keyed once for an imported election's many voters, the same pseudonyms one at a time."""
    of = cycle_pseudonymiser(SECRET, "cycle-2026", purpose="imported")
    for identity in ("file.pb:1", "file.pb:1 ", "198112189876", "å" * 500):
        assert of(identity) == cycle_pseudonym(SECRET, "cycle-2026", identity, "imported")
    assert of("file.pb:1") != cycle_pseudonymiser(SECRET, "cycle-2027", "imported")("file.pb:1")
    assert of("file.pb:1") != cycle_pseudonymiser(bytes(32), "cycle-2026", "imported")(
        "file.pb:1")
    with pytest.raises(ValueError, match="empty identity"):
        of("")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        cycle_pseudonymiser(b"short", "cycle-2026")


def test_the_resident_is_named_by_the_configured_identity_claim() -> None:
    claims = {"sub": "opaque-123", "role": "resident", "personnummer": "198112189876"}
    assert principal_from_claims(claims).subject == "opaque-123"
    assert principal_from_claims(claims, "personnummer").subject == "198112189876"
    # Staff are named by their subject whatever the residents' claim.
    staff = principal_from_claims({"sub": "processledare", "role": "admin"}, "personnummer")
    assert staff.role is Role.ADMIN and staff.subject == "processledare"
    with pytest.raises(AuthError, match="claim 'personnummer'"):
        principal_from_claims({"sub": "x", "role": "resident"}, "personnummer")
