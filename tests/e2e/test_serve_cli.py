"""`medborgarbudget serve` and its secrets: outside --demo it refuses to start without
MEDBORGARBUDGET_SECRET and prints no token; with --demo it prints them and offers the test
sign-in. Behind a TLS-terminating proxy it trusts (MEDBORGARBUDGET_FORWARDED_ALLOW_IPS, default
127.0.0.1) the session cookie is Secure. What it writes into its data folder is its own: the
folder 0700, the files 0600.

Each server runs in a process of its own on a free loopback port and is stopped by this test.
"""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.deployment_secret import SECRET_ENV
from service.web.session import SESSION_COOKIE
from service.web.sign_in_mode import TEST_SIGN_IN_ENV
from tests.integration.server_support import (
    HOST,
    REQUEST_TIMEOUT,
    Server,
    console_script,
    environment,
    free_port,
    kill,
    stop,
    wait_until_ready,
)

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

TOKEN = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
BANNER = "Testinloggning — inte för riktiga val"
FORWARDED_ALLOW_IPS_ENV = "MEDBORGARBUDGET_FORWARDED_ALLOW_IPS"


def serve(settings: Settings, workdir: Path, *options: str, env: Mapping[str, str],
          ) -> subprocess.CompletedProcess[str]:
    """`serve` that is expected to refuse at once."""
    return subprocess.run([*console_script(), "serve", "--host", HOST, "--port",
                           str(free_port()), *options], env=dict(env), cwd=workdir,
                          capture_output=True, text=True, timeout=60, check=False)


def start(settings: Settings, workdir: Path, *options: str, env: Mapping[str, str]) -> Server:
    """`serve` on a free loopback port, ready when this returns; its output in server.log."""
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*console_script(), "serve", "--host", HOST, "--port", str(port), *options],
            env=dict(env), cwd=workdir, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    server = Server(process, f"http://{HOST}:{port}", log, 1)
    try:
        wait_until_ready(server)
    except BaseException:
        kill(process)
        raise
    return server


def first_lines(server: Server) -> str:
    """What the command printed before the web server's own log (JSON lines)."""
    return server.log.read_text(errors="replace").split('{"time":', 1)[0]


def cookie_attributes(base: str, headers: Mapping[str, str] | None = None) -> set[str]:
    answer = httpx.get(f"{base}/sign-in", headers=headers, timeout=REQUEST_TIMEOUT)
    assert answer.status_code == 200, answer.text
    assert BANNER in answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}="), cookie
    return {part.strip().lower() for part in cookie.split(";")}


def private(data: Path) -> list[str]:
    """What in the data folder others on the machine could read or write."""
    found = []
    if stat.S_IMODE(data.stat().st_mode) != 0o700:
        found.append(f"{data}: {oct(stat.S_IMODE(data.stat().st_mode))}")
    for path in sorted(data.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            found.append(f"{path.name}: {oct(mode)}")
    return found


def test_serve_refuses_to_start_without_the_secret(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in environment(settings).items() if k != SECRET_ENV}
    done = serve(settings, tmp_path, env=env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert SECRET_ENV in done.stderr and "token_hex(32)" in done.stderr, done.stderr
    assert not TOKEN.search(done.stdout + done.stderr)
    assert not (settings.data_dir / "events.sqlite3").exists()  # refused before opening a store
    assert not (settings.data_dir / "secret.key").exists()

    done = serve(settings, tmp_path, env={**env, SECRET_ENV: "not hexadecimal"})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert SECRET_ENV in done.stderr, done.stderr


def test_serve_without_demo_prints_no_token_and_keeps_its_data_private(
        settings: Settings, tmp_path: Path) -> None:
    env = {**environment(settings), TEST_SIGN_IN_ENV: "true"}
    server = start(settings, tmp_path, env=env)
    try:
        printed = first_lines(server)
        assert "API:" in printed, printed
        assert "Test sign-in is on" in printed
        assert not TOKEN.search(server.log.read_text(errors="replace")), printed
        assert "Token" not in printed

        # Behind the proxy on this machine, which terminated TLS: the cookie is Secure.
        assert "secure" in cookie_attributes(server.base, {"X-Forwarded-Proto": "https"})
        assert "secure" not in cookie_attributes(server.base)
        assert private(settings.data_dir) == []
        assert {"events.sqlite3", "readmodels.sqlite3", "sessions.sqlite3",
                } <= {p.name for p in settings.data_dir.iterdir()}
        assert not (settings.data_dir / "secret.key").exists()  # the configured one is used
    finally:
        stop(server.process)


def test_serve_demo_prints_tokens_and_trusts_only_the_configured_proxies(
        settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in environment(settings).items() if k != SECRET_ENV}
    env[FORWARDED_ALLOW_IPS_ENV] = "192.0.2.7"  # a proxy elsewhere (never contacted)
    server = start(settings, tmp_path, "--demo", env=env)
    try:
        printed = first_lines(server)
        assert "Demo cycle (voting is open)" in printed
        assert "Tokens for local use" in printed and TOKEN.search(printed), printed
        assert "Test sign-in is on" in printed
        # This client is not the trusted proxy: its X-Forwarded-Proto is not believed.
        assert "secure" not in cookie_attributes(server.base, {"X-Forwarded-Proto": "https"})
        assert (settings.data_dir / "secret.key").exists()  # a demo keeps its own
        assert private(settings.data_dir) == []
    finally:
        stop(server.process)
