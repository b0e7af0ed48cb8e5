"""How residents sign in on this installation: through the municipality's identity provider
(OpenID Connect, service/web/oidc.py), or, only when asked for, the local test sign-in, where
whoever types a name becomes that voter.

The test sign-in is on with `medborgarbudget serve --demo` or MEDBORGARBUDGET_TEST_SIGN_IN=true,
and never while an identity provider is configured. Without either, nobody can sign in: the
sign-in page says that residents sign in through the municipality's identity provider and that
none is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from fastapi import Request

from service.config import Settings
from service.web.oidc import OidcSettings

TEST_SIGN_IN_ENV = "MEDBORGARBUDGET_TEST_SIGN_IN"


class SignIn(Enum):
    OIDC = "oidc"
    TEST = "test"
    NONE = "none"


def wants_test_sign_in(env: Mapping[str, str] | None = None) -> bool:
    return Settings.from_env(env).test_sign_in


def sign_in_mode(request: Request) -> SignIn:
    # The provider's settings are read on every request, as the sign-in routes do: a test may
    # configure one on a running service.
    if OidcSettings.from_env() is not None:
        return SignIn.OIDC
    if getattr(request.app.state, "test_sign_in", False):
        return SignIn.TEST
    return SignIn.NONE
