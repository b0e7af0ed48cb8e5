"""Follows, the outbox and the sender on both backends, with a real SMTP server: each event
becomes each follower's mail exactly once, only confirmed addresses get any, every mail can be
unsubscribed in one click, and erasing a resident leaves the event history verifying."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from domain.phases import Phase
from service import support_round
from service.application import Medborgarbudget
from service.config import Settings
from service.personal.mailing import Residents, open_residents, run_once
from service.personal.sender import SmtpSettings, SmtpTransport
from service.personal.store import SENT_MAIL_KEPT
from service.personal.tokens import CONFIRM, BadToken, TokenSigner
from tests.integration.builders import (
    ADMIN,
    OFFICIAL,
    counted_for_exceptions,
    drive,
    resident,
)
from tests.mail_server import smtp_server

PROPOSER = "proposer-0"  # submitted "Utegym vid sjön" (drive)
FOLLOWER = "19800101-0000"
TOKEN = re.compile(r"/(?:e-post/bekrafta|avregistrera)/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.fixture
def residents(app: Medborgarbudget, settings: Settings) -> Iterator[Residents]:
    opened = open_residents(app, settings)
    yield opened
    opened.store.close()


def confirmed(residents: Residents, identity: str, address: str, lang: str = "sv") -> str:
    """The resident's address given and confirmed through the link of its mail."""
    pseudonym = residents.pseudonym(identity)
    residents.give_address(pseudonym, address, lang)
    mail = [m for m in residents.store.outbox() if m.address == address][-1]
    token = TOKEN.search(mail.body)
    assert token is not None
    assert residents.confirm(token.group(1)).address == address
    return pseudonym


def send_all(residents: Residents, url: str) -> int:
    return run_once(residents, SmtpTransport(SmtpSettings.parse(url)))


def test_followers_get_each_step_once_through_smtp(app: Medborgarbudget,
                                                    residents: Residents) -> None:
    built = drive(app, Phase.IDEAS)
    gym = str(built.proposals["Utegym vid sjön"])
    confirmed(residents, PROPOSER, "proposer@example.se")
    follower = confirmed(residents, FOLLOWER, "follower@example.se", lang="en")
    assert residents.follow(follower, gym, str(built.cycle_id)) is True
    assert residents.follow(follower, gym, str(built.cycle_id)) is False  # a double follow
    # Given, never confirmed: no notification ever goes there.
    residents.give_address(residents.pseudonym("19750505-0000"), "pending@example.se", "sv")
    residents.store.set_following(residents.pseudonym("19750505-0000"), gym, True)
    app.trigger(built.cycle_id, "close_ideas", ADMIN, "test")
    app.review_proposal(gym, True, 65_000, "Ryms i budgeten.", ADMIN)
    for title in ("Belysning längs ån", "Ungdomscafé", "Graffitivägg", "Ny simhall"):
        app.review_proposal(built.proposals[title], title != "Ny simhall", 20_000, "Granskad.",
                           ADMIN)
    app.trigger(built.cycle_id, "open_voting", ADMIN, "test")
    with smtp_server() as (url, inbox):
        sent = send_all(residents, url)
        assert sent == 3 + 2 * 2  # three confirmations; reviewed and on the ballot, to two
        assert send_all(residents, url) == 0  # nothing is sent twice
        residents.projection.catch_up()
        assert send_all(residents, url) == 0  # nor turned into mail twice
        notes = [m for m in inbox.messages if m["Message-ID"].startswith("<") and
                 "confirm." not in m["Message-ID"]]
        assert sorted(str(m["To"]) for m in notes) == [
            "follower@example.se", "follower@example.se", "proposer@example.se",
            "proposer@example.se"]
        assert "pending@example.se" not in {str(m["To"]) for m in notes}
        english = [m for m in notes if str(m["To"]) == "follower@example.se"]
        assert {str(m["Subject"]) for m in english} == {"Reviewed: Utegym vid sjön",
                                                        "On the ballot: Utegym vid sjön"}
        assert "Reason: Ryms i budgeten." in english[0].get_content() \
            or "Reason: Ryms i budgeten." in english[1].get_content()
        swedish = [m for m in notes if str(m["To"]) == "proposer@example.se"]
        assert {str(m["Subject"]) for m in swedish} == {"Prövat: Utegym vid sjön",
                                                        "På röstsedeln: Utegym vid sjön"}
        for message in notes:
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            link = str(message["List-Unsubscribe"]).strip("<>")
            assert link in message.get_content()
        assert len(set(inbox.message_ids())) == len(inbox.message_ids())
        # One click: the follower's every mail stops.
        token = TOKEN.search(str(english[0]["List-Unsubscribe"]))
        assert token is not None
        assert residents.unsubscribe(token.group(1)) is True
        app.trigger(built.cycle_id, "close_voting", ADMIN, "test")
        app.trigger(built.cycle_id, "publish_results", ADMIN, "test")
        send_all(residents, url)
        results = [m for m in inbox.messages if "Utegym" in str(m["Subject"])][4:]
        assert [str(m["To"]) for m in results] == ["proposer@example.se"]
        # Nobody voted: not selected, with the counting's reason in plain Swedish.
        assert str(results[0]["Subject"]) == "Inte valt: Utegym vid sjön"
        body = results[0].get_content()
        assert "förslaget valdes inte" in body.lower() or "röst" in body.lower()


def test_progress_reports_reach_the_proposer(app: Medborgarbudget,
                                             residents: Residents) -> None:
    built = drive(app, Phase.IMPLEMENTATION)
    selected = app.cycle(built.cycle_id).results["areas"]["norr"]["selected"][0]
    proposer = f"proposer-{[str(p) for p in built.proposals.values()].index(selected)}"
    residents.projection.catch_up()  # the history so far, before any address: no mail
    assert residents.store.outbox() == []
    confirmed(residents, proposer, "builder@example.se", lang="en")
    app.report_progress(selected, 40, "Marken är förberedd.", 10_000, OFFICIAL)
    with smtp_server() as (url, inbox):
        send_all(residents, url)
    progress = [m for m in inbox.messages if "Progress report" in str(m["Subject"])]
    assert len(progress) == 1
    assert "40 % done" in progress[0].get_content()
    assert "Marken är förberedd." in progress[0].get_content()


def test_proposers_hear_when_the_winners_are_changed_after_the_count(
        app: Medborgarbudget, residents: Residents) -> None:
    cycle_id, ids = counted_for_exceptions(app)  # funds Utegym and Bänkar; Scen did not fit
    for title, lang in (("Utegym", "en"), ("Scen", "sv"), ("Bänkar", "sv"), ("Boulebana", "sv")):
        confirmed(residents, f"proposer-{title}", f"{title.lower()}@example.se", lang)
    legal = "Marken är förorenad."
    with smtp_server() as (url, inbox):
        send_all(residents, url)  # the confirmations, and the count's news to nobody yet
        counted = len(inbox.messages)
        app.amend_winners(cycle_id, "exclude", ids["Utegym"], legal, ADMIN)
        send_all(residents, url)
        told = {str(m["To"]): m for m in inbox.messages[counted:]}
        # The excluded winner's money funds Scen; Bänkar's fate is unchanged: no mail.
        assert sorted(told) == ["scen@example.se", "utegym@example.se"]
        assert str(told["utegym@example.se"]["Subject"]) == "Not selected: Utegym"
        body = told["utegym@example.se"].get_content()
        assert "no longer selected" in body and legal in body
        assert str(told["scen@example.se"]["Subject"]) == "Valt: Scen"
        assert "nu valt" in told["scen@example.se"].get_content()
        counted = len(inbox.messages)
        app.amend_winners(cycle_id, "add", ids["Boulebana"], "Beslut KS § 12/2027.", ADMIN)
        send_all(residents, url)
        added = inbox.messages[counted:]
        assert [str(m["To"]) for m in added] == ["boulebana@example.se"]
        assert "Beslut KS § 12/2027." in added[0].get_content()
        residents.projection.catch_up()
        assert send_all(residents, url) == 0  # each amendment's mails once


def test_a_proposal_the_support_round_leaves_off_the_ballot_is_told_why(
        app: Medborgarbudget, residents: Residents) -> None:
    built = drive(app, Phase.SUPPORT)  # top 1 of each area; norr[0] has resident 0's support
    norr = built.feasible["norr"]
    support_round.support(app, norr[0], resident(1))  # two for norr[0], none for norr[1]

    def proposer_of(proposal: object) -> str:
        return next(f"proposer-{n}" for n in range(len(built.proposals))
                    if app.proposal(proposal).proposer == app.proposer_pseudonym(
                        f"proposer-{n}"))

    on, off = proposer_of(norr[0]), proposer_of(norr[1])
    confirmed(residents, on, "on@example.se")
    confirmed(residents, off, "off@example.se", lang="en")
    with smtp_server() as (url, inbox):
        send_all(residents, url)
        before = len(inbox.messages)
        app.trigger(built.cycle_id, "close_support", ADMIN, "Stödet är räknat.")
        send_all(residents, url)
        told = {str(m["To"]): m for m in inbox.messages[before:]}
    assert sorted(told) == ["off@example.se", "on@example.se"]
    assert str(told["on@example.se"]["Subject"]).startswith("På röstsedeln: ")
    assert str(told["off@example.se"]["Subject"]).startswith("Not on the ballot: ")
    body = told["off@example.se"].get_content()
    assert "The support round has closed" in body
    assert "place 2 with 0 supports; the 1 most supported proposals" in body


def test_nobody_confirms_an_address_without_the_link_sent_to_it(
        residents: Residents) -> None:
    attacker = residents.pseudonym("19800101-0000")
    victim = residents.pseudonym("19750505-0000")
    residents.give_address(attacker, "victim@example.se", "sv")  # the attacker names it
    residents.give_address(victim, "own@example.se", "sv")
    mails = {m.address: m for m in residents.store.outbox()}
    victims_link = TOKEN.search(mails["own@example.se"].body)
    assert victims_link is not None
    # The victim's link confirms the victim's own address only, whoever opens it.
    assert residents.confirm(victims_link.group(1)).pseudonym == victim
    attackers = residents.store.profile(attacker)
    assert attackers is not None and attackers.email is None
    # A link of the attacker's own made for the other address cannot be had without the key.
    forged = TokenSigner(b"guess" * 8).sign(CONFIRM, attacker, "nonce", 3600)
    with pytest.raises(BadToken):
        residents.confirm(forged)
    with pytest.raises(BadToken):  # and a link used twice confirms nothing the second time
        residents.confirm(victims_link.group(1))


def test_an_unsubscribe_link_for_an_old_address_changes_nothing(residents: Residents) -> None:
    pseudonym = confirmed(residents, "19800101-0000", "old@example.se")
    old_link = residents.writer.unsubscribe_url(pseudonym, "old@example.se")
    residents.give_address(pseudonym, "new@example.se", "sv")
    new_mail = [m for m in residents.store.outbox() if m.address == "new@example.se"][-1]
    token = TOKEN.search(new_mail.body)
    assert token is not None
    residents.confirm(token.group(1))
    old_token = TOKEN.search(old_link)
    assert old_token is not None
    assert residents.unsubscribe(old_token.group(1)) is False
    profile = residents.store.profile(pseudonym)
    assert profile is not None and profile.notify is True


def test_a_sent_mail_is_kept_thirty_days_then_deleted(app: Medborgarbudget,
                                                     residents: Residents) -> None:
    sent_to = confirmed(residents, FOLLOWER, "follower@example.se")
    with smtp_server() as (url, inbox):
        send_all(residents, url)  # the confirmation mail, sent
    assert len(inbox.messages) == 1
    waiting = residents.pseudonym("19750505-0000")
    residents.give_address(waiting, "pending@example.se", "sv")  # its mail not sent yet
    before = {m.address: m.sent_at for m in residents.store.outbox()}
    assert before["follower@example.se"] is not None and before["pending@example.se"] is None
    sent_at = datetime.fromisoformat(str(before["follower@example.se"]))

    assert residents.store.forget_sent(now=sent_at + SENT_MAIL_KEPT - timedelta(hours=1)) == 0
    assert len(residents.store.outbox()) == 2
    assert residents.store.forget_sent(now=sent_at + SENT_MAIL_KEPT + timedelta(hours=1)) == 1
    assert [m.address for m in residents.store.outbox()] == ["pending@example.se"]
    # The address itself is the resident's to keep or erase: only the mail went.
    profile = residents.store.profile(sent_to)
    assert profile is not None and profile.email == "follower@example.se"
