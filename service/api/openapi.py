"""Shared pieces of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from service.api.schemas import Problem

DESCRIPTIONS = {
    400: "The request could not be understood.",
    401: "No valid bearer token (missing, expired or with a bad signature).",
    403: "The token's role may not do this.",
    404: "No such cycle, proposal or area.",
    409: "Conflicts with the current phase (see `phase` and `allowed`) or a duplicate ballot.",
    413: "The request body is too large.",
    415: "The request body must be JSON.",
    422: "Invalid input: `field` says which field and `detail` why.",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": Problem, "description": DESCRIPTIONS[code],
               "content": {"application/problem+json": {"schema": {"$ref":
                                                                   "#/components/schemas/Problem"}}}}
        for code in (*codes, 413, 415)
    }
