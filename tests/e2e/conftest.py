from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from service.runtime import open_application
from service.web.sign_in_mode import TEST_SIGN_IN_ENV
from tests.e2e.api_client import Api
from tests.e2e.participation_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OIDC_ENV,
    BrowserPages,
    FakeIdentityProvider,
    LiveService,
    NewPage,
    require,
    serve,
    serving,
)


@pytest.fixture
def local_sign_in() -> bool:
    """Whether the `api` fixture's service offers the pages' local test sign-in: a module whose
    residents sign in on the pages overrides this with True."""
    return False


@pytest.fixture
def api(settings: Settings, app: Medborgarbudget, local_sign_in: bool,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The HTTP API on the store under test, served by the application the test can inspect,
    with its read models kept current (on PostgreSQL `medborgarbudget project` does that)."""
    options: dict[str, bool] = {}
    if local_sign_in:  # on by the argument alone, whatever the environment says
        monkeypatch.delenv(TEST_SIGN_IN_ENV, raising=False)
        options["test_sign_in"] = True
    with TestClient(create_app(settings, app=app, follow=True, **options)) as client:
        yield Api(client, app)


# ---- in a real browser (tests/e2e/participation_support.py) --------------------------------

@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """The whole service with the local test sign-in on a loopback port, on an empty store of
    its own for the test module."""
    settings = Settings(tmp_path_factory.mktemp("participation") / "data")
    app = open_application(settings)
    with pytest.MonkeyPatch.context() as env:
        for name in OIDC_ENV:  # the test sign-in unless a test configures an identity provider
            env.delenv(name, raising=False)
        try:
            with serving(settings, app, test_sign_in=True) as service:
                yield service
        finally:
            app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, one for the test module."""
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (set MEDBORGARBUDGET_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser: Browser, live_service: LiveService) -> Iterator[NewPage]:
    """Opens a page of `live_service` in a fresh browser context (its own cookies):
    `new_page(javascript=False)` for a browser without JavaScript. No page may break the
    Content-Security-Policy."""
    pages = BrowserPages(browser, live_service.url, timeout=10_000,
                         viewport={"width": 1024, "height": 900})
    yield pages.open
    pages.close()


@pytest.fixture
def identity_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityProvider]:
    """A fake provider on its own loopback port, and the service configured to use it (the
    settings are read on every request, so the running service picks them up)."""
    provider = FakeIdentityProvider("medborgarbudget-e2e", secrets.token_urlsafe(16), {})
    served = serve(provider.asgi())
    provider.url = served.url
    monkeypatch.setenv("MEDBORGARBUDGET_OIDC_ISSUER", served.url)
    monkeypatch.setenv("MEDBORGARBUDGET_OIDC_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("MEDBORGARBUDGET_OIDC_CLIENT_SECRET", provider.client_secret)
    try:
        yield provider
    finally:
        served.stop()
