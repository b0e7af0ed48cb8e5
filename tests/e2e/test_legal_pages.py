"""The accessibility statement (DOS-lagen, DIGG's model) and the privacy notice: in Swedish and
English, naming the municipality and its contact address from configuration, and linked from
every page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import (
    CONTACT_EMAIL_ENV,
    MUNICIPALITY_ENV,
    PROTECTION_OFFICER_ENV,
    ConfigurationError,
    Publisher,
    Settings,
)

ACCESSIBILITY, PRIVACY = "/tillganglighetsredogorelse", "/personuppgifter"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv(MUNICIPALITY_ENV, "Nässjö kommun")
    monkeypatch.setenv(CONTACT_EMAIL_ENV, "medborgarbudget@nassjo.example")
    monkeypatch.setenv(PROTECTION_OFFICER_ENV, "dataskyddsombud@nassjo.example")
    with TestClient(create_app(Settings(tmp_path / "data"))) as client:
        yield client


def test_the_accessibility_statement_follows_diggs_model(client: TestClient) -> None:
    swedish = client.get(ACCESSIBILITY)
    assert swedish.status_code == 200
    html = swedish.text
    assert '<html lang="sv">' in html
    for part in ("Tillgänglighetsredogörelse", "Nässjö kommun", "DOS-lagen",
                 "Hur tillgänglig är tjänsten?", "Innehåll som inte är tillgängligt",
                 "Rapportera brister", "Myndigheten för digital förvaltning (DIGG)",
                 "https://www.digg.se/", "axe-core", "tangentbordet", "30 nov. 2026",
                 "mailto:medborgarbudget@nassjo.example", "(WCAG) 2.1 på nivå AA"):
        assert part in html, part
    english = client.get(ACCESSIBILITY, params={"lang": "en"}).text
    assert '<html lang="en">' in english
    for part in ("Accessibility statement", "Agency for Digital Government", "keyboard",
                 "30 Nov 2026", "Nässjö kommun"):
        assert part in english, part


def test_the_privacy_notice_names_the_controller_and_imy(client: TestClient) -> None:
    html = client.get(PRIVACY).text
    for part in ("Så behandlar vi personuppgifter", "Nässjö kommun är personuppgiftsansvarig",
                 "pseudonym", "Ditt personnummer sparas inte", "Kakor", "8 timmar",
                 "artikel 6.1 e", "Integritetsskyddsmyndigheten (IMY)", "https://www.imy.se/",
                 "mailto:dataskyddsombud@nassjo.example", "registerutdrag", "Valhemligheten",
                 "Ett mejl som tjänsten skickar till dig sparas i 30 dagar"):
        assert part in html, part
    english = client.get(PRIVACY, params={"lang": "en"}).text
    for part in ("How we process personal data", "Nässjö kommun is the controller",
                 "Swedish Authority for Privacy Protection", "Your rights",
                 "kept for 30 days after it was sent"):
        assert part in english, part


@pytest.mark.parametrize("path", ["/", "/sign-in", ACCESSIBILITY, PRIVACY,
                                  "/cycles/00000000-0000-4000-8000-000000000000"])
def test_every_page_links_to_both(client: TestClient, path: str) -> None:
    for lang, query in (("sv", ""), ("en", "?lang=en")):
        html = client.get(path + query).text
        assert f'href="{ACCESSIBILITY}{query}"' in html, (path, lang)
        assert f'href="{PRIVACY}{query}"' in html, (path, lang)


def test_without_configuration_the_pages_still_say_whom_to_contact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (MUNICIPALITY_ENV, CONTACT_EMAIL_ENV, PROTECTION_OFFICER_ENV):
        monkeypatch.delenv(name, raising=False)
    with TestClient(create_app(Settings(tmp_path / "data"))) as client:
        html = client.get(ACCESSIBILITY).text
        english = client.get(PRIVACY, params={"lang": "en"}).text
    assert "Kommunen står bakom den här tjänsten" in html
    assert "Kontakta kommunens kontaktcenter" in html
    assert "mailto:medborgarbudget" not in html
    assert "The municipality is the controller" in english


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "x@y.se<script>", "a b@c.se",
                                     "javascript:alert(1)@x.se\"", "@example.se"])
def test_a_contact_address_that_is_not_one_is_refused_at_start(address: str) -> None:
    with pytest.raises(ConfigurationError, match=CONTACT_EMAIL_ENV):
        Publisher.from_env({CONTACT_EMAIL_ENV: address})
    assert Publisher.from_env({}).municipality is None
    assert Publisher.from_env({MUNICIPALITY_ENV: " Nässjö kommun "}).municipality == \
        "Nässjö kommun"
