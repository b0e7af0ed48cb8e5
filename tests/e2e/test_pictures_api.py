"""Pictures on proposals over HTTP (issue 18, ADR 0030): the proposer uploads up to three, each
decoded and re-encoded without its metadata, served by digest with long cache headers and a
type of our own; every attack on the upload is refused and stores nothing."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from domain.phases import Phase
from domain.pictures import MAX_UPLOAD_BYTES
from service import moderation
from service.api.auth import Role
from tests import picture_files as files
from tests.e2e.api_client import ADULT, API, PROBLEM, Api
from tests.integration.builders import REVIEWER, drive

PROPOSER = "proposer-0"  # drive()'s first idea's proposer (tests/integration/builders.py)


@pytest.fixture
def proposal(api: Api) -> tuple[str, str]:
    built = drive(api.app, Phase.IDEAS)
    proposal_id = next(str(p) for p in built.proposals.values()
                       if api.app.proposal(p).proposer == api.app.proposer_pseudonym(PROPOSER))
    return str(built.cycle_id), proposal_id


def _upload(api: Api, where: tuple[str, str], data: bytes | None, alt: str | None = "En brygga",
            subject: str = PROPOSER, role: Role = Role.RESIDENT, **kwargs: Any) -> httpx.Response:
    cycle, proposal = where
    token = api.tokens.mint(role, subject, 3600, ADULT, "norr")
    return api.client.post(f"{API}/cycles/{cycle}/proposals/{proposal}/pictures",
                           headers={"Authorization": f"Bearer {token}"},
                           **files.multipart(data, alt, **kwargs))  # type: ignore[arg-type]


def _refused(api: Api, response: httpx.Response, status: int, before: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert api.stored() == before, "a refused upload stored an event"
    body: dict[str, Any] = response.json()
    return body


def _reached(api: Api, cycle: str, position: int) -> None:
    """Wait until the read models (which decide what /pictures/ serves) hold `position`."""
    api.ok("GET", f"{API}/cycles/{cycle}/proposals?position={position}")


def _shown(api: Api, proposal: str) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = api.ok("GET", f"{API}/proposals/{proposal}")["pictures"]
    return shown


def test_a_picture_is_stored_re_encoded_without_its_gps_position(
        api: Api, proposal: tuple[str, str]) -> None:
    original = files.photo(1600, 1200, gps=True)
    assert b"Exif" in original
    added = _upload(api, proposal, original, "Bryggan vid sjön i kvällsljus")
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["alt"] == "Bryggan vid sjön i kvällsljus" and body["widths"] == [480, 960]
    assert (body["width"], body["height"]) == (960, 720)
    assert _shown(api, proposal[1])[0]["digest"] == body["digest"]

    _reached(api, proposal[0], body["position"])
    for width, url in body["urls"].items():
        served = api.client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "immutable" in served.headers["cache-control"]
        assert "max-age=31536000" in served.headers["cache-control"]
        assert served.content != original  # never the bytes sent
        image = Image.open(io.BytesIO(served.content))
        assert image.format == "WEBP" and image.width == int(width)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert b"Exif" not in served.content and b"Telefonm" not in served.content
    # The bytes as stored, too: nothing of the upload's metadata.
    for width in body["widths"]:
        stored = api.app.picture_blobs.get(body["digest"], width)
        assert stored is not None and b"Exif" not in stored.body
        assert not Image.open(io.BytesIO(stored.body)).getexif()


def test_at_most_three_pictures_the_fourth_is_409(api: Api, proposal: tuple[str, str]) -> None:
    for colour in range(3):
        done = _upload(api, proposal, files.photo(800, 600, colour=(colour * 60, 10, 10)))
        assert done.status_code == 201, done.text
    before = api.stored()
    fourth = _refused(api, _upload(api, proposal, files.photo(800, 600, colour=(250, 0, 0))),
                      409, before)
    assert "at most 3" in fourth["detail"]
    assert len(_shown(api, proposal[1])) == 3


def test_the_same_picture_twice_is_409(api: Api, proposal: tuple[str, str]) -> None:
    picture = files.png()
    assert _upload(api, proposal, picture).status_code == 201
    _refused(api, _upload(api, proposal, picture), 409, api.stored())


@pytest.mark.parametrize("alt", [None, "", "   ", "x" * 301])
def test_alt_text_is_required_and_bounded(api: Api, proposal: tuple[str, str],
                                          alt: str | None) -> None:
    refused = _refused(api, _upload(api, proposal, files.png(), alt), 422, api.stored())
    assert refused["field"] == "alt"


@pytest.mark.parametrize("disguised", [files.gif(), files.SVG, files.HTML, b"", b"\xff\xd8\xff"])
def test_what_is_no_picture_is_refused_by_decoding_not_by_name(
        api: Api, proposal: tuple[str, str], disguised: bytes) -> None:
    response = _upload(api, proposal, disguised, filename="semester.jpg",
                       content_type="image/jpeg")
    refused = _refused(api, response, 422, api.stored())
    assert refused["field"] == "picture"


def test_a_decompression_bomb_is_refused(api: Api, proposal: tuple[str, str]) -> None:
    bomb = files.bomb()
    assert len(bomb) < 100_000  # small on the wire, 100 megapixels inside
    refused = _refused(api, _upload(api, proposal, bomb, filename="bild.png"), 422, api.stored())
    assert "pixels" in refused["detail"]


def test_a_file_one_byte_over_5_mb_is_413(api: Api, proposal: tuple[str, str]) -> None:
    too_big = files.png() + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(files.png()))
    assert len(too_big) == MAX_UPLOAD_BYTES + 1
    refused = _refused(api, _upload(api, proposal, too_big), 413, api.stored())
    assert "5 MB" in refused["detail"]


def test_another_residents_proposal_is_403(api: Api, proposal: tuple[str, str]) -> None:
    _refused(api, _upload(api, proposal, files.png(), subject="someone-else"), 403, api.stored())
    _refused(api, _upload(api, proposal, files.png(), role=Role.ADMIN, subject="admin"), 403,
             api.stored())


def test_no_picture_without_signing_in(api: Api, proposal: tuple[str, str]) -> None:
    cycle, proposal_id = proposal
    response = api.client.post(f"{API}/cycles/{cycle}/proposals/{proposal_id}/pictures",
                               **files.multipart(files.png(), "Alt"))  # type: ignore[arg-type]
    assert response.status_code == 401


def test_no_picture_once_ideas_are_closed(api: Api, proposal: tuple[str, str]) -> None:
    api.fire(proposal[0], "close_ideas")
    refused = _refused(api, _upload(api, proposal, files.png()), 409, api.stored())
    assert refused["phase"] == "review"


def test_a_picture_for_a_proposal_of_another_cycle_is_404(
        api: Api, proposal: tuple[str, str]) -> None:
    other = drive(api.app, Phase.DRAFT)
    _refused(api, _upload(api, (str(other.cycle_id), proposal[1]), files.png()), 404,
             api.stored())


def test_hiding_the_proposal_hides_its_pictures(api: Api, proposal: tuple[str, str]) -> None:
    added = _upload(api, proposal, files.png()).json()
    url = added["urls"]["480"]
    _reached(api, proposal[0], added["position"])
    assert api.client.get(url).status_code == 200
    moderation.hide(api.app, proposal[1], "Kränkande bild", REVIEWER)
    assert _shown(api, proposal[1]) == []
    _reached(api, proposal[0], api.stored())
    assert api.client.get(url).status_code == 404
    listed = api.ok("GET", f"{API}/cycles/{proposal[0]}/proposals")["proposals"]
    assert all(p["pictures"] == [] for p in listed if p["id"] == proposal[1])


def test_a_reviewer_removes_a_picture_and_its_bytes_are_erased(
        api: Api, proposal: tuple[str, str]) -> None:
    added = _upload(api, proposal, files.png()).json()
    _reached(api, proposal[0], added["position"])
    remove = f"{API}/cycles/{proposal[0]}/proposals/{proposal[1]}/pictures/{added['digest']}/remove"
    api.refused("POST", remove, 403, role=Role.RESIDENT, subject=PROPOSER, birth_date=ADULT,
                json={"reason": "Egen"})
    api.refused("POST", remove, 422, role=Role.REVIEWER, subject="m", json={"reason": " "})
    done = api.reviewer("POST", remove, json={"reason": "Bilden visar ett ansikte."})
    assert _shown(api, proposal[1]) == []
    assert api.app.picture_blobs.get(added["digest"], 480) is None
    _reached(api, proposal[0], done["position"])
    assert api.client.get(added["urls"]["480"]).status_code == 404
    api.refused("POST", remove, 404, role=Role.ADMIN, subject="a", json={"reason": "Igen"})
    # The place is free again.
    assert _upload(api, proposal, files.photo(700, 500)).status_code == 201


def _withdraw(api: Api, where: tuple[str, str], digest: str, subject: str = PROPOSER,
              role: Role = Role.RESIDENT) -> httpx.Response:
    """The proposer (as _upload signs them in) takes the picture back."""
    token = api.tokens.mint(role, subject, 3600, ADULT, "norr")
    return api.client.delete(f"{API}/cycles/{where[0]}/proposals/{where[1]}/pictures/{digest}",
                             headers={"Authorization": f"Bearer {token}"})


def test_the_proposer_takes_a_picture_back_in_any_phase(
        api: Api, proposal: tuple[str, str]) -> None:
    kept = _upload(api, proposal, files.photo(700, 500)).json()
    added = _upload(api, proposal, files.png()).json()
    _reached(api, proposal[0], added["position"])
    api.fire(proposal[0], "close_ideas")  # taken back after the ideas closed, unlike adding
    path = f"{API}/cycles/{proposal[0]}/proposals/{proposal[1]}/pictures/{added['digest']}"
    _refused(api, api.client.delete(path), 401, api.stored())
    _refused(api, _withdraw(api, proposal, added["digest"], "someone-else"), 403, api.stored())
    _refused(api, _withdraw(api, proposal, added["digest"], "admin", Role.ADMIN), 403,
             api.stored())
    taken = _withdraw(api, proposal, added["digest"])
    assert taken.status_code == 200, taken.text
    done = taken.json()
    assert done["digest"] == added["digest"]
    assert [p["digest"] for p in _shown(api, proposal[1])] == [kept["digest"]]
    assert api.app.picture_blobs.get(added["digest"], 480) is None
    _reached(api, proposal[0], done["position"])
    assert api.client.get(added["urls"]["480"]).status_code == 404
    assert api.client.get(kept["urls"]["480"]).status_code == 200
    # Taken back already, or never there: 404, and nothing stored.
    _refused(api, _withdraw(api, proposal, added["digest"]), 404, api.stored())
    _refused(api, _withdraw(api, proposal, "0" * 64), 404, api.stored())
    # The history says a resident took a picture back, and neither who nor why.
    events = api.ok("GET", f"{API}/cycles/{proposal[0]}/events",
                    role=Role.AUDITOR, subject="revisor")["events"]
    taken_back = [e for e in events if e["topic"].endswith(".PictureWithdrawn")]
    assert [sorted(e["data"]) for e in taken_back] == [["at", "digest"]]


def test_a_picture_taken_back_stays_where_another_proposal_shows_it(api: Api) -> None:
    built = drive(api.app, Phase.IDEAS)
    first, second = (next(str(p) for p in built.proposals.values()
                          if api.app.proposal(p).proposer == api.app.proposer_pseudonym(who))
                     for who in ("proposer-0", "proposer-1"))
    cycle = str(built.cycle_id)
    added = _upload(api, (cycle, first), files.png()).json()
    assert _upload(api, (cycle, second), files.png(), subject="proposer-1").status_code == 201
    done = _withdraw(api, (cycle, first), added["digest"]).json()
    _reached(api, cycle, done["position"])
    assert _shown(api, first) == []
    assert api.app.picture_blobs.get(added["digest"], 480) is not None
    assert api.client.get(added["urls"]["480"]).status_code == 200


def test_serving_refuses_what_is_not_a_shown_picture(api: Api) -> None:
    for path in ("/pictures/../../etc/passwd/480.webp", "/pictures/" + "a" * 64 + "/480.webp",
                 "/pictures/" + "A" * 64 + "/480.webp", "/pictures/xyz/abc.webp"):
        assert api.client.get(path).status_code in (404, 422), path
