"""The cap on pots per voter on the resident's pages (ADR 0025), without JavaScript: the list of
areas says how many pots a resident may vote in and which do not count, and closes the others
once the places are used; a ballot beyond the cap is refused on the page saying why, in Swedish
and in English, and nothing is stored."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from tests.e2e.api_client import Api
from tests.integration.pot_cap_cycles import capped_cycle

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def local_sign_in() -> bool:
    """The `api` fixture's service offers the pages' local test sign-in (tests/e2e/conftest.py)."""
    return True


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _sign_in(client: TestClient, lang: str = "sv") -> None:
    """The local sign-in: a resident of Norr born 2008 (so the youth pot is open to them)."""
    page = client.get("/sign-in")
    answer = client.post("/sign-in/local", data={
        "csrf": _csrf(page.text), "name": "Ung i Norr", "birth_year": "2008",
        "residence": "norr", "lang": lang}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _vote(client: TestClient, cycle_id: UUID, area: str, proposal: str,
          lang: str = "sv") -> str:
    page = client.get(f"/cycles/{cycle_id}/vote/{area}", params={"lang": lang})
    answer = client.post(f"/cycles/{cycle_id}/vote/{area}/confirm",
                         params={"lang": lang},
                         data={"csrf": _csrf(page.text), "choice": proposal})
    return f"{answer.status_code} {answer.text}"


def test_the_areas_page_tells_the_cap_and_the_refusal_says_why(api: Api) -> None:
    cycle_id, proposals = capped_cycle(api.app, {"max_pots": 1, "uncounted": ["hela"]})
    client = api.client
    _sign_in(client)
    listing = client.get(f"/cycles/{cycle_id}/vote").text
    assert "I den här omgången får du rösta i högst 1 av områdena." in listing
    assert "Dessa räknas inte in: Hela kommunen." in listing
    assert "Du har röstat i så många områden" not in listing

    assert _vote(client, cycle_id, "norr", proposals["norr"]).startswith("200 ")
    listing = client.get(f"/cycles/{cycle_id}/vote").text
    assert "Du har röstat i så många områden som omgången tillåter." in listing
    assert listing.count("Du får inte rösta här: du har redan röstat") == 1  # Unga, not Hela
    english = client.get(f"/cycles/{cycle_id}/vote", params={"lang": "en"}).text
    assert "In this cycle you may vote in at most 1 of the areas." in english
    assert "These do not count towards it: Hela kommunen." in english

    before = api.stored()
    refused = _vote(client, cycle_id, "unga", proposals["unga"])
    assert refused.startswith("409 ")
    assert ("Du får rösta i högst 1 av omgångens områden och har redan röstat i Norr."
            in refused)
    refused_en = _vote(client, cycle_id, "unga", proposals["unga"], lang="en")
    assert "You may vote in at most 1 of this cycle&#39;s areas and have already voted in Norr." \
        in refused_en
    assert api.stored() == before
    assert _vote(client, cycle_id, "hela", proposals["hela"]).startswith("200 ")


def test_a_cycle_without_a_cap_says_nothing_of_one(api: Api) -> None:
    cycle_id, _ = capped_cycle(api.app, None)
    _sign_in(api.client)
    listing = api.client.get(f"/cycles/{cycle_id}/vote").text
    assert 'id="pot-cap"' not in listing and "högst" not in listing


def test_the_used_place_closes_every_other_counted_area(api: Api) -> None:
    cycle_id, proposals = capped_cycle(api.app, {"max_pots": 1})
    client = api.client
    _sign_in(client)
    listing = client.get(f"/cycles/{cycle_id}/vote").text
    assert listing.count("Du får inte rösta här") == 0
    assert _vote(client, cycle_id, "unga", proposals["unga"]).startswith("200 ")
    listing = client.get(f"/cycles/{cycle_id}/vote").text
    assert listing.count("Du får inte rösta här: du har redan röstat") == 2  # Norr and Hela


def test_the_ballot_page_of_an_area_closed_to_the_resident_says_who_may_vote(
        api: Api) -> None:
    cycle_id, _ = capped_cycle(api.app, None)
    _sign_in(api.client)
    page = api.client.get(f"/cycles/{cycle_id}/vote/soder").text
    assert "Du får inte rösta i det här området" in page
    assert "Enligt din inloggning bor du i Norr. Området är till för dem som bor i Söder." \
        in page
    assert "Rösträtt här: Bosatt i Söder." in page
    english = api.client.get(f"/cycles/{cycle_id}/vote/soder", params={"lang": "en"}).text
    assert "Your sign-in says you live in Norr. This area is for those who live in Söder." \
        in english
    assert "Who may vote here: Living in Söder." in english
