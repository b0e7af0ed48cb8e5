"""The API keeps the promises of its own OpenAPI document, under generated requests.

Schemathesis reads /openapi.json of an app whose store holds the demo cycle, open for voting,
and sends generated requests to every operation, each one once with every role's token and once
without a token: no response may be a server error, and every status code, content type and body
must be one the document declares.

Generated path parameters are mostly replaced by the demo's real ids (deterministically, from
the generated value), so requests reach the domain's rules instead of stopping at 404.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.phases import Phase
from service.api.app import create_app
from service.api.auth import Role, TokenVerifier
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import run_demo
from tests.e2e.api_client import ADULT, aged

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 15


@dataclass(frozen=True)
class Seeded:
    api: FastAPI
    cycle: str
    proposals: tuple[str, ...]
    authorizations: dict[str, dict[str, str]]  # caller -> headers


@pytest.fixture
def seeded(settings: Settings, app: Medborgarbudget) -> Iterator[Seeded]:
    demo = run_demo(app, stop_in=Phase.VOTING, voters_per_area=1)
    api = create_app(settings, app=app)
    tokens: TokenVerifier = api.state.tokens
    authorizations: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in Role:
        birth_date, residence = (aged(19), "norr") if role is Role.RESIDENT else (ADULT, None)
        token = tokens.mint(role, f"schema-{role.value}", 3600, birth_date, residence)
        authorizations[role.value] = {"Authorization": f"Bearer {token}"}
    with TestClient(api):  # runs the app's lifespan around the test
        yield Seeded(api, str(demo.cycle_id), tuple(str(p) for p in demo.proposals.values()),
                     authorizations)


def _pick(generated: object, choices: tuple[str, ...]) -> str | None:
    """A real value for a generated one, except for one in four (kept, to reach the 404s)."""
    digest = zlib.crc32(repr(generated).encode())
    if digest % 4 == 0:
        return None
    return choices[digest % len(choices)]


def use_real_ids(case: Case, seeded: Seeded) -> None:
    parameters = case.path_parameters or {}
    real = {"cycle": (seeded.cycle,), "proposal": seeded.proposals,
            "area": ("norr", "soder", "unga")}
    for name, choices in real.items():
        if name in parameters:
            picked = _pick(parameters[name], choices)
            if picked is not None:
                parameters[name] = picked


def cases(schema: BaseSchema, operation: APIOperation) -> st.SearchStrategy[Case]:
    """Valid and invalid requests, and the examples the document gives."""
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        *schema.get_strategies_from_examples(operation),
    )


def test_every_response_conforms_to_the_document(seeded: Seeded) -> None:
    # The plain Python API: schemathesis' pytest plugin does not run under pytest 9.2 yet.
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded.api)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases(schema, operation))
        def conforms(case: Case) -> None:
            use_real_ids(case, seeded)
            for headers in seeded.authorizations.values():
                case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            conforms()
        # Every failing operation is reported, not just the first (schemathesis raises its
        # findings as a BaseExceptionGroup).
        except (Exception, BaseExceptionGroup) as failure:
            failures[operation.label] = str(failure)
    assert operations >= 30
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
