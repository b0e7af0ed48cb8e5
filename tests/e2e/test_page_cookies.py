"""Reading the public pages starts no session: an anonymous visitor gets no cookie. A page with
a form (signing in, proposing, voting) does need one, for the form's CSRF token. A page built
once for all its readers of the moment still shows each reader only their own account corner.

The cookie carries the session encrypted: nothing in it, decoded however, names the resident.
Signing out ends the session in the store, so a copy of the cookie taken before is refused, by
every worker. The cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS or when configured.
The test sign-in exists only when asked for (`serve --demo`, MEDBORGARBUDGET_TEST_SIGN_IN), and
then every page says so. Every response carries the security headers; /docs loads nothing from
another host."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from domain.phases import Phase
from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import run_demo
from service.web.session import SECURE_COOKIES_ENV, SESSION_COOKIE
from service.web.sign_in_mode import TEST_SIGN_IN_ENV
from tests.e2e.api_client import PROBLEM

BANNER = {"sv": "Testinloggning — inte för riktiga val",
          "en": "Test sign-in — not for real elections"}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data: https://tile.openstreetmap.org; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.fixture
def client(settings: Settings, app: Medborgarbudget) -> Iterator[TestClient]:
    """The pages with the test sign-in on (as `serve --demo` has them)."""
    with TestClient(create_app(settings, app=app, follow=True, test_sign_in=True)) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _no_sign_in_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test says itself how residents sign in."""
    for name in (TEST_SIGN_IN_ENV, SECURE_COOKIES_ENV, "MEDBORGARBUDGET_OIDC_ISSUER",
                 "MEDBORGARBUDGET_OIDC_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)


def test_reading_pages_sets_no_cookie_and_a_form_does(client: TestClient,
                                                      app: Medborgarbudget) -> None:
    demo = run_demo(app, stop_in=Phase.VOTING)
    position = app.recorder.max_notification_id()
    proposal = next(iter(app.proposals(demo.cycle_id))).id
    for path in ("/", f"/cycles/{demo.cycle_id}", f"/cycles/{demo.cycle_id}/proposals",
                 f"/proposals/{proposal}", f"/cycles/{demo.cycle_id}/results", "/?lang=en"):
        page = client.get(path, params={"position": position})
        assert page.status_code == 200, (path, page.text)
        assert "set-cookie" not in page.headers, path
        assert not client.cookies, path

    sign_in = client.get("/sign-in")
    assert sign_in.status_code == 200
    assert "set-cookie" in sign_in.headers
    token = client.cookies.get("medborgarbudget_session")
    assert token, "the sign-in form needs a session for its CSRF token"


def csrf_in(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: TestClient, name: str, residence: str) -> None:
    """Signs `client` in with the local sign-in form."""
    form = {"csrf": csrf_in(client.get("/sign-in").text), "name": name, "birth_year": "1980",
            "residence": residence}
    answer = client.post("/sign-in/local", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def test_a_shared_page_shows_each_reader_only_their_own_corner(client: TestClient,
                                                                app: Medborgarbudget) -> None:
    demo = run_demo(app, stop_in=Phase.VOTING)
    page = f"/cycles/{demo.cycle_id}"
    position = app.recorder.max_notification_id()
    anonymous = client.get(page, params={"position": position}).text  # built for everyone
    assert "Logga in" in anonymous and 'name="csrf"' not in anonymous

    sign_in(client, "Alva Berg", "norr")
    mine = client.get(page).text  # the same second: the shared page, with Alva's corner
    assert "Inloggad som Alva Berg" in mine and mine.count('name="csrf"') == 1
    csrf = csrf_in(mine)
    assert csrf == csrf_in(client.get("/sign-in").text), "the corner carries this session's token"
    assert mine.replace(mine[mine.index('<nav class="account"'):mine.index("</nav>")], "") \
        == anonymous.replace(anonymous[anonymous.index('<nav class="account"'):
                                       anonymous.index("</nav>")], ""), "only the corner differs"

    built_for_her = client.get(f"{page}/proposals").text  # first read of this page: hers
    assert "Inloggad som Alva Berg" in built_for_her

    client.cookies.clear()
    assert "Alva Berg" not in client.get(f"{page}/proposals").text
    after = client.get(page).text
    assert "Alva Berg" not in after and csrf not in after
    assert 'name="csrf"' not in after
    assert after == anonymous


def signed_in_as(client: TestClient) -> str | None:
    """The name in the page header's account corner, or None when signed out."""
    found = re.search(r"Inloggad som ([^<]+)</span>", client.get("/sign-in").text)
    return found.group(1) if found else None


# ---- the session cookie -------------------------------------------------------------------

def test_a_copy_of_the_cookie_is_refused_after_signing_out(client: TestClient,
                                                           app: Medborgarbudget) -> None:
    run_demo(app, stop_in=Phase.VOTING)
    sign_in(client, "Alva Berg", "norr")
    assert signed_in_as(client) == "Alva Berg"
    copy = client.cookies.get(SESSION_COOKIE)
    assert copy

    csrf = csrf_in(client.get("/sign-in").text)
    out = client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert f"{SESSION_COOKIE}=;" in out.headers["set-cookie"]  # the browser drops it
    assert signed_in_as(client) is None

    # The copy replayed, e.g. by the next person at a library computer: no session at all.
    replayed = {"cookie": f"{SESSION_COOKIE}={copy}"}
    client.cookies.clear()
    page = client.get("/sign-in", headers=replayed)
    assert "Alva Berg" not in page.text and "Inloggad som" not in page.text
    assert csrf not in page.text
    client.cookies.clear()
    refused = client.post("/sign-out", data={"csrf": csrf}, headers=replayed,
                          follow_redirects=False)
    assert refused.status_code == 403  # its CSRF token went with it


def test_signing_out_in_one_worker_ends_the_session_in_another(settings: Settings,
                                                               app: Medborgarbudget) -> None:
    """Two apps on the same store and keys, as two worker processes of one deployment are."""
    run_demo(app, stop_in=Phase.VOTING)
    with TestClient(create_app(settings, app=app, follow=True, test_sign_in=True)) as first, \
            TestClient(create_app(settings, follow=False, test_sign_in=True)) as second:
        sign_in(first, "Alva Berg", "norr")
        copy = first.cookies.get(SESSION_COOKIE)
        assert copy
        second.cookies.set(SESSION_COOKIE, copy)
        assert signed_in_as(second) == "Alva Berg"  # the other worker accepts the session

        csrf = csrf_in(first.get("/sign-in").text)
        assert first.post("/sign-out", data={"csrf": csrf},
                          follow_redirects=False).status_code == 303
        assert signed_in_as(second) is None


def _decodings(value: str) -> list[bytes]:
    """The cookie's value as it is, and decoded as base64 (standard and URL-safe) from every
    starting offset, as someone trying to read it would."""
    found = [value.encode()]
    for start in range(4):
        part = value[start:]
        part += "=" * (-len(part) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                found.append(decode(part))
            except (binascii.Error, ValueError):
                continue
    return found


def test_the_cookie_carries_no_personal_data(client: TestClient, app: Medborgarbudget) -> None:
    run_demo(app, stop_in=Phase.VOTING)
    name = "Ingegerd Sjöbergsdotter"
    sign_in(client, name, "norr")
    assert signed_in_as(client) == name
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    decodings = _decodings(value)
    assert len(decodings) > 1, "the cookie should be base64: it was not decoded at all"
    personal = [name, name.casefold(), f"local:{name.casefold()}", "1980-07-01", "Ingegerd",
                "Sjöbergsdotter", "subject", "birth_date", "resident"]
    for decoded in decodings:
        for secret in personal:
            for encoding in ("utf-8", "latin-1", "utf-16-le"):
                try:
                    needle = secret.encode(encoding)
                except UnicodeEncodeError:
                    continue
                assert needle not in decoded, (secret, encoding)


def test_the_cookie_is_http_only_same_site_lax_and_secure_over_https(
        settings: Settings, app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    def session_cookie(test_client: TestClient) -> list[str]:
        header = test_client.get("/sign-in").headers["set-cookie"]
        assert header.startswith(f"{SESSION_COOKIE}="), header
        return [part.strip().lower() for part in header.split(";")]

    with TestClient(create_app(settings, app=app, test_sign_in=True)) as plain:
        attributes = session_cookie(plain)
        assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)
        assert "secure" not in attributes  # plain HTTP (a local trial): a Secure cookie is lost
    with TestClient(create_app(settings, app=app, test_sign_in=True),
                    base_url="https://testserver") as over_tls:
        assert {"httponly", "samesite=lax", "secure"} <= set(session_cookie(over_tls))
    monkeypatch.setenv(SECURE_COOKIES_ENV, "true")
    with TestClient(create_app(settings, app=app, test_sign_in=True)) as forced:
        assert {"httponly", "samesite=lax", "secure"} <= set(session_cookie(forced))


# ---- the test sign-in only when asked for ----------------------------------------------------

def test_without_the_test_sign_in_nobody_can_sign_in_by_typing_a_name(
        settings: Settings, app: Medborgarbudget) -> None:
    run_demo(app, stop_in=Phase.VOTING)
    with TestClient(create_app(settings, app=app, follow=True)) as client:
        for lang, says in (("sv", "ingen är ännu konfigurerad"), ("en", "none is configured")):
            page = client.get("/sign-in", params={"lang": lang})
            assert page.status_code == 200
            assert says in page.text and "identit" in page.text
            assert "<form" not in page.text.split('<main', 1)[1]
            assert BANNER[lang] not in page.text
            assert "set-cookie" not in page.headers  # no form, no session
        before = app.recorder.max_notification_id()
        refused = client.post("/sign-in/local", data={
            "csrf": "x", "name": "Falsk", "birth_year": "1980", "residence": "norr"},
            follow_redirects=False)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert "set-cookie" not in refused.headers
        assert app.recorder.max_notification_id() == before
        assert signed_in_as(client) is None


def test_the_setting_turns_the_test_sign_in_on_and_every_page_says_so(
        settings: Settings, app: Medborgarbudget, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = run_demo(app, stop_in=Phase.VOTING)
    position = app.recorder.max_notification_id()
    monkeypatch.setenv(TEST_SIGN_IN_ENV, "true")
    with TestClient(create_app(settings, app=app, follow=True)) as client:
        assert 'action="/sign-in/local"' in client.get("/sign-in").text
        proposal = next(iter(app.proposals(demo.cycle_id))).id
        pages = ("/", f"/cycles/{demo.cycle_id}", f"/cycles/{demo.cycle_id}/proposals",
                 f"/proposals/{proposal}", f"/cycles/{demo.cycle_id}/results", "/sign-in",
                 "/cycles/00000000-0000-4000-8000-000000000000")
        for lang in ("sv", "en"):
            for path in pages:
                page = client.get(path, params={"position": position, "lang": lang})
                assert page.status_code in (200, 404), path
                assert BANNER[lang] in page.text, (path, lang)
        sign_in(client, "Alva Berg", "norr")
        assert BANNER["sv"] in client.get(f"/cycles/{demo.cycle_id}/vote").text


# ---- security headers and the API docs ---------------------------------------------------------

def test_every_response_carries_the_security_headers(client: TestClient,
                                                     app: Medborgarbudget) -> None:
    demo = run_demo(app, stop_in=Phase.VOTING)
    position = app.recorder.max_notification_id()
    answers = {
        "page": client.get("/", params={"position": position}),
        "sign-in form": client.get("/sign-in"),
        "page not found": client.get("/cycles/00000000-0000-4000-8000-000000000000"),
        "asset": client.get("/static/style.css"),
        "API": client.get("/api/v1/cycles"),
        "API refusal": client.post(f"/api/v1/cycles/{demo.cycle_id}/ballots", json={}),
        "body too large": client.post("/sign-in/local", content=b"a=" + b"b" * 1_000_001,
                                      headers={"content-type":
                                               "application/x-www-form-urlencoded"}),
        "docs": client.get("/docs"),
        "OpenAPI": client.get("/openapi.json"),
    }
    assert answers["body too large"].status_code == 413
    for what, answer in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (what, name)


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.found.append(value)
            assert not name.startswith("on") and name != "style", (tag, name)
        self._in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def test_the_api_docs_load_nothing_from_another_host(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    references = _References()
    references.feed(page.text)
    assert references.found, page.text
    assert references.inline_scripts == 0
    assert "//" not in page.text, "no address of another host (nor a protocol-relative one)"
    for reference in references.found:
        assert reference.startswith("/") and not reference.startswith("//"), reference
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert len(asset.content) > 0
    assert client.get("/redoc").status_code == 404  # FastAPI's ReDoc page loaded a CDN's script
