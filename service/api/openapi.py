"""Shared pieces of the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from service.api.schemas import Problem

DESCRIPTIONS = {
    400: "Malformed JSON (the problem says where it breaks), or a body that is not UTF-8.",
    401: "No valid bearer token (missing, expired or with a bad signature).",
    403: "The token's role may not do this.",
    404: "No such cycle, proposal or area.",
    409: "Conflicts with the current phase (see `phase` and `allowed`) or a duplicate ballot.",
    413: "The request body is too large.",
    415: "The request body must be JSON.",
    422: "Invalid input: `field` says which field and `detail` why.",
    503: "Not ready: the store does not answer or the read models lag too far behind.",
}
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
BEARER = "bearer"  # the security scheme's name (service/api/deps.py)
ANYONE = "anyone"
ROLES_HEADING = "\n\n**Roles:** "


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    # A body that cannot be decoded at all is refused with 400 wherever bodies are validated.
    undecodable = (400,) if 422 in codes else ()
    return {
        code: {"model": Problem, "description": DESCRIPTIONS[code], "content": PROBLEM_CONTENT}
        for code in (*codes, *undecodable, 413, 415)
    }


def document_problems(api: FastAPI) -> None:
    """FastAPI documents its own 422 body (HTTPValidationError) for every operation with
    parameters; this API answers invalid input with a Problem, so the document says so."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        document = generate()
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if "HTTPValidationError" in json.dumps(responses.get("422", {})):
                    responses["422"] = {"description": DESCRIPTIONS[422],
                                        "content": PROBLEM_CONTENT}
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                explain_roles(operation)
        schemas = document.get("components", {}).get("schemas", {})
        if "HTTPValidationError" not in json.dumps(document["paths"]):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]


def explain_roles(operation: dict[str, Any]) -> None:
    """Say in the operation who may call it: `x-roles` and a sentence of its description.
    The roles are the bearer scheme's "scopes" of the operation's role rule (service/api/deps.py);
    an operation open to everyone takes a token optionally (`{}` or bearer)."""
    roles = list(dict.fromkeys(role for requirement in operation.get("security") or []
                               for role in requirement.get(BEARER, [])))
    if roles:
        sentence = (f"{', '.join(roles)}: a bearer token with "
                    f"{'that role' if len(roles) == 1 else 'one of these roles'}.")
    else:
        roles = [ANYONE]
        operation["security"] = [{}, {BEARER: []}]
        sentence = "anyone, without a token; a token sent must be valid."
    operation["x-roles"] = roles
    description = operation.get("description", "").split(ROLES_HEADING)[0].strip()
    operation["description"] = description + ROLES_HEADING + sentence
