"""A second cycle whose proposal pages are as heavy as issue 18 makes them: each proposal with
three pictures and twenty comments (some of them replies), for the HTTP benchmark's residents to
read beside the demo cycle's feedback page.

Everything is added through the application's commands, as the API would add it (AddPicture for
the pictures, PostComment for the comments), on the server's store before the server starts; the
cycle is then taken to voting, the phase the residents are in.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from uuid import UUID

import httpx
from PIL import Image, ImageDraw

from domain.pictures import MAX_PICTURES
from service.comments import post_comment
from service.config import Settings
from service.demo import ADMIN, AREAS, REVIEWER
from service.pictures import AddPicture
from tests.integration.server_support import READY_WITHIN, REQUEST_TIMEOUT, ServerFailed, open_app

NAME = "Förslag med bilder och kommentarer (mätning)"
PROPOSALS = 10
COMMENTS = 20  # per proposal; every fourth one a reply to the comment before it
COST = 50_000


@dataclass(frozen=True)
class RichCycle:
    cycle_id: str
    proposals: list[str]
    last_comment: str  # the text of the last comment posted: on the last proposal's page

    @property
    def list_path(self) -> str:
        return f"/cycles/{self.cycle_id}/proposals"

    @property
    def proposal_paths(self) -> list[str]:
        return [f"/proposals/{p}" for p in self.proposals]


def picture(proposal: int, number: int) -> bytes:
    """A small drawn JPEG, different for every proposal and number (pictures are named by
    their content)."""
    image = Image.new("RGB", (800, 600), (60 + 17 * proposal % 190, 120, 40 + 60 * number))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 380, 800, 600), fill=(40, 110 + 9 * proposal % 100, 60))
    draw.ellipse((560 - 80 * number, 60, 680 - 80 * number, 180), fill=(255, 230, 140))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _comment_text(proposal: int, number: int) -> str:
    return (f"Kommentar {number + 1} om förslag {proposal + 1}: bra idé, men tänk på "
            "underhållet och att platsen ska gå att nå med rullstol och barnvagn året om.")


def seed(settings: Settings) -> RichCycle:
    """The cycle, its proposals, their pictures and comments, taken to voting."""
    app = open_app(settings)
    try:
        cycle_id = app.create_cycle(NAME, "Nässjö kommun", ADMIN)
        app.record_decision(cycle_id, "Kommunfullmäktige", "2026-11-26", "KF § 1/2026", ADMIN)
        app.add_area(cycle_id, AREAS[0], ADMIN)
        app.set_voting_rule(cycle_id, {"kind": "approval", "min_choices": 1, "max_choices": 3},
                            ADMIN)
        app.set_allocation_rule(cycle_id, "greedy", ADMIN)
        app.trigger(cycle_id, "open_ideas", ADMIN, "Beslut i kommunfullmäktige")
        proposals: list[UUID] = []
        text = ""
        for n in range(PROPOSALS):
            proposer = f"bench-proposer-{n}"
            proposal = app.submit_proposal(
                cycle_id, "norr", f"Förslag {n + 1} med bilder",
                "En plats att mötas på, med bänkar, träd och belysning. " * 4, COST, None,
                proposer)
            proposals.append(proposal)
            for k in range(MAX_PICTURES):
                app.execute(AddPicture(proposal, picture(n, k), f"Skiss {k + 1} av platsen",
                                       proposer))
            top: UUID | None = None
            for c in range(COMMENTS):
                text = _comment_text(n, c)
                reply_to = top if c % 4 == 3 else None
                posted = post_comment(app, proposal, text, f"bench-commenter-{n}-{c}", reply_to)
                if reply_to is None:
                    top = posted
        app.trigger(cycle_id, "close_ideas", ADMIN, "Idéinsamlingen är avslutad")
        for proposal in proposals:
            app.review_proposal(proposal, True, COST, "", REVIEWER)
        app.trigger(cycle_id, "open_voting", ADMIN, "Alla förslag är prövade")
        return RichCycle(str(cycle_id), [str(p) for p in proposals], text)
    finally:
        app.close()


def wait_until_shown(base: str, rich: RichCycle) -> None:
    """Bounded polling until the read models show the last comment on its proposal's page."""
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        page = httpx.get(f"{base}{rich.proposal_paths[-1]}", timeout=REQUEST_TIMEOUT)
        if page.status_code == 200 and rich.last_comment in page.text:
            return
        time.sleep(0.2)
    raise ServerFailed(f"{rich.proposal_paths[-1]} did not show its comments within "
                       f"{READY_WITHIN} s")
