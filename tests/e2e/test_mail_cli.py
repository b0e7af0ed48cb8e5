"""`medborgarbudget mail`: refused with exit code 2 and a message when mail has nowhere to go or
its address is no SMTP address; sends through a real SMTP server otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from tests.mail_server import smtp_server


@pytest.mark.parametrize("url, message", [
    (None, "No way to send mail"),
    ("http://mail.example.se", "MEDBORGARBUDGET_SMTP_URL"),
    ("smtp://", "MEDBORGARBUDGET_SMTP_URL"),
])
def test_mail_without_a_way_out_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          url: str | None, message: str) -> None:
    monkeypatch.delenv("MEDBORGARBUDGET_MAIL_TO_LOG", raising=False)
    monkeypatch.delenv("MEDBORGARBUDGET_DATABASE_URL", raising=False)
    if url is None:
        monkeypatch.delenv("MEDBORGARBUDGET_SMTP_URL", raising=False)
    else:
        monkeypatch.setenv("MEDBORGARBUDGET_SMTP_URL", url)
    result = CliRunner().invoke(main, ["mail", "--once", "--data", str(tmp_path / "data")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "data" / "personal.sqlite3").exists()  # nothing was opened


def test_mail_once_sends_what_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDBORGARBUDGET_DATABASE_URL", raising=False)
    with smtp_server() as (url, inbox):
        monkeypatch.setenv("MEDBORGARBUDGET_SMTP_URL", url)
        result = CliRunner().invoke(main, ["mail", "--once", "--data", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Sent 0 mails." in result.output
    assert inbox.messages == []
