"""The parts of the mail that need no store: tokens, addresses, names, the SMTP address and
the message itself (ADR 0028)."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from service.personal.mailing import checked_address, checked_display_name
from service.personal.mails import MailWriter, one_line
from service.personal.sender import SmtpSettings, message_of
from service.personal.store import Mail
from service.personal.tokens import CONFIRM, UNSUBSCRIBE, BadToken, TokenSigner

SIGNER = TokenSigner(b"k" * 32)


def test_a_token_reads_back_only_unchanged_for_its_purpose_and_in_time() -> None:
    token = SIGNER.sign(CONFIRM, "pseudonym", "nonce", 60, now=1000)
    read = SIGNER.read(token, CONFIRM, now=1059)
    assert (read.pseudonym, read.bound_to) == ("pseudonym", "nonce")
    with pytest.raises(BadToken, match="expired"):
        SIGNER.read(token, CONFIRM, now=1061)
    with pytest.raises(BadToken, match="something else"):
        SIGNER.read(token, UNSUBSCRIBE, now=1000)
    with pytest.raises(BadToken, match="signature"):
        TokenSigner(b"o" * 32).read(token, CONFIRM, now=1000)
    body, mac = token.split(".")
    forged_body = SIGNER.sign(CONFIRM, "someone-else", "nonce", 60, now=1000).split(".")[0]
    for forged in (f"{forged_body}.{mac}", f"{body}.{mac[:-1]}", "", "a.b.c", "x" * 601):
        with pytest.raises(BadToken):
            SIGNER.read(forged, CONFIRM, now=1000)


@pytest.mark.parametrize("address", ["anna@example.se", "a.b+c@sub.example.se",
                                     "åsa@exempel.se"])
def test_ordinary_addresses_pass(address: str) -> None:
    assert checked_address(f"  {address} ") == address


@pytest.mark.parametrize("address", [
    "", "anna", "anna@localhost", "@example.se", "anna@.se", "anna@example.se.",
    "anna@example.se\r\nBcc: all@example.se", "anna@example.se\nX: y", "a b@example.se",
    "<anna@example.se>", "anna@exa\x00mple.se", "a" * 65 + "@example.se",
    "a@" + "b" * 250 + ".se", "a@b@example.se", 42, None])
def test_addresses_that_could_break_a_header_or_smtp_are_refused(address: object) -> None:
    with pytest.raises(InvalidInput):
        checked_address(address)


def test_a_display_name_is_one_short_line() -> None:
    assert checked_display_name("  Anna \n Andersson ") == "Anna Andersson"
    assert checked_display_name("") is None
    for bad in ("x" * 81, "Anna\x00", "Anna\u202e"):
        with pytest.raises(InvalidInput):
            checked_display_name(bad)


def test_the_smtp_address_gives_host_port_security_and_login() -> None:
    plain = SmtpSettings.parse("smtp://mailer:p%40ss@mail.example.se:2525?starttls=true")
    assert plain == SmtpSettings("mail.example.se", 2525, "starttls", "mailer", "p@ss")
    assert SmtpSettings.parse("smtps://mail.example.se").port == 465
    assert SmtpSettings.parse("smtp://mail.example.se").tls == "none"


def test_a_title_with_line_breaks_cannot_add_a_header() -> None:
    writer = MailWriter(SIGNER, "https://medborgarbudget.example.se/")
    composed = writer.notification("p", "anna@example.se", "en", "id", "Bänk\r\nBcc: x@y.se",
                                   "Reviewed", ["Fine."])
    assert "\n" not in composed.subject and "\r" not in composed.subject
    message = message_of(Mail(1, "<1.a@example.se>", "anna@example.se", composed.subject,
                              composed.body, composed.unsubscribe), "Kommunen <noreply@x.se>")
    assert message["Bcc"] is None
    assert message["List-Unsubscribe"] == f"<{composed.unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one_line("a" * 100).endswith("…") and len(one_line("a" * 100)) == 80
