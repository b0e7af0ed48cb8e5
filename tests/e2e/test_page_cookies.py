"""Reading the public pages starts no session: an anonymous visitor gets no cookie. A page with
a form (signing in, proposing, voting) does need one, for the form's CSRF token. A page built
once for all its readers of the moment still shows each reader only their own account corner."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from domain.phases import Phase
from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from service.demo import run_demo


@pytest.fixture
def client(settings: Settings, app: Medborgarbudget) -> Iterator[TestClient]:
    with TestClient(create_app(settings, app=app, follow=True)) as test_client:
        yield test_client


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
