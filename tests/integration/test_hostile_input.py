"""Hostile input: malformed and oversized Pabulib files to `medborgarbudget tally` and
`medborgarbudget pabulib import` (exit 2, a clear message, nothing stored), and hostile requests
to a real server (oversized, wrongly typed, deeply nested, not UTF-8): never a 5xx, the server
keeps answering, nothing is stored.

Schemathesis and the stateful hypothesis test cover the API's schema; this covers what lies
outside it.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.tally_command import MAX_PB_BYTES
from tests.cli_runner import run_cli
from tests.integration.server_support import (
    HOST,
    REQUEST_TIMEOUT,
    Server,
    console_script,
    demo_cycle,
    environment,
    open_app,
    resident_headers,
    running_server,
)

HEADER = "META\nkey;value\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
VALID = HEADER + "1;400\n2;500\nVOTES\nvoter_id;vote\nv1;1,2\nv2;2\n"

# name -> (file content, a fragment the message must contain)
MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "META"),
    "not-utf8": (b"META\nkey;value\nbudget;\xff\xfe1000\n", "UTF-8"),
    "binary": (bytes(range(256)) * 64, ""),
    "nul-bytes": (VALID.replace("v2;2", "v2;\x002").encode(), "line"),
    "sections-out-of-order": (b"PROJECTS\nproject_id;cost\n1;1\n", "META"),
    "unterminated-quote": (VALID.replace("v2;2", 'v2;"2').encode(), "line"),
    "field-over-the-csv-limit": (VALID.replace("v2;2", "v2;" + "2," * 100_000 + "2")
                                 .encode(), "line"),
    "exponent-bomb-cost": (VALID.replace("2;500", "2;1e999999999").encode(), "too large"),
    "exponent-bomb-budget": (VALID.replace("budget;1000", "budget;9e99999999").encode(),
                             "too large"),
    "unknown-project": (VALID.replace("v2;2", "v2;99").encode(), "line"),
    "cost-not-a-number": (VALID.replace("1;400", "1;NaN").encode(), "line"),
    "negative-cost": (VALID.replace("1;400", "1;-4").encode(), "negative"),
    "duplicate-voter": (VALID.replace("v2;2", "v1;2").encode(), "line"),
    "rows-of-the-wrong-width": (VALID.replace("v2;2", "v2;2;3;4").encode(), "line"),
}


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / f"{name}.pb"
    path.write_bytes(content)
    return path


def _oversized(folder: Path) -> Path:
    """A file one byte over the limit, without writing it: sparse, so CI disks do not mind."""
    path = folder / "oversized.pb"
    with path.open("wb") as handle:
        handle.write(VALID.encode())
        handle.truncate(MAX_PB_BYTES + 1)
    return path


def _run(settings: Settings, folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a resident's shell runs it."""
    return subprocess.run([*console_script(), *arguments], env=environment(settings),
                          cwd=folder, capture_output=True, text=True, timeout=60, check=False)


def _run_here(settings: Settings, folder: Path, *arguments: str,
              ) -> subprocess.CompletedProcess[str]:
    """The same command in this process (tests/cli_runner.py): each file's refusal is checked
    here, and the first and the sound file's through the console script too."""
    return run_cli(*arguments, env=environment(settings), cwd=folder)


def _stored_events(settings: Settings) -> int:
    app = open_app(settings)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def _refused(done: subprocess.CompletedProcess[str], path: Path, fragment: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert path.name in done.stderr and fragment in done.stderr, done.stderr
    assert len(done.stderr) < 2000, "the message should be short"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_tally_refuses_malformed_and_oversized_files(settings: Settings, tmp_path: Path) -> None:
    cases = [(_write(tmp_path, name, content), fragment)
             for name, (content, fragment) in MALFORMED.items()]
    cases.append((_oversized(tmp_path), "too large"))
    _refused(_run(settings, tmp_path, "tally", str(cases[0][0])), *cases[0])
    for path, fragment in cases:
        _refused(_run_here(settings, tmp_path, "tally", str(path)), path, fragment)
    counted = _run(settings, tmp_path, "tally", str(_write(tmp_path, "valid", VALID.encode())))
    assert counted.returncode == 0, counted.stderr  # the same command counts a sound file


def test_pabulib_import_refuses_them_and_stores_nothing(settings: Settings,
                                                        tmp_path: Path) -> None:
    cases = [(_write(tmp_path, name, content), fragment)
             for name, (content, fragment) in MALFORMED.items()]
    cases.append((_oversized(tmp_path), "too large"))
    _refused(_run(settings, tmp_path, "pabulib", "import", str(cases[0][0])), *cases[0])
    for path, fragment in cases:
        _refused(_run_here(settings, tmp_path, "pabulib", "import", str(path)), path, fragment)
    assert _stored_events(settings) == 0


def _raw(server: Server, request: bytes) -> int:
    """Send bytes no well-behaved client would, return the status of the answer."""
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=REQUEST_TIMEOUT) as connection:
        connection.sendall(request)
        answer = connection.recv(65536)
    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1.1 "), answer[:200]
    return int(status_line.split()[1])


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    with running_server(settings, tmp_path, 1) as running:
        yield running


def test_hostile_requests_get_no_5xx_and_store_nothing(server: Server, settings: Settings) -> None:
    demo = demo_cycle(server.base)
    ballots = f"/api/v1/cycles/{demo.cycle_id}/ballots"
    auth = resident_headers(settings, ["hostile"])["hostile"]
    json_type = {**auth, "Content-Type": "application/json"}
    valid = b'{"area": "norr", "selections": ["%s"]}' % demo.options[0].encode()
    before = _stored_events(settings)

    def chunks() -> Iterator[bytes]:
        for _ in range(20):  # 2 MB without a Content-Length
            yield b" " * 100_000

    # (what, method, path, headers, body, expected status or None for "any but a 5xx")
    cases: list[tuple[str, str, str, dict[str, str], bytes | None, int | None]] = [
        ("oversized JSON", "POST", ballots, json_type, b" " * 1_000_001 + valid, 413),
        ("text/plain", "POST", ballots, {**auth, "Content-Type": "text/plain"}, valid, 415),
        ("form", "POST", ballots,
         {**auth, "Content-Type": "application/x-www-form-urlencoded"}, b"area=norr", 415),
        ("no content type", "POST", ballots, auth, valid, 415),
        ("xml", "POST", ballots, {**auth, "Content-Type": "application/xml"}, b"<a/>", 415),
        ("deeply nested array", "POST", ballots, json_type,
         b"[" * 200_000 + b"]" * 200_000, None),
        ("deeply nested object", "POST", ballots, json_type,
         b'{"a":' * 100_000 + b"1" + b"}" * 100_000, None),
        ("nested selections", "POST", ballots, json_type,
         b'{"area": "norr", "selections": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", None),
        ("invalid UTF-8", "POST", ballots, json_type,
         b'{"area": "\xff\xfe\xc3\x28", "selections": ["\xed\xa0\x80"]}', None),
        ("lone surrogate escape", "POST", ballots, json_type,
         b'{"area": "norr", "selections": ["\\ud800"]}', None),
        ("huge number", "POST", ballots, json_type,
         b'{"area": "norr", "selections": [' + b"9" * 100_000 + b"]}", None),
        ("truncated JSON", "POST", ballots, json_type, valid[:-5], None),
        ("NaN", "POST", ballots, json_type, b'{"area": NaN, "selections": [Infinity]}', None),
        ("a million selections", "POST", ballots, json_type,
         b'{"area": "norr", "selections": [' + b'"x",' * 199_999 + b'"x"]}', None),
        ("invalid UTF-8 in the path", "GET", "/api/v1/cycles/%ff%fe", auth, None, None),
        ("invalid UTF-8 in a page", "GET", f"/cycles/{demo.cycle_id}?lang=%ff", {}, None, None),
        ("oversized form to the pages", "POST", "/sign-in/local",
         {"Content-Type": "application/x-www-form-urlencoded"}, b"a=" + b"b" * 1_000_001, 413),
    ]
    answers: dict[str, int] = {}
    for what, method, path, headers, body, expected in cases:
        # A connection of its own each: the server may close one after refusing a body unread.
        with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT) as client:
            response = client.request(method, path, headers=headers, content=body)
        answers[what] = response.status_code
        if expected is not None:
            assert response.status_code == expected, (what, response.text[:300])
    with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT) as client:
        # A Content-Length far beyond what is sent: refused before waiting for the body.
        answers["Content-Length lies"] = _raw(server, (
            f"POST {ballots} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Authorization: {auth['Authorization']}\r\nContent-Length: 99999999999\r\n\r\n"
        ).encode() + valid)
        assert answers["Content-Length lies"] == 413
        answers["header not UTF-8"] = _raw(server, (
            f"GET /api/v1/cycles HTTP/1.1\r\nHost: {HOST}\r\n".encode()
            + b"Authorization: Bearer \xff\xfe\xc3\x28\r\nAccept-Language: \xff\r\n\r\n"))
        chunked = client.post(ballots, headers=json_type, content=chunks())
        answers["oversized chunked body"] = chunked.status_code
        assert chunked.status_code == 413, chunked.text[:300]
        assert client.get("/healthz").status_code == 200

    failed = {what: status for what, status in answers.items() if status >= 500}
    assert not failed, f"{failed}\n{server.output()}"
    accepted = {what: status for what, status in answers.items()
                if status < 400 and not what.startswith("invalid UTF-8 in a page")}
    assert not accepted, accepted
    assert server.process.poll() is None, server.output()
    assert "Traceback" not in server.output(), server.output()
    assert _stored_events(settings) == before
