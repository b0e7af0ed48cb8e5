"""The pages a municipality publishes, over HTTP on SQLite and PostgreSQL: open cycles first on
the home page, the results' words (votes called votes, reasons as sentences), and the
municipality's name, logo and colours from configuration (ADR 0027)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from domain.phases import Phase
from service.api.app import create_app
from service.application import Medborgarbudget
from service.config import Settings
from tests.e2e.api_client import Api
from tests.integration.builders import drive, stored


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_the_home_page_lists_open_cycles_first_and_closed_ones_last(api: Api) -> None:
    # Made in the order a municipality's history has them: the oldest, closed, first.
    closed = drive(api.app, Phase.CLOSED).cycle_id
    review = drive(api.app, Phase.REVIEW, prepared=False).cycle_id
    ideas = drive(api.app, Phase.IDEAS, prepared=False).cycle_id
    voting = drive(api.app, Phase.VOTING, prepared=False).cycle_id
    for lang in ("sv", "en"):
        page = api.client.get("/", params={"position": api.stored(), "lang": lang}).text
        places = [page.index(f'href="/cycles/{cycle}') for cycle in (voting, ideas, review,
                                                                       closed)]
        assert places == sorted(places), "voting, collecting ideas, review, then closed"


def _cells(page: str, column: int) -> list[str]:
    """The text of one column of every results table's rows."""
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", page, re.S)
    return [re.sub(r"<[^>]+>", "", re.split(r"</?t[hd][^>]*>", row)[column * 2]).strip()
            for row in rows]


def test_results_call_approval_votes_votes_and_give_each_reason_as_a_sentence(
        api: Api) -> None:
    built = drive(api.app, Phase.RESULTS)
    position = api.stored()
    swedish = api.client.get(f"/cycles/{built.cycle_id}/results",
                             params={"position": position}).text
    english = api.client.get(f"/cycles/{built.cycle_id}/results",
                             params={"position": position, "lang": "en"}).text
    assert '<th scope="col">Röster</th>' in swedish and "Poäng" not in swedish
    assert '<th scope="col">Votes</th>' in english and "Score" not in english
    for page in (swedish, english):
        reasons = _cells(page, 4)
        assert reasons, "a reason for every proposal"
        for reason in reasons:
            assert reason[0].isupper() and reason.endswith("."), reason
    proposal = next(iter(built.proposals.values()))
    page = api.client.get(f"/proposals/{proposal}", params={"position": position}).text
    assert "Röster: " in page and "Poäng" not in page


def test_the_municipalitys_name_logo_and_colours_come_from_configuration(
        settings: Settings, app: Medborgarbudget, tmp_path: Path) -> None:
    logo = tmp_path / "vapen.svg"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/>")
    branded = Settings(settings.data_dir, settings.database_url, brand_colour="#7a1f3d",
                       logo=str(logo), municipality="Nässjö kommun", map_tiles="off")
    with TestClient(create_app(branded, app=app, follow=True)) as client:
        home = client.get("/")
        assert '<link rel="stylesheet" href="/brand.css">' in home.text
        assert '<img class="logo" src="/brand/logo" alt="">' in home.text
        assert '<span class="municipality">Nässjö kommun</span>' in home.text
        css = client.get("/brand.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert "--brand: #7a1f3d" in css.text
        served = client.get("/brand/logo")
        assert served.status_code == 200 and served.headers["content-type"] == "image/svg+xml"
        assert "img-src 'self' data:;" in home.headers["content-security-policy"]
    remote = Settings(settings.data_dir, settings.database_url,
                      logo="https://www.nassjo.se/vapen.svg", map_tiles="off")
    with TestClient(create_app(remote, app=app, follow=True)) as client:
        home = client.get("/")
        assert 'src="https://www.nassjo.se/vapen.svg"' in home.text
        assert "img-src 'self' data: https://www.nassjo.se;" in \
            home.headers["content-security-policy"]
        assert client.get("/brand/logo").status_code == 404
        # Unbranded colours are the service's own.
        assert "--brand: #0b4f8a" in client.get("/brand.css").text
    # With the map's tiles too, images may come from both hosts and no other.
    both = Settings(settings.data_dir, settings.database_url,
                    logo="https://www.nassjo.se/vapen.svg",
                    map_tiles="https://kartor.nassjo.se/{z}/{x}/{y}.png")
    with TestClient(create_app(both, app=app, follow=True)) as client:
        assert "img-src 'self' data: https://www.nassjo.se https://kartor.nassjo.se;" in \
            client.get("/").headers["content-security-policy"]


def test_a_ballot_posted_for_an_area_closed_to_the_resident_is_refused_in_their_words(
        settings: Settings, app: Medborgarbudget) -> None:
    built = drive(app, Phase.VOTING, prepared=False)
    cafe = str(built.proposals["Ungdomscafé"])
    with TestClient(create_app(settings, app=app, follow=True, test_sign_in=True)) as client:
        page = client.get("/sign-in")
        signed_in = client.post("/sign-in/local", follow_redirects=False, data={
            "csrf": _csrf(page.text), "name": "Vuxen i Norr", "birth_year": "1970",
            "residence": "norr", "lang": "sv"})
        assert signed_in.status_code == 303
        csrf = _csrf(client.get(f"/cycles/{built.cycle_id}/vote/norr").text)
        before = stored(app)
        # Forged, or from a tab opened before: the review step and the storing step alike.
        for step in ("", "/confirm"):
            refused = client.post(f"/cycles/{built.cycle_id}/vote/unga{step}",
                                  data={"csrf": csrf, "lang": "sv", "choice": cafe})
            assert refused.status_code == 403
            assert re.search(r"Du är \d+ år\. Den som röstar i området får vara högst 25 år\.",
                             refused.text)
            assert 'href="/cycles/' + str(built.cycle_id) + '/vote/norr"' in refused.text
            assert "not eligible" not in refused.text
        assert stored(app) == before
