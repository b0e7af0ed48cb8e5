"""Pictures on proposals: the proposer adds and may take back, a moderator or administrator
removes (ADR 0030).

The picture is made ready (decoded, re-encoded in its sizes, stripped of metadata) and its
bytes stored by digest before the event is recorded; the event names the digest. Two uploads
racing for a proposal's last place both store their bytes, but only one event is recorded: the
other finds the proposal changed, decides again on its new version and is refused (409). Bytes
whose event was refused are not shown anywhere, since only a recorded picture is served
(projections: `rm_pictures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.concurrency import run_in_threadpool

from domain.errors import Conflict, NotFound, NotYours
from domain.pictures import MAX_PICTURES, PictureRef, alt_text
from domain.proposal import Proposal
from domain.proposal_states import ProposalStatus
from service.application import Medborgarbudget
from service.commands import Command, Commands, Write
from service.moderation import hidden_reason
from service.picture_images import prepare
from service.read_models import ReadModels


@dataclass(frozen=True)
class AddPicture(Command[PictureRef]):
    """`data`: the file as uploaded (at most domain.pictures.MAX_UPLOAD_BYTES, checked while
    it was read); `identity`: the signed-in resident, who must be the proposer."""

    proposal_id: str | UUID
    data: bytes
    alt: object
    identity: str
    cycle_id: str | UUID | None = None


@dataclass(frozen=True)
class RemovePicture(Command[None]):
    """A reviewer or administrator takes a picture down, with the reason."""

    proposal_id: str | UUID
    digest: str
    reason: object
    actor: str
    cycle_id: str | UUID | None = None


@dataclass(frozen=True)
class WithdrawPicture(Command[None]):
    """The proposer takes a picture of theirs back; `identity`: the signed-in resident."""

    proposal_id: str | UUID
    digest: str
    identity: str
    cycle_id: str | UUID | None = None


# The commands after which a picture's bytes may have to go.
PictureLeaves = RemovePicture | WithdrawPicture


def _proposal_of(app: Medborgarbudget, proposal_id: str | UUID,
                 cycle_id: str | UUID | None) -> Proposal:
    proposal = app.proposal(proposal_id)
    if cycle_id is not None and str(proposal.cycle_id) != str(cycle_id):
        raise NotFound(f"No proposal '{proposal_id}' in cycle '{cycle_id}'.")
    return proposal


def _may_add(app: Medborgarbudget, proposal: Proposal, identity: str) -> None:
    """Every check that needs no decoding, so a refused upload costs no image work."""
    if app.proposer_pseudonym(identity) != proposal.proposer:
        raise NotYours("Only the proposer adds pictures to a proposal.")
    app.cycle(proposal.cycle_id).require_phase("add_picture")
    if hidden_reason(app, proposal.id) is not None:
        raise Conflict("The moderator has hidden this proposal; it takes no pictures.")
    if proposal.status is not ProposalStatus.SUBMITTED:
        raise Conflict(f"Pictures are added only to a submitted proposal; this one is "
                       f"{proposal.status}. Nothing was stored.")
    if len(proposal.pictures) >= MAX_PICTURES:
        raise Conflict(f"A proposal has at most {MAX_PICTURES} pictures; remove one first. "
                       "Nothing was stored.")


def _add_picture(app: Commands, c: AddPicture, write: Write) -> PictureRef:
    assert isinstance(app, Medborgarbudget)
    proposal = _proposal_of(app, c.proposal_id, c.cycle_id)
    _may_add(app, proposal, c.identity)
    alt = alt_text(c.alt)
    prepared = prepare(c.data)
    picture = PictureRef(prepared.digest, alt, prepared.variants[-1].media_type,
                         prepared.width, prepared.height, prepared.widths, prepared.size)
    app.picture_blobs.put(prepared.digest, prepared.variants)

    def add(fresh: Proposal, _: object) -> None:
        _may_add(app, fresh, c.identity)  # again, on the version the event is stored on
        fresh.add_picture(picture)

    app._update_proposal(proposal.id, "add_picture", write, add)
    return picture


def _remove_picture(app: Commands, c: RemovePicture, write: Write) -> None:
    assert isinstance(app, Medborgarbudget)
    proposal = _proposal_of(app, c.proposal_id, c.cycle_id)
    app._update(proposal.id, Proposal, "proposal", write,
                lambda fresh: fresh.remove_picture(c.digest, c.reason, c.actor))


def _withdraw_picture(app: Commands, c: WithdrawPicture, write: Write) -> None:
    assert isinstance(app, Medborgarbudget)
    proposal = _proposal_of(app, c.proposal_id, c.cycle_id)
    by = app.proposer_pseudonym(c.identity)
    app._update(proposal.id, Proposal, "proposal", write,
                lambda fresh: fresh.withdraw_picture(c.digest, by))


Commands._handlers.update({AddPicture: _add_picture, RemovePicture: _remove_picture,
                           WithdrawPicture: _withdraw_picture})


async def erase_unless_shown(app: Medborgarbudget, read_models: ReadModels, digest: str,
                             position: int | None) -> None:
    """After the picture left a proposal (the write at `position`): its bytes go, unless
    another proposal shows the very same picture (the digest names the content). Decided on
    read models that include that write, so an upload a moment earlier counts; while they
    lag further behind than a reader waits, the bytes stay, served to nobody (ADR 0030)."""
    await read_models.caught_up(position)

    def erase() -> None:
        store = read_models.store
        if position is not None and store.position() >= position \
                and not store.picture_shown(digest):
            app.picture_blobs.erase(digest)

    await run_in_threadpool(erase)
