"""A picture made fit to serve (service/picture_images.py) and the proposal's rules for its
pictures (domain/proposal.py), without any store (ADR 0030)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from domain.errors import Conflict, InvalidInput, NotFound, NotYours
from domain.pictures import MAX_PICTURES, PictureRef
from domain.proposal import Proposal
from domain.proposal_states import ProposalStatus
from service.picture_images import MAX_PIXELS, prepare
from tests import picture_files as files


def _proposal() -> Proposal:
    return Proposal.submit("c", "norr", "Brygga", "En ny brygga", 10_000, "", "p")


def _ref(n: int, alt: str = "En bild") -> PictureRef:
    return PictureRef(f"{n:064x}", alt, "image/webp", 960, 640, (480, 960), 1000)


def test_every_size_is_webp_without_the_uploads_metadata() -> None:
    original = files.photo(2000, 1500, gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(files.GPS_IFD)
    prepared = prepare(original)
    assert prepared.widths == (480, 960) and (prepared.width, prepared.height) == (960, 720)
    for variant in prepared.variants:
        image = Image.open(io.BytesIO(variant.body))
        assert image.format == "WEBP" and image.width == variant.width
        assert not image.getexif() and not image.info.get("icc_profile")
        assert b"Exif" not in variant.body and b"Modell" not in variant.body


def test_a_small_picture_is_never_enlarged() -> None:
    assert prepare(files.png(300, 200)).widths == (300,)
    assert prepare(files.png(700, 400)).widths == (480, 700)


def test_the_digest_names_the_re_encoded_bytes() -> None:
    first, again = prepare(files.png()), prepare(files.png())
    assert first.digest == again.digest and len(first.digest) == 64
    assert prepare(files.photo(640, 480, colour=(1, 2, 3))).digest != first.digest


def test_the_upright_picture_is_kept_when_exif_turns_it() -> None:
    image = Image.new("RGB", (800, 400), (200, 10, 10))
    exif = Image.Exif()
    exif[files.ORIENTATION] = 6  # taken with the phone turned: show it rotated
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    prepared = prepare(out.getvalue())
    assert (prepared.width, prepared.height) == (400, 800)


@pytest.mark.parametrize("upload", [files.gif(), files.SVG, files.HTML, b"", b"GIF89a",
                                    files.photo()[:2000]])
def test_what_does_not_decode_as_jpeg_png_or_webp_is_refused(upload: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        prepare(upload)
    assert refused.value.field == "picture"


@pytest.mark.parametrize("side", [10_000, 6_400])  # 100 and 41 megapixels
def test_a_decompression_bomb_is_refused_before_decoding(side: int) -> None:
    assert side * side > MAX_PIXELS
    with pytest.raises(InvalidInput, match="pixels"):
        prepare(files.bomb(side))


def test_at_most_three_pictures_each_once() -> None:
    proposal = _proposal()
    for n in range(MAX_PICTURES):
        proposal.add_picture(_ref(n))
    with pytest.raises(Conflict, match="at most 3"):
        proposal.add_picture(_ref(9))
    proposal.remove_picture(_ref(0).digest, "Fel bild", "reviewer:m")
    with pytest.raises(Conflict, match="already"):
        proposal.add_picture(_ref(1))
    proposal.add_picture(_ref(9))
    assert list(proposal.pictures) == [_ref(n).digest for n in (1, 2, 9)]


@pytest.mark.parametrize("alt", ["", "   ", "x" * 301, None])
def test_alt_text_is_required(alt: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        _proposal().add_picture(_ref(1, alt))  # type: ignore[arg-type]
    assert refused.value.field == "alt"


def test_only_a_submitted_proposal_takes_pictures() -> None:
    proposal = _proposal()
    proposal.withdraw("Ångrade mig", "resident:p")
    assert proposal.status is ProposalStatus.WITHDRAWN
    with pytest.raises(Conflict):
        proposal.add_picture(_ref(1))


def test_removing_needs_a_reason_and_a_picture_that_is_there() -> None:
    proposal = _proposal()
    proposal.add_picture(_ref(1))
    with pytest.raises(NotFound):
        proposal.remove_picture(_ref(2).digest, "Skäl", "admin:a")
    with pytest.raises(InvalidInput):
        proposal.remove_picture(_ref(1).digest, " ", "admin:a")


def test_only_the_proposer_takes_a_picture_back_and_only_one_that_is_there() -> None:
    proposal = _proposal()  # proposed by "p"
    proposal.add_picture(_ref(1))
    proposal.add_picture(_ref(2))
    proposal.review(True, 10_000, "", "reviewer:r")  # no longer only submitted: still allowed
    with pytest.raises(NotYours):
        proposal.withdraw_picture(_ref(1).digest, "someone-else")
    with pytest.raises(NotFound):
        proposal.withdraw_picture(_ref(3).digest, "p")
    proposal.withdraw_picture(_ref(1).digest, "p")
    assert list(proposal.pictures) == [_ref(2).digest]
    taken_back = proposal.collect_events()[-1]
    assert type(taken_back).__name__ == "PictureWithdrawn"
    assert set(vars(taken_back)) - {"originator_id", "originator_version", "timestamp"} == {
        "digest", "at"}  # neither who nor why
    with pytest.raises(NotFound):
        proposal.withdraw_picture(_ref(1).digest, "p")


def test_a_reference_must_be_a_digest_of_a_type_we_serve() -> None:
    with pytest.raises(InvalidInput):
        PictureRef("../etc/passwd", "Alt", "image/webp", 10, 10, (10,), 1)
    with pytest.raises(InvalidInput):
        PictureRef("a" * 64, "Alt", "image/svg+xml", 10, 10, (10,), 1)
