"""The personal-data store: what the service holds about a resident outside the event log.

Keyed by the resident's deployment-wide proposer pseudonym (service/commands.py), never by their
identity: e-mail addresses (pending and confirmed), an optional display name, the proposals they
follow, their notification setting, the comments they wrote on the pages (so a comment can
carry their display name; the events keep only a per-cycle pseudonym), and the outbox of mails
to them. Nothing of it enters
the event log, the logs or any export; erasing a resident deletes their rows here and the event
history stays as it was (docs/adr/0028).

SQLite: a file of its own in the data folder (`personal.sqlite3`). PostgreSQL: tables in the
configured schema beside the events. The outbox's tracking position is a row here too, so the
outbox projection commits it in the same transaction as the mails it adds (exactly once per
event).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from service.config import Settings
from service.own_tables import OwnTables, Transaction, open_own_tables

PERSONAL_FILE = "personal.sqlite3"
# How long a sent mail (its address, subject and text) is kept: the privacy notice says so.
SENT_MAIL_KEPT = timedelta(days=30)
OUTBOX_TRACKING = "outbox"

_TABLES = (
    """CREATE TABLE IF NOT EXISTS personal_residents (
        pseudonym TEXT PRIMARY KEY, display_name TEXT, email TEXT, pending_email TEXT,
        pending_nonce TEXT, lang TEXT NOT NULL, notify INTEGER NOT NULL,
        updated_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS personal_follows (
        pseudonym TEXT NOT NULL, proposal_id TEXT NOT NULL, following INTEGER NOT NULL,
        at TEXT NOT NULL, PRIMARY KEY (pseudonym, proposal_id))""",
    """CREATE TABLE IF NOT EXISTS personal_comments (
        comment_id TEXT PRIMARY KEY, pseudonym TEXT NOT NULL, cycle_id TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS personal_outbox (
        id {serial}, message_id TEXT NOT NULL UNIQUE, position BIGINT, pseudonym TEXT NOT NULL,
        address TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,
        unsubscribe TEXT, created_at TEXT NOT NULL, claimed_until DOUBLE PRECISION,
        sent_at TEXT)""",
    "CREATE INDEX IF NOT EXISTS personal_outbox_unsent ON personal_outbox (sent_at, id)",
    "CREATE INDEX IF NOT EXISTS personal_outbox_of ON personal_outbox (pseudonym)",
    """CREATE TABLE IF NOT EXISTS personal_tracking (
        name TEXT PRIMARY KEY, position BIGINT NOT NULL)""",
    # What the outbox projection keeps of each proposal from its events (not personal data:
    # the events hold it all), to know whom a later event concerns.
    """CREATE TABLE IF NOT EXISTS mail_proposals (
        proposal_id TEXT PRIMARY KEY, cycle_id TEXT NOT NULL, area TEXT NOT NULL,
        proposer TEXT NOT NULL, title TEXT NOT NULL, status TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS mail_proposals_cycle ON mail_proposals (cycle_id)",
)
SERIAL = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY"}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Profile:
    pseudonym: str
    display_name: str | None
    email: str | None  # confirmed: the only address notifications go to
    pending_email: str | None  # waiting for its confirmation link
    pending_nonce: str | None
    lang: str
    notify: bool
    updated_at: str


@dataclass(frozen=True)
class Mail:
    """One mail of the outbox, as the sender sends it."""

    id: int
    message_id: str
    address: str
    subject: str
    body: str
    unsubscribe: str | None
    sent_at: str | None = None


class PersonalData:
    """The store's operations; each one transaction."""

    def __init__(self, tables: OwnTables) -> None:
        self._tables = tables
        self.backend = tables.backend

    def transaction(self) -> contextlib.AbstractContextManager[Transaction]:
        return self._tables.transaction()

    def close(self) -> None:
        self._tables.close()

    # ---- residents ---------------------------------------------------------------------

    def profile(self, pseudonym: str) -> Profile | None:
        with self.transaction() as t:
            return _profile(t, pseudonym)

    def set_pending_email(self, pseudonym: str, address: str, lang: str) -> str:
        """Note `address` as waiting for confirmation; returns the nonce its confirmation
        token must carry (a new one each time: an older link no longer confirms)."""
        nonce = secrets.token_urlsafe(16)
        with self.transaction() as t:
            _ensure(t, pseudonym, lang)
            t.run("UPDATE personal_residents SET pending_email = ?, pending_nonce = ?, "
                  "lang = ?, updated_at = ? WHERE pseudonym = ?",
                  (address, nonce, lang, now_iso(), pseudonym))
        return nonce

    def confirm_email(self, pseudonym: str, nonce: str) -> str | None:
        """Make the pending address the confirmed one if `nonce` is the latest; returns it."""
        with self.transaction() as t:
            row = t.one("SELECT pending_email FROM personal_residents WHERE pseudonym = ? "
                        "AND pending_nonce = ? AND pending_email IS NOT NULL",
                        (pseudonym, nonce))
            if row is None:
                return None
            t.run("UPDATE personal_residents SET email = pending_email, pending_email = NULL, "
                  "pending_nonce = NULL, notify = 1, updated_at = ? WHERE pseudonym = ?",
                  (now_iso(), pseudonym))
            return str(row[0])

    def remove_email(self, pseudonym: str) -> None:
        """Forget both addresses and every mail not yet sent to them."""
        with self.transaction() as t:
            t.run("UPDATE personal_residents SET email = NULL, pending_email = NULL, "
                  "pending_nonce = NULL, updated_at = ? WHERE pseudonym = ?",
                  (now_iso(), pseudonym))
            t.run("DELETE FROM personal_outbox WHERE pseudonym = ? AND sent_at IS NULL",
                  (pseudonym,))

    def set_notify(self, pseudonym: str, notify: bool, address: str | None = None) -> bool:
        """Notifications on or off; with `address`, only while it is still the confirmed one
        (an unsubscribe link for an address since changed does nothing). Turning them off
        drops the mails not yet sent. Whether anything changed."""
        with self.transaction() as t:
            sql = "UPDATE personal_residents SET notify = ?, updated_at = ? WHERE pseudonym = ?"
            params: list[Any] = [int(notify), now_iso(), pseudonym]
            if address is not None:
                sql += " AND email = ?"
                params.append(address)
            changed = t.run(sql, params).rowcount > 0
            if changed and not notify:
                t.run("DELETE FROM personal_outbox WHERE pseudonym = ? AND sent_at IS NULL "
                      "AND position IS NOT NULL", (pseudonym,))
            return changed

    def set_display_name(self, pseudonym: str, name: str | None, lang: str) -> None:
        with self.transaction() as t:
            _ensure(t, pseudonym, lang)
            t.run("UPDATE personal_residents SET display_name = ?, updated_at = ? "
                  "WHERE pseudonym = ?", (name, now_iso(), pseudonym))

    def display_names(self, pseudonyms: Sequence[str]) -> dict[str, str]:
        """Display names by proposer pseudonym (those that have one)."""
        return self._names("SELECT r.pseudonym, r.display_name FROM personal_residents r "
                           "WHERE r.pseudonym IN ({marks}) AND r.display_name IS NOT NULL",
                           pseudonyms)

    def comment_names(self, comment_ids: Sequence[str]) -> dict[str, str]:
        """Display names by comment id, for the comments whose authors have one."""
        return self._names("SELECT c.comment_id, r.display_name FROM personal_comments c "
                           "JOIN personal_residents r ON r.pseudonym = c.pseudonym "
                           "WHERE c.comment_id IN ({marks}) AND r.display_name IS NOT NULL",
                           comment_ids)

    def _names(self, sql: str, keys: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        names: dict[str, str] = {}
        with self.transaction() as t:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for key, name in t.rows(sql.format(marks=marks), chunk):
                    names[str(key)] = str(name)
        return names

    def note_comment(self, pseudonym: str, comment_id: str, cycle_id: str) -> None:
        """The resident wrote this comment (on the pages)."""
        with self.transaction() as t:
            t.run("INSERT INTO personal_comments (comment_id, pseudonym, cycle_id) "
                  "VALUES (?, ?, ?) ON CONFLICT (comment_id) DO NOTHING",
                  (comment_id, pseudonym, cycle_id))

    # ---- follows -----------------------------------------------------------------------

    def set_following(self, pseudonym: str, proposal_id: str, following: bool) -> bool:
        """Follow or stop following; whether anything changed (a second follow does not)."""
        with self.transaction() as t:
            row = t.one("SELECT following FROM personal_follows WHERE pseudonym = ? "
                        "AND proposal_id = ?", (pseudonym, proposal_id))
            if row is not None and bool(row[0]) == following:
                return False
            _ensure(t, pseudonym, None)
            t.run("INSERT INTO personal_follows (pseudonym, proposal_id, following, at) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (pseudonym, proposal_id) DO UPDATE SET "
                  "following = excluded.following, at = excluded.at",
                  (pseudonym, proposal_id, int(following), now_iso()))
            return True

    def follows(self, pseudonym: str) -> dict[str, bool]:
        """Proposal id: following (False: a proposer who stopped following their own)."""
        with self.transaction() as t:
            return {str(p): bool(f) for p, f in t.rows(
                "SELECT proposal_id, following FROM personal_follows WHERE pseudonym = ? "
                "ORDER BY at", (pseudonym,))}

    # ---- download and erasure ----------------------------------------------------------

    def everything(self, pseudonym: str) -> dict[str, Any]:
        """Every row held about the resident, for their download."""
        with self.transaction() as t:
            profile = _profile(t, pseudonym)
            follows = t.rows("SELECT proposal_id, following, at FROM personal_follows "
                             "WHERE pseudonym = ? ORDER BY at", (pseudonym,))
            written = t.rows("SELECT comment_id FROM personal_comments WHERE pseudonym = ?",
                             (pseudonym,))
            mails = t.rows("SELECT message_id, address, subject, created_at, sent_at "
                           "FROM personal_outbox WHERE pseudonym = ? ORDER BY id", (pseudonym,))
        return {
            "profile": None if profile is None else {
                "display_name": profile.display_name, "email": profile.email,
                "pending_email": profile.pending_email, "language": profile.lang,
                "notifications": profile.notify, "updated_at": profile.updated_at},
            "follows": [{"proposal_id": p, "following": bool(f), "since": a}
                        for p, f, a in follows],
            "comments_with_your_name": sorted(str(c) for (c,) in written),
            "mails": [{"message_id": m, "to": a, "subject": s, "created_at": c, "sent_at": d}
                      for m, a, s, c, d in mails],
        }

    def erase(self, pseudonym: str) -> None:
        """Delete everything held about the resident: their profile, follows, the note of
        their comments and every mail to them, sent or not."""
        with self.transaction() as t:
            for table in ("personal_residents", "personal_follows", "personal_comments",
                          "personal_outbox"):
                t.run(f"DELETE FROM {table} WHERE pseudonym = ?", (pseudonym,))

    # ---- the outbox --------------------------------------------------------------------

    def enqueue(self, t: Transaction, message_id: str, position: int | None, pseudonym: str,
                address: str, subject: str, body: str, unsubscribe: str | None) -> None:
        """A mail into the outbox, in the caller's transaction; one Message-ID is one mail."""
        t.run("INSERT INTO personal_outbox (message_id, position, pseudonym, address, subject, "
              "body, unsubscribe, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (message_id) DO NOTHING",
              (message_id, position, pseudonym, address, subject, body, unsubscribe,
               now_iso()))

    def tracked(self, t: Transaction | None = None) -> int:
        """The last event position the outbox projection has processed."""
        if t is None:
            with self.transaction() as own:
                return self.tracked(own)
        row = t.one("SELECT position FROM personal_tracking WHERE name = ?", (OUTBOX_TRACKING,))
        return int(row[0]) if row is not None else 0

    def advance(self, t: Transaction, seen: int, to: int) -> bool:
        """Move the tracking position from `seen` to `to` in `t`; False when another process
        moved it first (then `t` must be rolled back: its mails are that process's too)."""
        if seen == 0:
            t.run("INSERT INTO personal_tracking (name, position) VALUES (?, 0) "
                  "ON CONFLICT (name) DO NOTHING", (OUTBOX_TRACKING,))
        moved = t.run("UPDATE personal_tracking SET position = ? WHERE name = ? "
                      "AND position = ?", (to, OUTBOX_TRACKING, seen))
        return bool(moved.rowcount == 1)

    def unsent(self, limit: int) -> list[int]:
        with self.transaction() as t:
            return [int(i) for (i,) in t.rows(
                "SELECT id FROM personal_outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?",
                (limit,))]

    def claim(self, mail_id: int, lease_seconds: float) -> Mail | None:
        """Take a mail to send for `lease_seconds`: None if sent, or taken by another sender
        whose lease runs still, or gone (erased)."""
        now = time.time()
        with self.transaction() as t:
            taken = t.run("UPDATE personal_outbox SET claimed_until = ? WHERE id = ? "
                          "AND sent_at IS NULL AND (claimed_until IS NULL "
                          "OR claimed_until < ?)", (now + lease_seconds, mail_id, now))
            if taken.rowcount != 1:
                return None
            row = t.one("SELECT id, message_id, address, subject, body, unsubscribe "
                        "FROM personal_outbox WHERE id = ?", (mail_id,))
        return None if row is None else Mail(*row)

    def mark_sent(self, mail_id: int) -> None:
        with self.transaction() as t:
            t.run("UPDATE personal_outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
                  (now_iso(), mail_id))

    def forget_sent(self, now: datetime | None = None) -> int:
        """Delete the mails sent more than SENT_MAIL_KEPT ago (each holds an address): kept
        that long for questions about delivery, then not at all. How many went."""
        cutoff = ((now or datetime.now(UTC)) - SENT_MAIL_KEPT).isoformat(timespec="seconds")
        with self.transaction() as t:
            gone: int = t.run("DELETE FROM personal_outbox WHERE sent_at IS NOT NULL "
                              "AND sent_at < ?", (cutoff,)).rowcount
            return gone

    def outbox(self) -> list[Mail]:
        """Every mail, sent or not (for tests and operators)."""
        with self.transaction() as t:
            return [Mail(*row) for row in t.rows(
                "SELECT id, message_id, address, subject, body, unsubscribe, sent_at "
                "FROM personal_outbox ORDER BY id")]

    # ---- the projection's own view of proposals ----------------------------------------

    def recipients(self, t: Transaction, proposal_id: str, proposer: str | None,
                   ) -> list[Profile]:
        """Who hears about a proposal: its followers and its proposer (unless they stopped
        following it), with a confirmed address and notifications on."""
        rows = t.rows(
            "SELECT r.pseudonym, r.display_name, r.email, r.pending_email, r.pending_nonce, "
            "r.lang, r.notify, r.updated_at FROM personal_residents r "
            "LEFT JOIN personal_follows f ON f.pseudonym = r.pseudonym AND f.proposal_id = ? "
            "WHERE r.email IS NOT NULL AND r.notify = 1 AND (f.following = 1 OR "
            "(r.pseudonym = ? AND f.following IS NULL)) ORDER BY r.pseudonym",
            (proposal_id, proposer or ""))
        return [_profile_of(row) for row in rows]


def _profile_of(row: Sequence[Any]) -> Profile:
    return Profile(str(row[0]), row[1], row[2], row[3], row[4], str(row[5]), bool(row[6]),
                   str(row[7]))


def _profile(t: Transaction, pseudonym: str) -> Profile | None:
    row = t.one("SELECT pseudonym, display_name, email, pending_email, pending_nonce, lang, "
                "notify, updated_at FROM personal_residents WHERE pseudonym = ?", (pseudonym,))
    return None if row is None else _profile_of(row)


def _ensure(t: Transaction, pseudonym: str, lang: str | None) -> None:
    t.run("INSERT INTO personal_residents (pseudonym, lang, notify, updated_at) "
          "VALUES (?, ?, 1, ?) ON CONFLICT (pseudonym) DO NOTHING",
          (pseudonym, lang or "sv", now_iso()))


def open_personal_data(settings: Settings) -> PersonalData:
    return PersonalData(open_own_tables(
        settings.eventsourcing_env(), PERSONAL_FILE,
        lambda backend: [statement.format(serial=SERIAL[backend]) for statement in _TABLES],
        name="personal-data"))
