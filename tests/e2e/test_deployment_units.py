"""The production set-up of docs/deploy.md, started as its systemd units start it: the two unit
files and the environment file are read from the guide itself (tests/integration/deploy_units.py),
so this test follows the guide and cannot drift from it. `medborgarbudget serve` (two workers
instead of the guide's four: about one per core) and `medborgarbudget project` start at the same
moment on a fresh PostgreSQL schema, with the units' commands, environment and umask and
nothing of this process's environment; then staff take a cycle to voting over HTTP, a resident
votes, and the ballot reaches the read models that only the projector writes: the receipt check,
the turnout on the cycle's page, /readyz, and after the close the counted receipt.

PostgreSQL only (the guide's store); with CI=true a missing PostgreSQL fails, never skips.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from tests.identities import valid_personnummer
from tests.integration.deploy_units import (
    GUIDE,
    GuideChanged,
    Launch,
    LocalInstall,
    describe,
    guide_launches,
)
from tests.integration.live_cycle import API, AREAS, Live, LiveCycle, ideas
from tests.integration.server_support import (
    REQUEST_TIMEOUT,
    Server,
    kill,
    stop,
    wait_until_ready,
)

# The guide's store only; the `settings` fixture fails without it when CI=true.
ON_POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)

WORKERS = 2
BORN = date(1980, 5, 1)
WITHIN = 60.0  # seconds for the projector to bring a write into the read models


@dataclass
class Deployment:
    service: Launch  # how the units start here
    projector: Launch
    server: Server  # the running service
    projecting: list[subprocess.Popen[bytes]]  # the projector's processes, the last running
    logs: Path


@pytest.fixture
def units(settings: Settings, tmp_path: Path) -> Iterator[Deployment]:
    """Both units started at the same moment on a fresh schema; stopped as systemd stops them
    (SIGTERM), which they must survive cleanly, so that `Restart=` never sees a failure."""
    assert settings.database_url is not None
    install = LocalInstall(tmp_path, settings.database_url)
    service, projector = guide_launches(install, workers=WORKERS)
    print(describe([service, projector]))
    projecting = [projector.start(tmp_path / "project.log")]
    log = tmp_path / "serve.log"
    server = Server(service.start(log), service.base, log, WORKERS)
    try:
        wait_until_ready(server)
        assert projecting[-1].poll() is None, (tmp_path / "project.log").read_text()
        yield Deployment(service, projector, server, projecting, tmp_path)
    finally:
        for process in (server.process, *projecting):
            stop(process)
    assert server.process.returncode == 0, server.output()
    assert projecting[-1].returncode == 0, (tmp_path / "project.log").read_text()[-2000:]


def token_command(service: Launch) -> Callable[[str, str, date | None, str | None], str]:
    """Tokens from `medborgarbudget token`, run in the service's environment as an operator
    would, signed with the key the service keeps in its state folder."""
    def mint(role: str, subject: str, born: date | None, residence: str | None) -> str:
        extra = [*(["--birth-date", born.isoformat()] if born else []),
                 *(["--residence", residence] if residence else [])]
        done = service.run("token", "--role", role, "--sub", subject, *extra)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()
    return mint


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WITHIN
    while not check():
        assert time.monotonic() < deadline, f"not within {WITHIN:.0f} s: {what}"
        time.sleep(0.2)


@pytest.mark.slow
@ON_POSTGRES
def test_the_guides_units_serve_a_vote_into_the_read_models(units: Deployment) -> None:
    service, server = units.service, units.server
    data = Path(service.env["MEDBORGARBUDGET_DATA"])
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert service.env["MEDBORGARBUDGET_DATABASE_URL"].startswith("postgresql://")
    assert server.started_workers() == WORKERS

    with httpx.Client(base_url=server.base, timeout=REQUEST_TIMEOUT) as client:
        live = Live(client, token_command(service))
        cycle = voting_cycle(live, "Medborgarbudget Enhetsby 2027")
        choices = cycle.proposals["norr"][:2]
        voter = valid_personnummer(500, BORN)
        cast = live.vote(cycle.id, voter, BORN, "norr", choices)
        code = cast["receipt"]
        assert code and cast["position"] > 0
        check = f"{API}/cycles/{cycle.id}/receipts/{code}"

        # Only the projector writes the read models on PostgreSQL: the ballot reaches them.
        eventually(lambda: client.get(check).json()["stored"] is True, "the receipt is stored")
        assert client.get(check).json()["counted"] is False
        page = client.get(f"/cycles/{cycle.id}/receipt", params={"code": code, "lang": "en"})
        assert page.status_code == 200 and code in page.text
        assert "A ballot with this code is stored; it will be counted" in page.text
        turnout = client.get(f"/cycles/{cycle.id}",
                             params={"position": cast["position"], "lang": "en"})
        assert turnout.status_code == 200
        assert ballots_in_area(turnout.text, "Planeringsområde Norr") == 1
        eventually(lambda: client.get("/readyz").json().get("lag_events") == 0,
                   "/readyz shows no lag")

        published = live.results(cycle.id)
        results = client.get(f"{API}/cycles/{cycle.id}/results").json()
        assert set(choices) <= set(results["areas"]["norr"]["selected"])
        # The results page reads the read models: it waits for the publication to reach them.
        page = client.get(f"/cycles/{cycle.id}/results",
                          params={"position": published, "lang": "en"})
        assert page.status_code == 200 and "Planeringsområde Norr" in page.text
        # The receipt page takes "counted" from the read models' cycle, published or not.
        eventually(lambda: "stored and was counted in the published results" in client.get(
            f"/cycles/{cycle.id}/receipt", params={"code": code, "lang": "en"}).text,
            "the receipt page shows the ballot counted")
        eventually(lambda: client.get("/readyz").json().get("lag_events") == 0,
                   "/readyz shows no lag")

    # The service logs JSON lines, none holding the resident's personnummer or the secret.
    log = server.log.read_text()
    assert any(json.loads(line).get("route") for line in log.splitlines()
               if line.startswith("{"))
    for secret in (voter, service.env["MEDBORGARBUDGET_SECRET"]):
        assert secret not in log


@pytest.mark.slow
@ON_POSTGRES
def test_a_killed_projector_started_again_by_its_unit_catches_up(units: Deployment) -> None:
    """`Restart=always`: the projector dies, systemd starts the same command again, and the
    read models catch up with what was stored meanwhile."""
    with httpx.Client(base_url=units.server.base, timeout=REQUEST_TIMEOUT) as client:
        live = Live(client, token_command(units.service))
        cycle = voting_cycle(live, "Medborgarbudget Omstartby 2027")
        kill(units.projecting[-1])
        cast = live.vote(cycle.id, valid_personnummer(600, BORN), BORN, "norr",
                         cycle.proposals["norr"][:1])
        check = f"{API}/cycles/{cycle.id}/receipts/{cast['receipt']}"
        time.sleep(1.0)
        assert client.get(check).json()["stored"] is False  # nobody projects now
        units.projecting.append(units.projector.start(units.logs / "project.log"))
        eventually(lambda: client.get(check).json()["stored"] is True,
                   "the projector started again stores the receipt")


def voting_cycle(live: Live, name: str) -> LiveCycle:
    """A cycle taken to voting over HTTP, with feasible proposals in area norr."""
    cycle = live.create(name, areas=[a for a in AREAS if a["id"] == "norr"])
    live.fire(cycle, "open_ideas", "Idéinsamlingen öppnar")
    proposed = [(live.propose(cycle, idea, valid_personnummer(n, BORN), BORN), idea)
                for n, idea in enumerate(i for i in ideas(6) if i.area == "norr")]
    return live.to_voting(cycle, proposed)


def ballots_in_area(page: str, area_name: str) -> int:
    """The ballots column of the area's row in the cycle page's table of areas."""
    row = re.search(rf'<th scope="row">{re.escape(area_name)}</th>(.*?)</tr>', page, re.DOTALL)
    assert row is not None, page
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row.group(1))
    return int(re.sub(r"\D", "", cells[-1]))


@pytest.mark.parametrize("change", [
    ("ExecStart=/opt/medborgarbudget/bin/medborgarbudget project",
     "ExecStartPre=/opt/medborgarbudget/bin/medborgarbudget projections rebuild\n"
     "ExecStart=/opt/medborgarbudget/bin/medborgarbudget project"),
    ("MEDBORGARBUDGET_DATABASE_URL=postgresql://",
     "MEDBORGARBUDGET_IDENTITIES=opaque\nMEDBORGARBUDGET_DATABASE_URL=postgresql://"),
], ids=["a unit line", "a variable of the environment file"])
def test_a_change_to_the_guide_that_the_units_test_cannot_reproduce_is_noticed(
        change: tuple[str, str], tmp_path: Path) -> None:
    old, new = change
    text = GUIDE.read_text()
    assert old in text
    changed = tmp_path / "deploy.md"
    changed.write_text(text.replace(old, new, 1))
    install = LocalInstall(tmp_path, "postgresql://postgres@127.0.0.1:5432/test")
    with pytest.raises(GuideChanged):
        guide_launches(install, workers=WORKERS, guide=changed)
