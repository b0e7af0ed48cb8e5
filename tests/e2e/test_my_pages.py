"""My pages over HTTP without JavaScript (ADR 0028): an address given, confirmed by its
link and removed; following; the one-click unsubscribe; the download; and erasure, after which
the proposal says "a resident" and the audit export still verifies. With the attacks: forged,
expired and replaced tokens, a form without its CSRF token, an oversized address, a header
slipped into an address or a name, a proposal of another cycle or none, a double follow."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.audit import verify_lines
from domain.phases import Phase
from service.audit_export import export_lines
from service.personal.mailing import Residents
from service.personal.tokens import CONFIRM, UNSUBSCRIBE
from tests.e2e.api_client import Api
from tests.e2e.test_page_cookies import csrf_in as csrf
from tests.integration.builders import ADMIN, configured_cycle, drive

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
LINK = re.compile(r"(/(?:e-post/bekrafta|avregistrera)/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.fixture
def local_sign_in() -> bool:
    """The `api` fixture's service offers the pages' local test sign-in (tests/e2e/conftest.py)."""
    return True


def residents(api: Api) -> Residents:
    found: Residents = api.client.app.state.residents  # type: ignore[attr-defined]
    return found


def sign_in(client: TestClient, name: str = "Anna i Norr") -> None:
    """Signs in with the local test sign-in (a resident of Norr born 1980)."""
    page = client.get("/sign-in")
    answer = client.post("/sign-in/local", data={
        "csrf": csrf(page.text), "name": name, "birth_year": "1980", "residence": "norr"},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text


def post(client: TestClient, path: str, data: dict[str, str], page: str = "/mina-sidor",
         ) -> Any:
    token = csrf(client.get(page).text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def give_and_confirm(api: Api, address: str) -> None:
    answer = post(api.client, "/mina-sidor/e-post", {"email": address})
    assert answer.status_code == 303
    mail = [m for m in residents(api).store.outbox() if m.address == address][-1]
    link = LINK.search(mail.body)
    assert link is not None
    page = api.client.get(link.group(1))
    assert "Bekräfta adressen" in page.text
    done = api.client.post(link.group(1), data={"csrf": csrf(page.text)})
    assert done.status_code == 200 and "Din e-postadress är bekräftad" in done.text


def test_an_address_is_confirmed_only_through_its_latest_link(api: Api) -> None:
    configured_cycle(api.app)  # the sign-in offers its areas
    client = api.client
    assert client.get("/mina-sidor", follow_redirects=False).status_code == 303  # sign in
    sign_in(client)
    assert client.get("/my-pages").url.params["lang"] == "en"
    give_and_confirm(api, "anna@example.se")
    page = client.get("/mina-sidor").text
    assert "anna@example.se" in page
    # A new address: its old link, a forged one and an expired one confirm nothing.
    post(client, "/mina-sidor/e-post", {"email": "first@example.se"})
    old = LINK.search(residents(api).store.outbox()[-1].body)
    post(client, "/mina-sidor/e-post", {"email": "second@example.se"})
    assert old is not None
    refused = client.post(old.group(1), data={"csrf": csrf(client.get(old.group(1)).text)})
    assert refused.status_code == 400
    signer = residents(api).signer
    profile = residents(api).store.profile(_by_address(api, "second@example.se"))
    assert profile is not None and profile.email == "anna@example.se"
    expired = signer.sign(CONFIRM, profile.pseudonym, profile.pending_nonce or "", -10)
    forged = signer.sign(CONFIRM, profile.pseudonym, "guessed-nonce", 3600)
    wrong_purpose = signer.sign(UNSUBSCRIBE, profile.pseudonym, profile.pending_nonce or "",
                                3600)
    tampered = expired[:-2] + ("AA" if not expired.endswith("AA") else "BB")
    for token in (expired, forged, wrong_purpose, tampered, "x" * 5000, "a.b"):
        path = f"/e-post/bekrafta/{token}"
        answer = client.post(path, data={"csrf": csrf(client.get("/mina-sidor").text)})
        assert answer.status_code in (400, 404), token
    after = residents(api).store.profile(profile.pseudonym)
    assert after is not None and after.email == "anna@example.se"


def _by_address(api: Api, address: str) -> str:
    store = residents(api).store
    with store.transaction() as t:
        row = t.one("SELECT pseudonym FROM personal_outbox WHERE address = ?", (address,))
    assert row is not None
    return str(row[0])


def test_bad_addresses_and_names_are_refused_and_store_nothing(api: Api) -> None:
    configured_cycle(api.app)
    client = api.client
    sign_in(client)
    for address in ("a" * 250 + "@example.se", "anna@example.se\r\nBcc: all@example.se",
                    "anna@example.se\nBcc: all@example.se", "no-at-sign", "<a@b.se>"):
        answer = post(client, "/mina-sidor/e-post", {"email": address})
        assert answer.status_code == 422, address
    for name in ("x" * 81, "Anna\x00", "Anna\x1b[31m"):
        answer = post(client, "/mina-sidor/namn", {"display_name": name})
        assert answer.status_code == 422, name
    assert residents(api).store.outbox() == []
    # Without the session's CSRF token a form stores nothing either.
    answer = client.post("/mina-sidor/e-post", data={"email": "anna@example.se"},
                         follow_redirects=False)
    assert answer.status_code == 403
    assert residents(api).store.outbox() == []


def test_following_and_the_one_click_unsubscribe(api: Api) -> None:
    built = drive(api.app, Phase.IDEAS)
    other = drive(api.app, Phase.IDEAS)
    gym = str(built.proposals["Utegym vid sjön"])
    client = api.client
    sign_in(client)
    give_and_confirm(api, "anna@example.se")
    page = f"/proposals/{gym}/follow"
    assert post(client, page, {"cycle": str(built.cycle_id)}, page).status_code == 303
    assert post(client, page, {"cycle": str(built.cycle_id)}, page).status_code == 303
    pseudonym = _by_address(api, "anna@example.se")
    assert residents(api).store.follows(pseudonym) == {gym: True}  # once
    assert post(client, page, {"cycle": str(other.cycle_id)}, page).status_code == 422
    missing = "/proposals/00000000-0000-4000-8000-000000000000/follow"
    assert client.get(missing).status_code == 404
    assert client.get("/proposals/not-an-id/follow").status_code == 404
    assert "Utegym vid sjön" in client.get("/mina-sidor").text
    # A mail about it, then its unsubscribe link, posted the way a mail client does.
    api.app.trigger(built.cycle_id, "close_ideas", ADMIN, "test")
    api.app.review_proposal(gym, True, 65_000, "Ryms.", ADMIN)
    residents(api).projection.catch_up()
    mail = residents(api).store.outbox()[-1]
    assert mail.unsubscribe is not None
    stranger = TestClient(client.app)
    answer = stranger.post(mail.unsubscribe.removeprefix("http://127.0.0.1:8000"),
                           content=b"List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200
    profile = residents(api).store.profile(pseudonym)
    assert profile is not None and profile.notify is False
    forged = stranger.post("/avregistrera/" + "A" * 40 + ".B")
    assert forged.status_code == 400


def test_download_then_erasure_leaves_a_resident_and_a_verifying_history(api: Api) -> None:
    built = drive(api.app, Phase.IDEAS)
    client = api.client
    sign_in(client)
    propose = client.get(f"/cycles/{built.cycle_id}/propose")
    answer = client.post(f"/cycles/{built.cycle_id}/propose", data={
        "csrf": csrf(propose.text), "area": "norr", "title": "Parkbänkar",
        "description": "Fler bänkar i parken.", "estimated_cost": "20000",
        "category": "test"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    mine = answer.headers["location"].split("/")[2].split("?")[0]
    post(client, "/mina-sidor/namn", {"display_name": "Anna Andersson"})
    give_and_confirm(api, "anna@example.se")
    form = f"/proposals/{mine}/comment"
    commented = post(client, form, {"text": "Gärna vid lekplatsen."}, form)
    assert commented.status_code == 303, commented.text
    page = client.get(commented.headers["location"]).text  # waits for the comment
    assert "Föreslaget av Anna Andersson" in page
    assert "<p class=\"comment-meta\">Anna Andersson (" in page
    own = client.get("/mina-sidor").text
    assert "Parkbänkar" in own

    download = post(client, "/mina-sidor/hamta", {})
    held = json.loads(download.content)
    assert held["profile"]["email"] == "anna@example.se"
    assert held["profile"]["display_name"] == "Anna Andersson"
    assert [p["title"] for p in held["proposals"]] == ["Parkbänkar"]
    assert [c["text"] for c in held["comments"]] == ["Gärna vid lekplatsen."]
    assert len(held["comments_with_your_name"]) == 1
    assert "selections" not in json.dumps(held)

    assert post(client, "/mina-sidor/radera", {}, "/mina-sidor/radera").status_code == 422
    erased = post(client, "/mina-sidor/radera", {"confirm": "yes"}, "/mina-sidor/radera")
    assert erased.status_code == 200
    with residents(api).store.transaction() as t:
        for table in ("personal_residents", "personal_follows", "personal_outbox"):
            assert t.rows(f"SELECT * FROM {table}") == [], table
    page = client.get(f"/proposals/{mine}?lang=en").text
    assert "Anna Andersson" not in page and "Proposed by a resident" in page
    swedish = client.get(f"/proposals/{mine}").text
    assert "Föreslaget av en invånare" in swedish and "Anna Andersson" not in swedish
    assert "Gärna vid lekplatsen." in swedish  # the comment stays, without the name
    lines = list(export_lines(api.app, built.cycle_id))
    assert verify_lines(lines).ok
