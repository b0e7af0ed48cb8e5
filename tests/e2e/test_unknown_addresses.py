"""An address of no route: a resident's browser is shown the site's own page that says so (with
its links back), a program gets the problem document, and an API address is always answered
as the API answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(tmp_path / "data"))) as client:
        yield client


@pytest.mark.parametrize(("lang", "heading"), [("sv", "Sidan hittades inte"),
                                                ("en", "Page not found")])
def test_a_browser_is_shown_the_page_not_found(client: TestClient, lang: str,
                                               heading: str) -> None:
    answer = client.get(f"/cykler/nasta?lang={lang}", headers=BROWSER)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in answer.text
    assert f"<h1>{heading}</h1>" in answer.text
    assert f"<title>{heading} \u2013" in answer.text


@pytest.mark.parametrize("headers", [{}, {"Accept": "application/json"}, BROWSER])
def test_an_api_address_or_a_program_gets_the_problem_document(client: TestClient,
                                                                headers: dict[str, str]) -> None:
    paths = ["/api/v1/no-such-thing"] + (["/cykler/nasta"] if headers is not BROWSER else [])
    for path in paths:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json", path
        assert answer.json()["title"] == "Not found"


def test_a_wrong_method_is_still_a_problem_document(client: TestClient) -> None:
    answer = client.delete("/tillganglighetsredogorelse", headers=BROWSER)
    assert answer.status_code == 405
    assert answer.headers["content-type"] == "application/problem+json"
