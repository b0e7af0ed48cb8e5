"""`medborgarbudget` run in the test's own process: the same command, output and exit code as
the console script, without the second of start-up a process of its own costs. Tests that
check many refusals use it; each keeps at least one run through the installed console script."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner

from service import cli


def run_cli(*args: str, env: Mapping[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run([medborgarbudget, *args], capture_output=True, text=True)`; an
    exception the command did not turn into an exit code is raised here, as a traceback would
    have been printed there."""
    overlay: dict[str, str | None] | None = None
    if env is not None:  # as a process given `env` would see it: no other setting of ours
        overlay = {name: None for name in os.environ if name.startswith("MEDBORGARBUDGET_")}
        overlay.update(env)
    runner = CliRunner(env=overlay)
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        done = runner.invoke(cli.main, list(args))
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    return subprocess.CompletedProcess(list(args), done.exit_code, done.stdout, done.stderr)
