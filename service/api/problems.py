"""Errors as application/problem+json (RFC 9457), with a title a person understands."""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import Conflict, DomainError, InvalidInput, NotFound, NotYours, PhaseError
from service.api.auth import AuthError
from service.api.formats import ALLOWED, UnknownFormat
from service.api.openapi import document_problems

PROBLEM = "application/problem+json"


class Forbidden(Exception):
    """403: the token is valid but its role may not do this."""


class UnsupportedMediaType(Exception):
    """415: the body is not JSON."""


def _encodable(value: Any) -> Any:
    """`value` with lone surrogates (valid in JSON's \\ud800, not in UTF-8) replaced by '?':
    a message quoting hostile input must not turn a 4xx into a 500."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    body = _encodable(body)
    headers = {"WWW-Authenticate": 'Bearer realm="medborgarbudget"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class Explains(Protocol):
    def explained(self, error: PhaseError) -> PhaseError: ...


def domain_problem(error: DomainError, application: Explains | None = None) -> JSONResponse:
    """`application`: lists in a phase refusal the triggers `GET .../transitions` allows."""
    if isinstance(error, PhaseError) and application is not None:
        error = application.explained(error)
    if isinstance(error, InvalidInput):
        return problem(422, error.title, error.message, field=error.field)
    if isinstance(error, NotFound):
        return problem(404, error.title, error.message)
    if isinstance(error, NotYours):
        return problem(403, error.title, error.message)
    if isinstance(error, PhaseError):
        return problem(409, error.title, error.message, phase=error.phase.value
                       if hasattr(error.phase, "value") else str(error.phase),
                       allowed=list(error.allowed))
    if isinstance(error, Conflict):
        return problem(409, error.title, error.message)
    return problem(400, error.title, error.message)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _malformed(error: dict[str, Any]) -> str:
    location = [p for p in error.get("loc", ()) if isinstance(p, int)]
    why = str((error.get("ctx") or {}).get("error") or "it cannot be parsed")
    where = f" at character {location[0]}" if location else ""
    return f"The request body is not valid JSON: {why}{where}."


def http_problem(error: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}
    return problem(error.status_code, titles.get(error.status_code, "Request refused"),
                   str(error.detail))


def install(app: FastAPI) -> None:
    document_problems(app)

    @app.exception_handler(DomainError)
    def on_domain_error(request: Request, error: DomainError) -> JSONResponse:
        return domain_problem(error, request.app.state.medborgarbudget)

    @app.exception_handler(AuthError)
    def on_auth_error(_: Request, error: AuthError) -> JSONResponse:
        return problem(401, "Authentication required", str(error))

    @app.exception_handler(Forbidden)
    def on_forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return problem(403, "Not allowed for your role", str(error))

    @app.exception_handler(UnknownFormat)
    def on_unknown_format(_: Request, error: UnknownFormat) -> JSONResponse:
        return problem(400, "Unknown format", str(error), allowed=list(ALLOWED))

    @app.exception_handler(UnsupportedMediaType)
    def on_media_type(_: Request, error: UnsupportedMediaType) -> JSONResponse:
        return problem(415, "Unsupported media type", str(error))

    @app.exception_handler(RequestValidationError)
    def on_validation(_: Request, error: RequestValidationError) -> JSONResponse:
        malformed = next((e for e in error.errors() if e.get("type") == "json_invalid"), None)
        if malformed is not None:
            # Not a field's value but the body itself: nothing to name but where it breaks.
            return problem(400, "Malformed JSON", _malformed(malformed))
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return problem(
            422, "Invalid input", f"{first['field']}: {first['message']}",
            field=first["field"], errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    def on_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return http_problem(error)
