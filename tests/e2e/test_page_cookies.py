"""Reading the public pages starts no session: an anonymous visitor gets no cookie. A page with
a form (signing in, proposing, voting) does need one, for the form's CSRF token."""

from __future__ import annotations

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
