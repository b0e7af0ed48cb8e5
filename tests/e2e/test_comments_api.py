"""Comments and moderation over HTTP (issue 18, ADR 0024): residents comment, reply and report;
reviewers hide with a reason and read the queue; every refusal is problem+json and stores
nothing; hidden text is gone from every API answer."""

from __future__ import annotations

import pytest

from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import ADULT, API, Api
from tests.integration.builders import drive


@pytest.fixture
def proposal(api: Api) -> str:
    built = drive(api.app, Phase.IDEAS)
    return str(built.proposals["Utegym vid sjön"])


def _comment(api: Api, proposal: str, text: str, subject: str = "anna",
             reply_to: str | None = None) -> str:
    body: dict[str, object] = {"text": text}
    if reply_to is not None:
        body["reply_to"] = reply_to
    made = api.resident("POST", f"{API}/proposals/{proposal}/comments", 201, subject=subject,
                        json=body)
    return str(made["id"])


def _thread(api: Api, proposal: str) -> dict[str, object]:
    reached: dict[str, object] = api.ok(
        "GET", f"{API}/proposals/{proposal}/comments?position={api.stored()}")
    return reached


def test_comments_and_replies_are_listed_without_their_authors(api: Api, proposal: str) -> None:
    first = _comment(api, proposal, "Bra idé! Var ska det stå?")
    _comment(api, proposal, "Vid badplatsen.", "bertil", reply_to=first)
    listed = _thread(api, proposal)
    assert listed["open"] is True
    [thread] = listed["comments"]  # type: ignore[misc]
    assert thread["text"] == "Bra idé! Var ska det stå?" and thread["hidden"] is None
    assert [r["text"] for r in thread["replies"]] == ["Vid badplatsen."]
    assert set(thread) == {"id", "proposal_id", "parent_id", "text", "by_proposer", "at",
                           "hidden", "replies"}


def test_every_refusal_is_a_problem_and_stores_nothing(api: Api, proposal: str) -> None:
    comments = f"{API}/proposals/{proposal}/comments"
    top = _comment(api, proposal, "Första")
    reply = _comment(api, proposal, "Svar", "bertil", reply_to=top)
    # The same person as api.resident's "cecilia" (the same birth date gives the same number).
    resident = {"role": Role.RESIDENT, "subject": "cecilia", "birth_date": ADULT}
    problem = api.refused("POST", comments, 409, json={"text": "Djupt", "reply_to": reply},
                          **resident)
    assert "one level deep" in problem["detail"]
    api.refused("POST", comments, 422, json={"text": "  \n "}, **resident)
    api.refused("POST", comments, 422, json={"text": "x" * 2001}, **resident)
    api.refused("POST", comments, 422, json={"text": "x" * 4001}, **resident)  # oversized body
    api.refused("POST", comments, 422, json={"text": "Hej", "author": "Anna"}, **resident)
    api.refused("POST", comments, 404, json={"text": "Hej", "reply_to": proposal}, **resident)
    api.refused("POST", comments, 401, json={"text": "Hej"})
    api.refused("POST", comments, 403, json={"text": "Hej"}, role=Role.REVIEWER)

    api.resident("POST", f"{API}/comments/{top}/report", subject="cecilia")
    problem = api.refused("POST", f"{API}/comments/{top}/report", 409, **resident)
    assert "reported this comment already" in problem["detail"]
    api.resident("POST", f"{API}/proposals/{proposal}/report", subject="cecilia")
    api.refused("POST", f"{API}/proposals/{proposal}/report", 409, **resident)
    api.refused("POST", f"{API}/proposals/{top}/report", 404, **resident)  # not a proposal

    hide = f"{API}/comments/{top}/hide"
    api.refused("POST", hide, 403, json={"reason": "Spam"}, **resident)
    api.refused("POST", hide, 403, json={"reason": "Spam"}, role=Role.ADMIN)
    api.refused("POST", hide, 422, json={"reason": "  "}, role=Role.REVIEWER)
    api.refused("POST", hide, 422, json={}, role=Role.REVIEWER)
    api.reviewer("POST", hide, json={"reason": "Spam"})
    problem = api.refused("POST", hide, 409, json={"reason": "Igen"}, role=Role.REVIEWER)
    assert "already hidden" in problem["detail"]
    api.refused("GET", f"{API}/cycles/{api.app.proposal(proposal).cycle_id}/moderation", 403,
                **resident)


def test_comments_are_read_only_outside_ideas_review_and_voting(api: Api) -> None:
    built = drive(api.app, Phase.COUNTING)
    proposal = str(next(iter(built.proposals.values())))
    problem = api.refused("POST", f"{API}/proposals/{proposal}/comments", 409,
                          json={"text": "För sent"}, role=Role.RESIDENT, subject="anna")
    assert problem["phase"] == "counting"
    assert "possible only in phase ideas, review, voting" in problem["detail"]
    assert _thread(api, proposal)["open"] is False


def test_the_moderator_hides_from_every_answer_and_the_queue_empties(
        api: Api, proposal: str) -> None:
    cycle = str(api.app.proposal(proposal).cycle_id)
    abusive = _comment(api, proposal, "Elakt påhopp")
    for subject in ("bertil", "cecilia"):
        api.resident("POST", f"{API}/comments/{abusive}/report", subject=subject)
    api.resident("POST", f"{API}/proposals/{proposal}/report", subject="bertil")
    queue = api.reviewer("GET", f"{API}/cycles/{cycle}/moderation?position={api.stored()}")
    assert [(i["kind"], i["id"], i["reports"]) for i in queue["items"]] == [
        ("comment", abusive, 2), ("proposal", proposal, 1)]

    api.reviewer("POST", f"{API}/comments/{abusive}/hide", json={"reason": "Personangrepp"})
    api.reviewer("POST", f"{API}/proposals/{proposal}/hide", json={"reason": "Kränkande"})
    listed = _thread(api, proposal)
    [thread] = listed["comments"]  # type: ignore[misc]
    assert thread["text"] is None and thread["hidden"]["reason"] == "Personangrepp"
    shown = api.ok("GET", f"{API}/proposals/{proposal}")
    assert shown["title"] == "Hidden by the moderator: Kränkande"
    assert shown["description"] == "" and shown["place"] is None
    assert shown["hidden_reason"] == "Kränkande" and shown["status"] == "submitted"
    every = api.ok("GET", f"{API}/cycles/{cycle}/proposals")
    csv = api.request("GET", f"{API}/cycles/{cycle}/proposals?format=csv").text
    for answer in (str(listed), str(shown), str(every), csv):
        assert "Utegym vid sjön" not in answer and "Elakt påhopp" not in answer
    assert api.reviewer("GET", f"{API}/cycles/{cycle}/moderation?position={api.stored()}"
                        ) == {"items": []}
    api.refused("POST", f"{API}/proposals/{proposal}/comments", 409, json={"text": "Hallå"},
                role=Role.RESIDENT, subject="anna")
