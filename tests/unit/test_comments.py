"""Comments and moderation: the domain's rules, without a store."""

from __future__ import annotations

import pytest

from domain.comment import MAX_COMMENT_LENGTH, Comment
from domain.cycle import COMMAND_PHASES
from domain.errors import Conflict, InvalidInput, PhaseError
from domain.moderation import Moderation, case_id
from domain.phases import Phase
from tests.unit.domain_builders import configured_cycle, rebuilt


def _comment(text: object = "Bra idé!", parent: Comment | None = None,
             proposal_id: str = "p1") -> Comment:
    return Comment.post("c1", proposal_id, text, "author-pseudonym", False, parent)


@pytest.mark.parametrize("text", ["", "   \n", None, 42, "x" * (MAX_COMMENT_LENGTH + 1)])
def test_blank_oversized_or_non_text_comments_are_refused(text: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        _comment(text)
    assert refused.value.field == "text"


def test_a_comment_of_the_longest_length_is_kept_stripped() -> None:
    text = "å" * MAX_COMMENT_LENGTH
    assert _comment(f"  {text}\n").text == text


def test_a_reply_answers_a_top_level_comment() -> None:
    top = _comment()
    reply = _comment("Håller med", parent=top)
    assert reply.parent_id == str(top.id)
    assert rebuilt(reply).text == "Håller med"


def test_a_reply_to_a_reply_is_refused() -> None:
    reply = _comment("Håller med", parent=_comment())
    with pytest.raises(Conflict, match="one level deep"):
        _comment("Och jag", parent=reply)


def test_a_reply_to_a_comment_on_another_proposal_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        _comment("Fel tråd", parent=_comment(proposal_id="p2"))
    assert refused.value.field == "reply_to"


def test_comments_are_accepted_while_ideas_reviews_and_votes_are_open() -> None:
    assert COMMAND_PHASES["comment"] == {Phase.IDEAS, Phase.REVIEW, Phase.VOTING}


def test_a_refused_comment_names_the_phase() -> None:
    cycle = configured_cycle()  # still a draft
    with pytest.raises(PhaseError) as refused:
        cycle.require_phase("comment")
    assert refused.value.phase == Phase.DRAFT
    assert "Commenting on a proposal is possible only in phase ideas, review, voting" \
        in str(refused.value)


def test_one_report_per_reporter() -> None:
    case = Moderation.open("c1", "item-1", "comment")
    case.report("reporter-a")
    case.report("reporter-b")
    with pytest.raises(Conflict, match="reported this comment already"):
        case.report("reporter-a")
    assert rebuilt(case).reporters == {"reporter-a", "reporter-b"}


def test_hiding_needs_a_reason_and_happens_once() -> None:
    case = Moderation.open("c1", "item-1", "proposal")
    for blank in ("", "  ", None):
        with pytest.raises(InvalidInput):
            case.hide(blank, "reviewer:r")
    case.hide("Kränkande innehåll", "reviewer:r")
    with pytest.raises(Conflict, match="already hidden"):
        case.hide("Igen", "reviewer:r")
    again = rebuilt(case)
    assert again.hidden and again.hidden_reason == "Kränkande innehåll"
    assert again.id == case_id("item-1")


def test_an_unknown_kind_of_item_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Moderation.open("c1", "item-1", "ballot")


def test_events_carry_no_personal_identifier() -> None:
    comment = _comment()
    posted = comment.collect_events()[0]
    assert set(vars(posted)) - {"originator_id", "originator_version", "timestamp",
                                 "originator_topic"} == {
        "cycle_id", "proposal_id", "parent_id", "text", "author", "by_proposer", "at"}
