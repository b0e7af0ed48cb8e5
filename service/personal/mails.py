"""The words of every mail, in the resident's language, and the links they carry.

Plain text only: no markup a mail client could be tricked with. A title or name goes into a
subject with its whitespace collapsed, so no line break of a resident's text can start a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from service.pages import i18n
from service.personal.tokens import (
    CONFIRM,
    CONFIRM_SECONDS,
    UNSUBSCRIBE,
    UNSUBSCRIBE_SECONDS,
    TokenSigner,
)

MAX_SUBJECT_TITLE = 80


def one_line(text: str, limit: int = MAX_SUBJECT_TITLE) -> str:
    """`text` on one line (every run of whitespace, line breaks included, one space)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    unsubscribe: str | None


class MailWriter:
    """Writes mails with their links under `public_url` (the site's address as residents reach
    it), signing tokens with `signer`."""

    def __init__(self, signer: TokenSigner, public_url: str) -> None:
        self.signer = signer
        self.public_url = public_url.rstrip("/")
        self.domain = urlsplit(self.public_url).hostname or "localhost"

    def _link(self, path: str, lang: str) -> str:
        return f"{self.public_url}{path}{'' if lang == i18n.DEFAULT else '?lang=' + lang}"

    def unsubscribe_url(self, pseudonym: str, address: str) -> str:
        token = self.signer.sign(UNSUBSCRIBE, pseudonym, self.signer.digest(address),
                                 UNSUBSCRIBE_SECONDS)
        return f"{self.public_url}/avregistrera/{token}"

    def confirmation(self, pseudonym: str, nonce: str, lang: str) -> Composed:
        _ = i18n.translations(lang).gettext
        token = self.signer.sign(CONFIRM, pseudonym, nonce, CONFIRM_SECONDS)
        link = self._link(f"/e-post/bekrafta/{token}", lang)
        body = "\n\n".join([
            _("Someone, hopefully you, gave this address for mail about the participatory "
              "budget's proposals."),
            _("To confirm it, open this link and press the button:"), link,
            _("The link works for a week. If it was not you, do nothing: without the "
              "confirmation no mail is sent to this address."),
        ])
        return Composed(_("Confirm your e-mail address"), body + "\n", None)

    def notification(self, pseudonym: str, address: str, lang: str, proposal_id: str,
                     title: str, subject: str, lines: list[str]) -> Composed:
        _ = i18n.translations(lang).gettext
        unsubscribe = self.unsubscribe_url(pseudonym, address)
        body = "\n\n".join([
            *lines,
            _("Read more on the proposal's page:"),
            self._link(f"/proposals/{proposal_id}", lang),
            "-- ",
            _("You get this mail because you follow the proposal \"%(title)s\". Change what "
              "you follow on My pages: %(link)s") % {
                "title": one_line(title, 200), "link": self._link("/mina-sidor", lang)},
            _("Stop every mail from the participatory budget: %(link)s") % {
                "link": unsubscribe},
        ])
        return Composed(f"{subject}: {one_line(title)}", body + "\n", unsubscribe)
