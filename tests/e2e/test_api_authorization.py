"""Who may call what: every endpoint of the app, for every role, no token and broken tokens.

The table below must name every route the app serves (enumerated from `api.routes`), so an
endpoint added without deciding its role rule fails here; only the citizens' web pages, which
sign in with a session rather than a bearer token, are left to their own tests.
Production mode (the identity provider's RS256/ES256 public key) is checked at the end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount

from domain.phases import Phase
from service import comments
from service.api.app import create_app
from service.api.auth import AUDIENCE, ISSUER, PUBLIC_KEY_ENV, Role, TokenVerifier
from service.application import Medborgarbudget
from service.config import ConfigurationError, Settings
from service.demo import run_demo
from tests.e2e.api_client import ADULT, API, PROBLEM, Api

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

ADMIN, REVIEWER, OFFICIAL, AUDITOR, RESIDENT = (
    Role.ADMIN, Role.REVIEWER, Role.OFFICIAL, Role.AUDITOR, Role.RESIDENT)
PUBLIC = "public"  # anyone, with no token; a token sent must be valid
DOCS = "docs"  # the OpenAPI document and its viewers: served to anyone, tokens not looked at

Rule = str | frozenset[Role]

# (method, path) -> who may call it.
RULES: Mapping[tuple[str, str], Rule] = {
    ("GET", "/openapi.json"): DOCS,
    ("GET", "/docs"): DOCS,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", f"{API}/cycles"): frozenset({ADMIN}),
    ("GET", f"{API}/cycles"): PUBLIC,
    ("GET", f"{API}/cycles/{{cycle}}"): PUBLIC,
    ("POST", f"{API}/cycles/{{cycle}}/successor"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/decision"): frozenset({ADMIN}),
    ("POST", f"{API}/cycles/{{cycle}}/areas"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/areas/{{area}}"): frozenset({ADMIN}),
    ("DELETE", f"{API}/cycles/{{cycle}}/areas/{{area}}"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/voting-rule"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/allocation-rule"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/timeline"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/categories"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/pot-cap"): frozenset({ADMIN}),
    ("DELETE", f"{API}/cycles/{{cycle}}/pot-cap"): frozenset({ADMIN}),
    ("PUT", f"{API}/cycles/{{cycle}}/adoption"): frozenset({ADMIN}),
    ("POST", f"{API}/cycles/{{cycle}}/winner-exceptions"): frozenset({ADMIN}),
    ("POST", f"{API}/cycles/{{cycle}}/incompatibilities"): frozenset({ADMIN, REVIEWER}),
    ("PUT", f"{API}/cycles/{{cycle}}/evaluation"): frozenset({ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/transitions"): PUBLIC,
    ("POST", f"{API}/cycles/{{cycle}}/transitions"): frozenset({ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/results"): PUBLIC,
    ("GET", f"{API}/cycles/{{cycle}}/events"): frozenset({AUDITOR, ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/export"): frozenset({AUDITOR, ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/areas/{{area}}/pabulib"): frozenset({AUDITOR, ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/comparison"): PUBLIC,
    ("POST", f"{API}/cycles/{{cycle}}/proposals"): frozenset({RESIDENT}),
    ("GET", f"{API}/cycles/{{cycle}}/proposals"): PUBLIC,
    ("GET", f"{API}/proposals/{{proposal}}"): PUBLIC,
    ("POST", f"{API}/proposals/{{proposal}}/review"): frozenset({REVIEWER}),
    ("POST", f"{API}/proposals/{{proposal}}/merge"): frozenset({REVIEWER}),
    ("POST", f"{API}/proposals/{{proposal}}/undo-merge"): frozenset({REVIEWER}),
    ("POST", f"{API}/proposals/{{proposal}}/withdraw"): frozenset({RESIDENT, ADMIN}),
    ("POST", f"{API}/proposals/{{proposal}}/support"): frozenset({RESIDENT}),
    ("DELETE", f"{API}/proposals/{{proposal}}/support"): frozenset({RESIDENT}),
    ("PUT", f"{API}/cycles/{{cycle}}/support-round"): frozenset({ADMIN}),
    ("DELETE", f"{API}/cycles/{{cycle}}/support-round"): frozenset({ADMIN}),
    ("GET", f"{API}/cycles/{{cycle}}/supports"): PUBLIC,
    ("GET", f"{API}/cycles/{{cycle}}/support-round/outcome"): PUBLIC,
    ("POST", f"{API}/proposals/{{proposal}}/progress"): frozenset({ADMIN}),
    ("POST", f"{API}/proposals/{{proposal}}/complete"): frozenset({ADMIN}),
    ("POST", f"{API}/proposals/{{proposal}}/abandon"): frozenset({ADMIN}),
    ("GET", f"{API}/proposals/{{proposal}}/comments"): PUBLIC,
    ("POST", f"{API}/proposals/{{proposal}}/comments"): frozenset({RESIDENT}),
    ("POST", f"{API}/proposals/{{proposal}}/report"): frozenset({RESIDENT}),
    ("POST", f"{API}/comments/{{comment}}/report"): frozenset({RESIDENT}),
    ("POST", f"{API}/proposals/{{proposal}}/hide"): frozenset({REVIEWER}),
    ("POST", f"{API}/comments/{{comment}}/hide"): frozenset({REVIEWER}),
    ("GET", f"{API}/cycles/{{cycle}}/moderation"): frozenset({REVIEWER}),
    ("POST", f"{API}/cycles/{{cycle}}/ballots"): frozenset({RESIDENT}),
    ("PUT", f"{API}/cycles/{{cycle}}/ballots/{{area}}"): frozenset({RESIDENT}),
    ("POST", f"{API}/cycles/{{cycle}}/paper-ballots"): frozenset({OFFICIAL}),
    ("POST", f"{API}/cycles/{{cycle}}/roll-marks"): frozenset({OFFICIAL}),
    ("GET", f"{API}/cycles/{{cycle}}/receipts/{{code}}"): PUBLIC,
    ("POST", f"{API}/cycles/{{cycle}}/proposals/{{proposal}}/pictures"): frozenset({RESIDENT}),
    ("POST", f"{API}/cycles/{{cycle}}/proposals/{{proposal}}/pictures/{{digest}}/remove"):
        frozenset({ADMIN, REVIEWER}),
    ("DELETE", f"{API}/cycles/{{cycle}}/proposals/{{proposal}}/pictures/{{digest}}"):
        frozenset({RESIDENT}),
    ("GET", "/pictures/{digest}/{width}.webp"): PUBLIC,
}

PAGE_MODULES = ("service.pages.", "service.web.")

BROKEN = ("no token", "expired", "bad signature", "unknown role", "unsigned", "not bearer")
CALLERS = (*(r.value for r in Role), *BROKEN)


def served_endpoints(api: FastAPI) -> dict[tuple[str, str], BaseRoute]:
    """(method, path) of every route in `api.routes`, routers included, and the route."""
    try:  # FastAPI >= 0.120 includes routers lazily; this flattens them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI lists every route directly
        flat = [(getattr(r, "path", ""), r) for r in api.routes]
    else:
        flat = [(c.path, c.original_route) for c in iter_route_contexts(api.routes)]
    endpoints: dict[tuple[str, str], BaseRoute] = {}
    for path, route in flat:
        if isinstance(route, Mount):
            endpoints[("GET", f"{path}/{{path}}")] = route
            continue
        methods = getattr(route, "methods", None)
        assert path and methods, f"a route that is not an endpoint: {route!r}"
        endpoints.update({(m, path): route for m in methods if m != "HEAD"})
    return endpoints


def is_page(route: BaseRoute) -> bool:
    """The citizens' web pages and their assets: signed in with a session, not a bearer token,
    so their access rules are the pages' tests' business."""
    if isinstance(route, Mount):
        return isinstance(route.app, StaticFiles)
    endpoint = getattr(route, "endpoint", None)
    return bool(endpoint) and endpoint.__module__.startswith(PAGE_MODULES)


def _encode_unsigned(claims: Mapping[str, Any]) -> str:
    def part(data: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(role: str, subject: str = "someone", lifetime: int = 3600) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": subject, "role": role, "iss": ISSUER, "aud": AUDIENCE, "iat": now,
            "exp": now + lifetime}


def authorization(api: Api, caller: str) -> dict[str, str]:
    """The Authorization header each kind of caller sends."""
    if caller in {r.value for r in Role}:
        token = api.token(caller, f"matrix-{caller}", birth_date=ADULT, residence="norr")
    elif caller == "no token":
        return {}
    elif caller == "expired":
        token = api.token(ADMIN, "matrix-expired", lifetime=-120)
    elif caller == "bad signature":
        other = b"\x01" * 32
        token = TokenVerifier(other, ("HS256",), ISSUER, AUDIENCE, signing_key=other).mint(
            ADMIN, "matrix-forger")
    elif caller == "unknown role":
        assert api.tokens.signing_key is not None
        token = jwt.encode(_claims("mayor"), api.tokens.signing_key, algorithm="HS256")
    elif caller == "unsigned":
        token = _encode_unsigned(_claims("admin"))
    elif caller == "not bearer":
        return {"Authorization": "Basic YWRtaW46YWRtaW4="}
    else:
        raise AssertionError(caller)
    return {"Authorization": f"Bearer {token}"}


def expected(rule: Rule, caller: str) -> str:
    """'ok' (anything but 401/403), '401' or '403'."""
    if rule == DOCS:
        return "ok"
    if caller == "no token":
        return "ok" if rule == PUBLIC else "401"
    if caller in BROKEN:
        return "401"
    if rule == PUBLIC:
        return "ok"
    assert isinstance(rule, frozenset)
    return "ok" if Role(caller) in rule else "403"


def example_body(document: Mapping[str, Any], method: str, path: str) -> Any:
    """The example request body of an operation, from the OpenAPI document (None if it has no
    body)."""
    operation = document["paths"][path][method.lower()]
    if "requestBody" not in operation:
        return None
    if "application/json" not in operation["requestBody"]["content"]:
        return None  # a picture's upload (multipart): refused unread when the caller may not
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    return document["components"]["schemas"][name]["examples"][0]


@pytest.fixture
def seeded(api: Api) -> dict[str, str]:
    """Path parameters naming the demo cycle (in voting), one of its proposals and an area."""
    demo = run_demo(api.app, stop_in=Phase.VOTING, voters_per_area=1)
    proposal = next(iter(demo.proposals.values()))
    comment = comments.post_comment(api.app, proposal, "Bra idé!", "matrix-commenter")
    return {"cycle": str(demo.cycle_id), "proposal": str(proposal), "comment": str(comment),
            "area": "norr", "code": "K7QX-M2PA-7TZD-3HRB", "digest": "0" * 64, "width": "480"}


def test_every_endpoint_has_a_role_rule(api: Api) -> None:
    served = {e for e, route in served_endpoints(api.api).items() if not is_page(route)}
    assert served - set(RULES) == set(), "endpoints without a row in RULES"
    assert set(RULES) - served == set(), "rows in RULES for endpoints that do not exist"
    documented = {(m.upper(), p) for p, ops in api.api.openapi()["paths"].items() for m in ops}
    assert documented <= served


def test_authorization_matrix(api: Api, seeded: dict[str, str]) -> None:
    document = api.api.openapi()
    wrong: list[str] = []
    checked = 0
    for (method, template), rule in sorted(RULES.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        path = template.format(**seeded)
        body = example_body(document, method, template) if template in document["paths"] \
            else None
        for caller in CALLERS:
            before = api.stored()
            response = api.client.request(method, path, json=body,
                                          headers=authorization(api, caller))
            status = response.status_code
            outcome = {401: "401", 403: "403"}.get(status, "ok")
            want = expected(rule, caller)
            checked += 1
            if outcome != want:
                wrong.append(f"{method} {template} as {caller}: {status}, expected {want} "
                              f"({response.text[:120]})")
                continue
            if status >= 500:
                wrong.append(f"{method} {template} as {caller}: server error {status}")
            if outcome != "ok":
                if not response.headers.get("content-type", "").startswith(PROBLEM):
                    wrong.append(f"{method} {template} as {caller}: {status} not problem+json")
                if status == 401 and "Bearer" not in response.headers.get("www-authenticate", ""):
                    wrong.append(f"{method} {template} as {caller}: 401 without "
                                 "WWW-Authenticate: Bearer")
                if api.stored() != before:
                    wrong.append(f"{method} {template} as {caller}: refused but stored events")
    assert checked == len(RULES) * len(CALLERS)
    assert not wrong, "\n".join(wrong)


def test_public_reads_need_no_token_but_refuse_a_bad_one(api: Api,
                                                         seeded: dict[str, str]) -> None:
    cycle = seeded["cycle"]
    reads = ["/healthz", f"{API}/cycles", f"{API}/cycles/{cycle}",
             f"{API}/cycles/{cycle}/transitions", f"{API}/cycles/{cycle}/proposals",
             f"{API}/proposals/{seeded['proposal']}"]
    for path in reads:
        assert api.client.get(path).status_code == 200, path
        for caller in ("expired", "bad signature", "unknown role"):
            response = api.client.get(path, headers=authorization(api, caller))
            assert response.status_code == 401, (path, caller)
            assert response.json()["title"] == "Authentication required"
    # Results are public too; in voting there are none yet (409), and a bad token still is 401.
    assert api.client.get(f"{API}/cycles/{cycle}/results").status_code == 409
    assert api.client.get(f"{API}/cycles/{cycle}/results",
                          headers=authorization(api, "expired")).status_code == 401


def test_the_reason_for_a_refusal_is_told(api: Api, seeded: dict[str, str]) -> None:
    events = f"{API}/cycles/{seeded['cycle']}/events"
    expired = api.client.get(events, headers=authorization(api, "expired")).json()
    assert expired["status"] == 401 and "expired" in expired["detail"]
    missing = api.client.get(events).json()
    assert missing["status"] == 401 and "auditor" in missing["detail"]
    forbidden = api.client.get(events, headers=authorization(api, "resident")).json()
    assert forbidden["status"] == 403 and "resident" in forbidden["detail"]


# ---- production mode: tokens from the identity provider, verified with its public key -------

def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def identity_provider() -> rsa.RSAPrivateKey:
    return _rsa_key()


@pytest.fixture
def production(settings: Settings, app: Medborgarbudget, identity_provider: rsa.RSAPrivateKey,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(PUBLIC_KEY_ENV, _public_pem(identity_provider))
    with TestClient(create_app(settings, app=app)) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _hs256_signed_with(secret: bytes, claims: Mapping[str, Any]) -> str:
    """An HS256 token made by hand (PyJWT refuses a PEM key as an HMAC secret)."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
    signing_input = f"{part(header)}.{part(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def test_production_accepts_the_identity_providers_rs256_tokens(
        production: TestClient, identity_provider: rsa.RSAPrivateKey, settings: Settings) -> None:
    private = _private_pem(identity_provider)
    admin = jwt.encode(_claims("admin", "kommun.admin"), private, algorithm="RS256")
    created = production.post(f"{API}/cycles", headers=_bearer(admin),
                              json={"name": "Produktion 2027", "municipality": "Nässjö kommun"})
    assert created.status_code == 201, created.text
    cycle = created.json()["id"]
    resident = jwt.encode({**_claims("resident", "198001011234"), "birthdate": "1980-01-01",
                           "residence": "norr"}, private, algorithm="RS256")
    assert production.get(f"{API}/cycles", headers=_bearer(resident)).status_code == 200
    auditor = jwt.encode(_claims("auditor", "revisor"), private, algorithm="RS256")
    assert production.get(f"{API}/cycles/{cycle}/events",
                          headers=_bearer(auditor)).status_code == 200
    assert production.get(f"{API}/cycles/{cycle}/events",
                          headers=_bearer(resident)).status_code == 403

    verifier: TokenVerifier = production.app.state.tokens  # type: ignore[attr-defined]
    with pytest.raises(ConfigurationError):
        verifier.mint(Role.ADMIN, "nobody")


def test_production_refuses_other_tokens(production: TestClient, settings: Settings,
                                         identity_provider: rsa.RSAPrivateKey) -> None:
    embedded = TokenVerifier.from_env(settings.data_dir, env={})  # the embedded HS256 key
    pem = _public_pem(identity_provider).encode()
    private = _private_pem(identity_provider)
    refused = {
        "HS256 from the embedded key": embedded.mint(Role.ADMIN, "kommun.admin"),
        "HS256 keyed with the public key": _hs256_signed_with(pem, _claims("admin")),
        "RS256 from another key": jwt.encode(_claims("admin"), _private_pem(_rsa_key()),
                                             algorithm="RS256"),
        "unsigned": _encode_unsigned(_claims("admin")),
        "another audience": jwt.encode({**_claims("admin"), "aud": "someone-else"}, private,
                                       algorithm="RS256"),
        "another issuer": jwt.encode({**_claims("admin"), "iss": "evil"}, private,
                                     algorithm="RS256"),
        "without expiry": jwt.encode({k: v for k, v in _claims("admin").items() if k != "exp"},
                                     private, algorithm="RS256"),
        "expired": jwt.encode(_claims("admin", lifetime=-120), private, algorithm="RS256"),
    }
    body = {"name": "Förfalskad", "municipality": "Nässjö kommun"}
    for what, token in refused.items():
        for method, path, json_body in (("POST", f"{API}/cycles", body),
                                        ("GET", f"{API}/cycles", None)):
            response = production.request(method, path, headers=_bearer(token), json=json_body)
            assert response.status_code == 401, (what, method, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
    assert production.get(f"{API}/cycles").json() == {"cycles": []}


def test_production_accepts_es256_from_a_key_file(settings: Settings, app: Medborgarbudget,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "idp-public.pem"
    key_file.write_text(_public_pem(key))
    monkeypatch.setenv(PUBLIC_KEY_ENV, str(key_file))
    with TestClient(create_app(settings, app=app)) as client:
        token = jwt.encode(_claims("admin", "kommun.admin"), _private_pem(key),
                           algorithm="ES256")
        response = client.post(f"{API}/cycles", headers=_bearer(token),
                               json={"name": "ES256 2027", "municipality": "Nässjö kommun"})
        assert response.status_code == 201, response.text
        other = jwt.encode(_claims("admin"), _private_pem(ec.generate_private_key(
            ec.SECP256R1())), algorithm="ES256")
        assert client.get(f"{API}/cycles", headers=_bearer(other)).status_code == 401
