"""Residents taking part in a real browser: the service on a loopback port, headless Chromium
driven by Playwright, axe-core for accessibility, budget cycles to take part in, and a fake
OpenID Connect provider.

The cycles are set up through the application (as the municipality's staff would configure
them); the browser tests then do what a resident does, and the HTTP API what the staff do.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from playwright.sync_api import Error as PlaywrightError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from projections.store import ReadModelStore
from service.api.app import create_app
from service.api.auth import Role, TokenVerifier
from service.application import Medborgarbudget, actor_of
from service.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots" / "participation"
AXE_SCRIPT = ROOT / "tests" / "e2e" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("MEDBORGARBUDGET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# WCAG 2.x A and AA and axe-core's best practices (landmark-unique, region, heading-order...):
# a violation of any impact, minor included, fails the page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
OIDC_ENV = ("MEDBORGARBUDGET_OIDC_ISSUER", "MEDBORGARBUDGET_OIDC_CLIENT_ID",
            "MEDBORGARBUDGET_OIDC_CLIENT_SECRET", "MEDBORGARBUDGET_OIDC_RESIDENCE_CLAIM")
API = "/api/v1"
ADMIN = actor_of("admin", "e2e.processledare")
REVIEWER = actor_of("reviewer", "e2e.tekniska")
STARTUP_SECONDS = 15.0
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
VIEWPORTS: Mapping[str, ViewportSize] = {"phone": PHONE, "desktop": DESKTOP}


def require(condition: bool, problem: str) -> None:
    """A missing browser tool skips locally and fails in CI, like a missing PostgreSQL."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{problem} (CI=true: browser tests are required, never skipped)")
    pytest.skip(problem)


def birth_year_for(age: int) -> int:
    """The birth year a resident `age` or `age` + 1 years old gives at the local sign-in
    (which takes 1 July of that year as the birthday)."""
    return datetime.now(UTC).year - age - 1


def birth_date_aged(age: int) -> date:
    """A birth date (1 January) that makes someone exactly `age` years old all year."""
    return date(datetime.now(UTC).year - age, 1, 1)


# ---- a server on a loopback port ------------------------------------------------------------

def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Served:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def caught_up(api: FastAPI, app: Medborgarbudget) -> ReadModelStore:
    """Waits until the service's read models include every event stored so far (bounded: the
    follower folds a test's history within seconds); the read models' store."""
    store: ReadModelStore = api.state.read_models.store
    head = app.recorder.max_notification_id() or 0
    for _ in range(3000):
        if store.position() >= head:
            break
        time.sleep(0.01)
    assert store.position() >= head
    return store


def serve(asgi: Any) -> Served:
    """Run an ASGI app with uvicorn in a thread on a free loopback port; return once it
    accepts connections."""
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:  # bounded polling for readiness, nothing else
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.02)
    return Served(f"http://127.0.0.1:{port}", server, thread)


@contextmanager
def serving(settings: Settings, app: Medborgarbudget, **options: Any) -> Iterator[LiveService]:
    """The service of `app` (API and residents' pages; `options` go to `create_app`) on a
    loopback port once its read models hold every event stored so far; stopped afterwards."""
    api = create_app(settings, app=app, **options)
    caught_up(api, app)
    served = serve(api)
    try:
        yield LiveService(served.url, api, app)
    finally:
        served.stop()


@dataclass
class LiveService:
    """The whole service (API and residents' pages) on a loopback port, and the application
    behind it, which a test reads to see how far the event log goes."""

    url: str
    api: FastAPI
    app: Medborgarbudget

    def stored(self) -> int:
        """Position of the last event in the store (0 when empty)."""
        return self.app.recorder.max_notification_id() or 0

    def caught_up(self) -> ReadModelStore:
        """The read models' store once it holds every event stored so far (bounded wait)."""
        return caught_up(self.api, self.app)

    @property
    def tokens(self) -> TokenVerifier:
        verifier: TokenVerifier = self.api.state.tokens
        return verifier

    def staff(self, role: Role, method: str, path: str, json: Any = None,
              status: int = 200) -> dict[str, Any]:
        """A request from the municipality's staff over HTTP; its JSON answer."""
        token = self.tokens.mint(role, f"e2e-{role.value}", 600)
        response = httpx.request(method, f"{self.url}{API}{path}", json=json, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, f"{method} {path}: {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def fire(self, cycle_id: str, trigger: str) -> dict[str, Any]:
        return self.staff(Role.ADMIN, "POST", f"/cycles/{cycle_id}/transitions",
                          {"trigger": trigger, "reason": f"e2e: {trigger}"})

    def review(self, proposal_id: str, official_cost: int) -> dict[str, Any]:
        return self.staff(Role.REVIEWER, "POST", f"/proposals/{proposal_id}/review",
                          {"feasible": True, "official_cost": official_cost})


# ---- the browser -------------------------------------------------------------------------

NewPage = Callable[..., Page]


def watch_content_security_policy(page: Page, violations: list[str]) -> None:
    """Adds to `violations` every Content-Security-Policy violation Chromium reports on the page
    (an inline script, event handler or style attribute that the service's policy blocked), as
    it reports them: in the console."""

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url')}: {message.text}")

    page.on("console", on_console)


def open_context(browser: Browser, base_url: str | None = None, *, javascript: bool = True,
                 viewport: ViewportSize = DESKTOP, timeout: float = 15_000,
                 violations: list[str] | None = None, **options: Any) -> BrowserContext:
    """A fresh browser context (its own cookies) in Swedish, with JavaScript or without;
    `violations` (when given) collects what its pages break of the Content-Security-Policy.
    `options` go to Playwright's `new_context`."""
    context = browser.new_context(base_url=base_url, locale="sv-SE", viewport=viewport,
                                  java_script_enabled=javascript, **options)
    context.set_default_timeout(timeout)
    if violations is not None:
        watched = violations
        context.on("page", lambda page: watch_content_security_policy(page, watched))
    return context


class BrowserPages:
    """Opens pages of one site, each in a fresh browser context (`open_context`), and closes
    them all at the end, when no page may have broken the Content-Security-Policy."""

    def __init__(self, browser: Browser, base_url: str, **defaults: Any) -> None:
        self.browser, self.base_url, self.defaults = browser, base_url, defaults
        self.contexts: list[BrowserContext] = []
        self.violations: list[str] = []

    def open(self, javascript: bool = True, **options: Any) -> Page:
        context = open_context(self.browser, self.base_url, javascript=javascript,
                               violations=self.violations, **{**self.defaults, **options})
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        assert not self.violations, "\n".join(self.violations)


def navigate(page: Page, action: Callable[[], object]) -> int:
    """Do what makes the page navigate; the HTTP status of the page it lands on."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response.status


def lang_query(lang: str, first: bool = True) -> str:
    """What asks for the page in `lang` at the end of its address (Swedish is the pages'
    default): `?lang=en`, or `&lang=en` after a query that is `first` no longer."""
    return "" if lang == "sv" else ("?" if first else "&") + f"lang={lang}"


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the layout viewport (0 or less: none): not
    `window.innerWidth`, which a phone's emulation widens to a page that is too wide."""
    overflow: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return overflow


def with_lang(path: str, lang: str) -> str:
    """`path` in language `lang`."""
    return path + lang_query(lang, "?" not in path)


def screenshot(page: Page, path: Path) -> None:
    """A full-page screenshot for a person to look at. Chromium on a loaded CI machine sometimes
    answers "Unable to capture screenshot" once; the picture is not what the test checks, so it
    tries a second time before failing."""
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_timeout(500)
        page.screenshot(path=str(path), full_page=True)


class Screenshots:
    """Numbered full-page screenshots of one test's steps (git-ignored)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for old in SCREENSHOTS.glob(f"{prefix}-*.png"):
            old.unlink()

    def take(self, page: Page, step: str) -> None:
        self.count += 1
        screenshot(page, SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{step}.png")


class CheckedStates:
    """The states a test takes a page through, each checked as it is reached (`check`): the
    page speaks the test's language, a numbered screenshot is taken and what axe-core finds is
    kept; `assert_accessible`, at the end: axe-core found nothing in any of them."""

    def __init__(self, page: Page, prefix: str, lang: str) -> None:
        self.page, self.lang = page, lang
        self.shots = Screenshots(prefix)
        self.found: dict[str, list[str]] = {}

    def check(self, state: str) -> None:
        assert state not in self.found, f"{state}: checked twice"
        assert self.page.locator("html").get_attribute("lang") == self.lang, (
            f"{state}: wrong language")
        self.found[state] = axe_violations(self.page)
        self.shots.take(self.page, state)

    def assert_accessible(self) -> None:
        assert {state: found for state, found in self.found.items() if found} == {}


def preload_axe(context: BrowserContext) -> None:
    """Loads axe-core into every page of `context` as it opens (through the debugging protocol,
    like `axe_violations`), so a test that checks many pages does not evaluate it page by page."""
    require(AXE_SCRIPT.exists(), f"axe-core is not installed at {AXE_SCRIPT}")
    context.add_init_script(path=str(AXE_SCRIPT))


def axe_violations(page: Page) -> list[str]:
    """What axe-core finds on the page (WCAG 2.x A and AA and the best practices), of any
    impact, one line per node."""
    require(AXE_SCRIPT.exists(), f"axe-core is not installed at {AXE_SCRIPT}")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the browser's debugging protocol, which the page's
        # Content-Security-Policy does not govern: a <script> tag added to the page (Playwright's
        # add_script_tag) would be an inline script, and refused.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations;
        }""", AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {' '.join(node['target'])}: "
            f"{node.get('failureSummary', '')}"
            for v in violations for node in v["nodes"]]


# ---- budget cycles ------------------------------------------------------------------------

AREAS: tuple[Mapping[str, Any], ...] = (
    {"id": "norr", "name": "Planeringsområde Norr", "kind": "territorial", "budget": 100_000,
     "eligibility": {"residence": "norr"}},  # the cycle's rule: approval, 1 to 2 choices
    {"id": "unga", "name": "Unga 13\u201325 år", "kind": "group", "budget": 100_000,
     "eligibility": {"min_age": 13, "max_age": 25},
     "voting_rule": {"kind": "knapsack", "min_choices": 1}},
    {"id": "kultur", "name": "Kultur och fritid", "kind": "theme", "budget": 100_000,
     "voting_rule": {"kind": "cumulative", "min_choices": 1, "max_points_per_project": 3,
                     "max_total_points": 5}},
    {"id": "idrott", "name": "Idrott och motion", "kind": "theme", "budget": 200_000,
     "voting_rule": {"kind": "ranked", "min_choices": 1, "max_choices": 3}},
)
AREA_NAMES = {str(a["id"]): str(a["name"]) for a in AREAS}
APPROVAL_RULE = {"kind": "approval", "min_choices": 1, "max_choices": 2}

# area -> (title, cost) of the ideas the cycle starts with, all found feasible at that cost
IDEAS: Mapping[str, tuple[tuple[str, int], ...]] = {
    "norr": (("Utegym vid sjön", 60_000), ("Belysning längs ån", 30_000),
             ("Blomsterängar i parken", 20_000)),
    "unga": (("Ungdomscafé på fredagar", 60_000), ("Graffitivägg vid stationen", 30_000),
             ("Musikstudio i Folkets hus", 50_000)),
    "kultur": (("Konserter i parken", 40_000), ("Bokcirkel på biblioteket", 10_000),
               ("Teaterworkshop för alla", 30_000)),
    "idrott": (("Pumptrack vid skolan", 80_000), ("Boulebana i centrum", 20_000),
               ("Padelbana vid hallen", 70_000), ("Skatepark vid stationen", 90_000)),
}


@dataclass
class CycleUnderTest:
    id: str
    name: str
    proposals: dict[str, str] = field(default_factory=dict)  # title -> proposal id

    def proposal_id(self, title: str) -> str:
        return self.proposals[title]


def create_cycle(service: LiveService, name: str, *, allow_ballot_changes: bool = False,
                 ) -> CycleUnderTest:
    """A cycle collecting ideas, with one area for each kind of ballot and the ideas above."""
    app = service.app
    cycle_id = app.create_cycle(name, "Testby kommun", ADMIN)
    app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 7/2026", ADMIN)
    for area_config in AREAS:
        app.add_area(cycle_id, area_config, ADMIN)
    app.set_voting_rule(cycle_id, APPROVAL_RULE, ADMIN,
                        allow_ballot_changes=allow_ballot_changes)
    app.set_allocation_rule(cycle_id, "greedy", ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut i kommunfullmäktige")
    cycle = CycleUnderTest(str(cycle_id), name)
    for area, ideas in IDEAS.items():
        for number, (title, cost) in enumerate(ideas):
            proposal = app.submit_proposal(cycle_id, area, title, f"Förslaget: {title}.", cost,
                                           "test", f"proposer-{area}-{number}")
            cycle.proposals[title] = str(proposal)
    return cycle


def cycle_in_voting(service: LiveService, name: str, *, allow_ballot_changes: bool = False,
                    ) -> CycleUnderTest:
    """A cycle whose ideas are all reviewed feasible, open for voting."""
    cycle = create_cycle(service, name, allow_ballot_changes=allow_ballot_changes)
    app = service.app
    app.trigger(cycle.id, "close_ideas", ADMIN, "Idéinsamlingen är slut")
    costs = {title: cost for ideas in IDEAS.values() for title, cost in ideas}
    for title, proposal_id in cycle.proposals.items():
        app.review_proposal(proposal_id, True, costs[title], "", REVIEWER)
    app.trigger(cycle.id, "open_voting", ADMIN, "Alla förslag är prövade")
    return cycle


def unique(name: str) -> str:
    return f"{name} {secrets.token_hex(3)}"


def voter_on_a_new_cycle(service: LiveService, new_page: NewPage, cycle_name: str, name: str,
                         born: int, lang: str = "sv", javascript: bool = True,
                         ) -> tuple[CycleUnderTest, Page]:
    """A fresh cycle in voting, and a browser with `name` (born `born`, of Norr) signed in."""
    cycle = cycle_in_voting(service, unique(cycle_name))
    page = new_page(javascript=javascript)
    sign_in_locally(page, name, born, lang=lang)
    return cycle, page


# ---- signing in ---------------------------------------------------------------------------

def sign_in_locally(page: Page, name: str, birth_year: int, residence: str = "norr",
                    next_path: str = "/", lang: str = "sv") -> None:
    """The local test sign-in, as a resident fills it in."""
    query = urlencode({"next": next_path, **({"lang": lang} if lang != "sv" else {})})
    page.goto(f"/sign-in?{query}")
    page.fill("#name", name)
    page.fill("#birth_year", str(birth_year))
    page.select_option("#residence", residence)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


# ---- a fake identity provider -------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    claims: dict[str, Any]


@dataclass
class FakeIdentityProvider:
    """OpenID Connect with the authorization code flow and PKCE (S256), as a municipality's
    e-ID broker offers it: /.well-known/openid-configuration, /authorize, /token, /jwks and
    /userinfo. /authorize signs in `next_claims` at once (no login page) and redirects back.

    Every check a real provider makes on the client is made here, and recorded."""

    client_id: str
    client_secret: str
    next_claims: dict[str, Any]
    url: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    grants: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    challenges_seen: list[str] = field(default_factory=list)
    verified_codes: list[str] = field(default_factory=list)
    jwks_requests: int = 0

    def metadata(self, _: Request) -> Response:
        return JSONResponse({
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "profile"],
        })

    def authorize(self, request: Request) -> Response:
        query = request.query_params
        problems = []
        if query.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if query.get("response_type") != "code":
            problems.append("response_type must be code")
        if "openid" not in (query.get("scope") or "").split():
            problems.append("scope must include openid")
        if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            problems.append("PKCE with code_challenge_method=S256 is required")
        if not query.get("redirect_uri") or not query.get("state"):
            problems.append("redirect_uri and state are required")
        if problems:
            return JSONResponse({"error": "invalid_request",
                                 "error_description": "; ".join(problems)}, status_code=400)
        code = secrets.token_urlsafe(24)
        self.challenges_seen.append(query["code_challenge"])
        self.grants[code] = Grant(self.client_id, query["redirect_uri"],
                                  query["code_challenge"], query.get("nonce"),
                                  dict(self.next_claims))
        back = urlencode({"code": code, "state": query["state"]})
        return RedirectResponse(f"{query['redirect_uri']}?{back}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.pop(str(form.get("code", "")), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        if _b64url(hashlib.sha256(verifier.encode("ascii")).digest()) != grant.challenge:
            return JSONResponse({"error": "invalid_grant",
                                 "error_description": "PKCE verification failed"},
                                status_code=400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.verified_codes.append(grant.challenge)
        now = int(time.time())
        claims = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "auth_time": now, **grant.claims}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(24)
        self.access[access_token] = grant.claims
        return JSONResponse({"access_token": access_token, "token_type": "Bearer",
                             "expires_in": 300, "scope": "openid profile",
                             "id_token": id_token})

    def jwks(self, _: Request) -> Response:
        self.jwks_requests += 1
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": self.kid, "use": "sig",
                                       "alg": "RS256"}]})

    def userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        claims = self.access.get(token)
        if claims is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(claims)

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.metadata),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
            Route("/userinfo", self.userinfo),
        ])
