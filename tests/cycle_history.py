"""A municipality's history of budget cycles, driven through the application service, for the
read models and the residents' pages to be tested on.

- the demo cycle (Nässjö 2027) taken through every phase to `closed`: proposals reviewed,
  merged and rejected, ballots on paper and online, results, projects built and in progress;
- its successor (Nässjö 2028), in voting: the comparison with the year before shows; one idea
  withdrawn, one discussed (a comment, a reply, a comment reported and hidden), ballots cast
  and some changed;
- a third cycle collecting ideas, with an idea waiting for review and a picture of it.

`step` (e.g. a follower's catch-up) is called between the stages, so that read models can be
kept current the way they are in service: a little at a time, while the history is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.ballot import Ballot
from service import comments, moderation, pictures
from service.application import Medborgarbudget
from service.ballot_intake import Voter
from service.demo import ADMIN, IDEAS, REVIEWER, DemoCycle, run_demo
from tests.ballots import cast_ballot, change_ballot, person, vote_on_paper
from tests.picture_files import png

SUCCESSOR_NAME = "Medborgarbudget Nässjö 2028"
THIRD_NAME = "Medborgarbudget Eksjö 2028"
BALLOT_CAST = Ballot.Cast.TOPIC  # type: ignore[attr-defined]
WITHDRAWN_TITLE = "Blomsterängar i Fågelsången"
WAITING_TITLE = "Skateboardramp vid sporthallen"


@dataclass
class History:
    closed: DemoCycle
    voting: UUID
    ideas: UUID
    voting_proposals: dict[str, UUID] = field(default_factory=dict)  # title -> id
    waiting_proposal: UUID | None = None


def _resident(area: str, number: int) -> Voter:
    return person(number, date(1960 + number % 40, 5, 17), area)


def build_history(app: Medborgarbudget, *, voters_per_area: int = 30,
                  step: Callable[[], object] = lambda: None) -> History:
    closed = run_demo(app, voters_per_area=voters_per_area)
    step()

    # The successor copies the configuration; a new assembly decision opens it.
    successor = app.create_cycle(SUCCESSOR_NAME, "Nässjö kommun", ADMIN,
                                 predecessor_id=closed.cycle_id)
    app.record_decision(successor, "Kommunfullmäktige", "2027-11-25", "KF § 131/2027", ADMIN)
    app.trigger(successor, "open_ideas", ADMIN, "Beslut i kommunfullmäktige KF § 131/2027")
    proposals: dict[str, UUID] = {}
    chosen = list(IDEAS)
    for number, (area, title, description, estimate, category, _, _) in enumerate(chosen):
        proposals[title] = app.submit_proposal(successor, area, title, description, estimate,
                                               category, f"history-proposer-{number}")
    app.withdraw_proposal(proposals[WITHDRAWN_TITLE], "Förslagsställaren drog tillbaka idén.",
                          "resident:history-proposer")
    # A discussion (ADR 0024): a comment with a reply, and one reported and hidden later.
    discussed = proposals[chosen[0][1]]
    first = comments.post_comment(app, discussed, "Bra idé, men var exakt?", "history-resident-1")
    comments.post_comment(app, discussed, "Vid skolan.", "history-proposer-0", reply_to=first)
    rude = comments.post_comment(app, discussed, "Dumt förslag av en dum person.",
                                 "history-resident-2")
    moderation.report(app, rude, "history-resident-1")
    step()
    app.trigger(successor, "close_ideas", ADMIN, "Idéinsamlingen är avslutad")
    moderation.hide(app, rude, "Personangrepp", REVIEWER)
    for _, title, _, _, _, official, reason in chosen:
        if title != WITHDRAWN_TITLE:
            app.review_proposal(proposals[title], official is not None, official, reason,
                                REVIEWER)
    app.trigger(successor, "open_voting", ADMIN, "Alla förslag är prövade")
    step()
    feasible = {area: [str(proposals[t]) for a, t, _, _, _, official, _ in chosen
                       if a == area and official is not None and t != WITHDRAWN_TITLE]
                for area in ("norr", "soder")}
    for area, options in feasible.items():
        for number in range(8):
            chosen = [options[number % len(options)]]
            if number % 4 == 0:
                vote_on_paper(app, successor, area, _resident(area, number), chosen)
            else:
                cast_ballot(app, successor, area, _resident(area, number), chosen)
        # Two residents change their minds (the cycle allows it, as the demo's does).
        for number in (1, 2):
            change_ballot(app, successor, area, _resident(area, number), options[:2])
    step()

    third = app.create_cycle(THIRD_NAME, "Eksjö kommun", ADMIN)
    app.record_decision(third, "Kommunfullmäktige", "2027-12-01", "KF § 200/2027", ADMIN)
    app.add_area(third, {"id": "alla", "name": "Hela Eksjö", "kind": "territorial",
                         "budget": 400_000, "eligibility": {}}, ADMIN)
    app.set_voting_rule(third, {"kind": "approval", "min_choices": 1, "max_choices": 2}, ADMIN)
    app.trigger(third, "open_ideas", ADMIN, "Beslut i kommunfullmäktige KF § 200/2027")
    waiting = app.submit_proposal(third, "alla", WAITING_TITLE,
                                  "En betongramp för skateboard och sparkcykel.", 180_000,
                                  "idrott", "history-proposer-eksjo")
    # Its proposer shows it with a picture (ADR 0030).
    app.execute(pictures.AddPicture(waiting, png(320, 240),
                                    "En skiss av rampen bredvid sporthallen",
                                    "history-proposer-eksjo"))
    step()
    return History(closed, successor, third, proposals, waiting)


def counted_ballots(app: Medborgarbudget) -> int:
    """How many ballots were cast in the whole store (Ballot.Cast events)."""
    count, start = 0, 1
    while True:
        page = app.recorder.select_notifications(start, 10_000, topics=[BALLOT_CAST])
        count += len(page)
        if len(page) < 10_000:
            return count
        start = page[-1].id + 1

