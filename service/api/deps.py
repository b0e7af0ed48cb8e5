"""What every endpoint needs: the application, the caller, and the role rule it enforces.

These are `async def` although nothing in them waits: FastAPI runs a plain `def` dependency in
the thread pool, one hop each, and checking a token's signature costs far less than the hop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.auth import AuthError, Principal, Role, TokenVerifier, bearer_token
from service.api.idempotency import Handler, run_idempotent
from service.api.observability import note_role
from service.api.problems import Forbidden
from service.application import Medborgarbudget
from service.read_models import ReadModels

# Declared so the OpenAPI document has its `bearer` security scheme and each operation says
# which roles it admits (as the scheme's "scopes", which OpenAPI 3.1 allows for role names);
# the token itself is read and verified by `caller`, which also refuses a non-bearer header.
BEARER = HTTPBearer(
    auto_error=False, scheme_name="bearer", bearerFormat="JWT",
    description="A JWT from the municipality's identity provider (or, embedded, minted by "
                "`medborgarbudget token`) whose `role` claim is admin, reviewer, official, "
                "auditor or resident. Each operation lists the roles it admits.")


async def application(request: Request) -> Medborgarbudget:
    app: Medborgarbudget = request.app.state.medborgarbudget
    return app


def verifier(request: Request) -> TokenVerifier:
    tokens: TokenVerifier = request.app.state.tokens
    return tokens


def caller(request: Request) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    principal = verifier(request).verify(bearer_token(header))
    note_role(request.scope, principal.role.value)  # the log line says the role, never who
    return principal


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """The role rule of an endpoint: a valid token whose role is one of `roles`."""
    names = ", ".join(r.value for r in roles)

    scoped = Security(BEARER, scopes=[r.value for r in roles])

    async def dependency(request: Request,
                         _: HTTPAuthorizationCredentials | None = scoped) -> Principal:
        principal = caller(request)
        if principal is None:
            raise AuthError(f"This needs a bearer token with the role {names}.")
        if principal.role not in roles:
            raise Forbidden(f"This needs the role {names}; your token has '{principal.role}'.")
        return principal

    dependency.__name__ = f"require_{'_or_'.join(r.value for r in roles)}"
    return dependency


ANY_TOKEN = Security(BEARER)


async def public(request: Request,
                 _: HTTPAuthorizationCredentials | None = ANY_TOKEN) -> Principal | None:
    """Open to everyone; a token, if sent, must still be valid."""
    return caller(request)


App = Annotated[Medborgarbudget, Depends(application)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200,
           description="Retrying a POST with the same key returns the first response and "
                       "stores nothing twice."),
]


async def reached(request: Request, position: Annotated[int | None, Query(
        ge=0, le=2**62, description="Wait (a few seconds at most) until the read models "
        "include the write at this position (every write returns it); a position beyond "
        "the log's end answers at once.")] = None) -> int | None:
    """`?position=N`, waited for on the event loop before the endpoint runs (holding no
    thread); the position the read models then include at least (clamped to the log)."""
    read_models: ReadModels = request.app.state.read_models
    return await read_models.caught_up(position)


Reached = Annotated[int | None, Depends(reached)]


async def raw_body(request: Request) -> bytes:
    return await request.body()


def respond(status: int, payload: Any) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def idempotent(app: Medborgarbudget, key: str | None, principal: Principal, request: Request,
               body: bytes, handler: Handler, answers_itself: bool = False) -> JSONResponse:
    """Run `handler` once per idempotency key (service/api/idempotency.py)."""
    caller_key = f"{principal.role.value}:{principal.subject}"  # keyed-hashed, never stored
    return run_idempotent(app, key, caller_key, request.method, request.scope["path"], body,
                          handler, answers_itself)
