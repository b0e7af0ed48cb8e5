"""The OpenAPI document explains itself: every operation has a summary, a description and the
roles it admits (the same as the role rules the API enforces), a bearer security scheme is
declared, and every operation that takes a JSON body documents 400 for malformed JSON, which is
what it answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.auth import Role
from service.api.openapi import ANYONE, ROLES_HEADING
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import ADULT, PROBLEM
from tests.e2e.test_api_authorization import PUBLIC, RULES

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture
def client(settings: Settings, app: Medborgarbudget) -> Iterator[TestClient]:
    with TestClient(create_app(settings, app=app)) as served:
        yield served


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_a_bearer_scheme_is_declared(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes == {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                  "description": schemes["bearer"]["description"]}}
    assert "role" in schemes["bearer"]["description"]


def test_every_operation_says_what_it_does_and_who_may_call_it(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    missing = []
    seen = 0
    for method, path, operation in operations(document):
        seen += 1
        where = f"{method} {path}"
        summary = operation.get("summary", "").strip()
        description, _, roles_text = operation.get("description", "").partition(
            ROLES_HEADING)
        if not summary:
            missing.append(f"{where}: no summary")
        if len(description.strip()) < 20 or description.strip() == summary:
            missing.append(f"{where}: no description of its own")
        roles = operation.get("x-roles")
        expected = RULES.get((method, path))
        if expected is None:
            missing.append(f"{where}: not in the role rules of test_api_authorization")
            continue
        wanted = [ANYONE] if expected == PUBLIC else sorted(Role(r).value for r in expected)
        if roles is None or sorted(roles) != wanted or not roles_text.startswith(
                ", ".join(roles)):
            missing.append(f"{where}: roles {roles} (text: {roles_text!r}), rule {wanted}")
        security = operation.get("security")
        if expected == PUBLIC:
            if security != [{}, {"bearer": []}]:
                missing.append(f"{where}: open to everyone, but security is {security}")
        elif security is None or sorted(security[0]["bearer"]) != wanted:
            missing.append(f"{where}: security {security}")
        if expected != PUBLIC and not {"401", "403"} <= set(operation["responses"]):
            missing.append(f"{where}: 401 and 403 not documented")
        if "requestBody" in operation:
            refused = operation["responses"].get("400", {})
            if PROBLEM not in refused.get("content", {}) or "JSON" not in refused.get(
                    "description", ""):
                missing.append(f"{where}: takes JSON but documents no 400 for malformed JSON")
    assert seen >= 35
    assert not missing, "\n".join(missing)


def test_every_json_body_operation_answers_malformed_json_with_400(
        client: TestClient) -> None:
    verifier = client.app.state.tokens  # type: ignore[attr-defined]
    document = client.get("/openapi.json").json()
    bodies = [(m, p, o) for m, p, o in operations(document)
              if "application/json" in o.get("requestBody", {}).get("content", {})]
    assert len(bodies) >= 20
    for method, path, operation in bodies:
        role = operation["x-roles"][0]
        token = verifier.mint(role, "openapi-test", 600, ADULT, "norr")
        url = path.replace("{cycle}", "00000000-0000-0000-0000-000000000000").replace(
            "{proposal}", "00000000-0000-0000-0000-000000000000").replace("{area}", "norr")
        response = client.request(method, url, content=b'{"name": "broken',
                                  headers={"Authorization": f"Bearer {token}",
                                           "Content-Type": "application/json"})
        assert response.status_code == 400, (method, path, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["title"] == "Malformed JSON"
