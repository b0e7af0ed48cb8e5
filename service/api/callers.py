"""Who may call an operation, as FastAPI dependencies the routes share: a role's verified
principal (401 without a token, 403 with another role), anyone (a token optional), the raw body
for idempotency, and the problems every write may answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.api.auth import Principal, Role
from service.api.deps import public, raw_body, require
from service.api.openapi import problems

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
AdminOrReviewer = Annotated[Principal, Depends(require(Role.ADMIN, Role.REVIEWER))]
Official = Annotated[Principal, Depends(require(Role.OFFICIAL))]
Resident = Annotated[Principal, Depends(require(Role.RESIDENT))]
ResidentOrAdmin = Annotated[Principal, Depends(require(Role.RESIDENT, Role.ADMIN))]
Public = Annotated[Principal | None, Depends(public)]
Body = Annotated[bytes, Depends(raw_body)]
WRITE = problems(401, 403, 404, 409, 422)
