"""The systemd units of docs/deploy.md, read from the guide itself and started here as systemd
would start them: the same command line, the same environment (the environment file's variables
and every `Environment=` line, on systemd's own small base environment rather than this
process's), the same umask and a state folder made 0700.

Only what cannot be the same on a test machine is changed, and `LocalInstall` names each change:
the install path of the console script, the port (a free one), the number of workers, and the
paths of the environment file and the state folder. A unit line this module does not know is an
error, so a change to the guide cannot go untested without notice.

Shared by tests/e2e/test_deployment_units.py and the soak benchmark (benchmarks/bench_soak.py).
"""

from __future__ import annotations

import re
import secrets
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.server_support import HOST, console_script, free_port

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
SERVICE = "medborgarbudget.service"
PROJECTOR = "medborgarbudget-project.service"
# Where the guide installs things; replaced by this machine's equivalents.
INSTALLED_SCRIPT = "/opt/medborgarbudget/bin/medborgarbudget"
ENVIRONMENT_FILE = "/etc/medborgarbudget/env"
STATE_ROOT = "/var/lib"
# systemd's environment for a service of its own user (systemd.exec(5), "Environment variables
# in spawned processes"); nothing of the caller's environment is passed on.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Lines of [Service] that start the process: honoured here.
HONOURED = frozenset({"ExecStart", "Environment", "EnvironmentFile", "StateDirectory",
                      "StateDirectoryMode", "UMask"})
# Lines that only sandbox, order or restart the process, or name its user: the process runs the
# same without them (the user here is the one running the tests).
NOT_NEEDED_HERE = frozenset({"Description", "After", "Wants", "WantedBy", "User", "Restart",
                             "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"})


class GuideChanged(AssertionError):
    """docs/deploy.md says something this module does not know how to reproduce."""


@dataclass(frozen=True)
class Unit:
    """One unit file as the guide prints it: its lines by section, in order."""

    name: str
    lines: tuple[tuple[str, str, str], ...]  # (section, key, value)

    def values(self, key: str, section: str = "Service") -> list[str]:
        return [value for s, k, value in self.lines if s == section and k == key]

    def value(self, key: str, section: str = "Service") -> str:
        found = self.values(key, section)
        if len(found) != 1:
            raise GuideChanged(f"{self.name}: expected one {key}= in [{section}], found "
                               f"{len(found)}")
        return found[0]

    @property
    def exec_start(self) -> list[str]:
        return shlex.split(self.value("ExecStart"))

    @property
    def environment(self) -> dict[str, str]:
        """Every `Environment=` line's assignments, later ones winning, as systemd reads them."""
        assigned: dict[str, str] = {}
        for line in self.values("Environment"):
            for word in shlex.split(line):
                name, equals, value = word.partition("=")
                if not equals:
                    raise GuideChanged(f"{self.name}: Environment={line!r} assigns nothing")
                assigned[name] = value
        return assigned


_UNIT_BLOCK = re.compile(r"^`/etc/systemd/system/(?P<name>[\w.-]+)`[^\n]*\n+```ini\n"
                         r"(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
_ENV_FILE_BLOCK = re.compile(r"cat > " + re.escape(ENVIRONMENT_FILE)
                             + r" <<'ENV'\n(?P<body>.*?)^ENV$", re.MULTILINE | re.DOTALL)


def guide_units(guide: Path = GUIDE) -> dict[str, Unit]:
    """The unit files the guide prints under their path, e.g. `medborgarbudget.service`."""
    units: dict[str, Unit] = {}
    for match in _UNIT_BLOCK.finditer(guide.read_text()):
        section, lines = "", []
        for raw in match["body"].splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            key, equals, value = line.partition("=")
            if not equals or not section:
                raise GuideChanged(f"{match['name']}: cannot read the line {raw!r}")
            lines.append((section, key.strip(), value.strip()))
        units[match["name"]] = Unit(match["name"], tuple(lines))
    return units


def guide_environment_file(guide: Path = GUIDE) -> list[str]:
    """The names of the variables the guide puts into the environment file."""
    match = _ENV_FILE_BLOCK.search(guide.read_text())
    if match is None:
        raise GuideChanged(f"{guide.name} no longer writes {ENVIRONMENT_FILE} with a here-doc")
    return [line.partition("=")[0].strip() for line in match["body"].splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class LocalInstall:
    """This machine's stand-ins for the guide's paths and secrets."""

    root: Path  # a private folder of the test: state folders, environment file, logs
    database_url: str  # the environment file's MEDBORGARBUDGET_DATABASE_URL
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    session_secret: str = field(default_factory=lambda: secrets.token_hex(32))

    def environment_file(self, names: Sequence[str]) -> Path:
        """The environment file with the variables the guide puts into it."""
        known = {"MEDBORGARBUDGET_SECRET": self.secret,
                 "MEDBORGARBUDGET_SESSION_SECRET": self.session_secret,
                 "MEDBORGARBUDGET_DATABASE_URL": self.database_url}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise GuideChanged(f"the environment file gained {unknown}: give them a value in "
                               f"{Path(__file__).name}")
        path = self.root / "etc" / "env"
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text("".join(f"{name}={known[name]}\n" for name in names))
        path.chmod(0o600)
        return path

    def local_path(self, path: str) -> str:
        if path == STATE_ROOT or path.startswith(STATE_ROOT + "/"):
            return str(self.root / "state" / path[len(STATE_ROOT):].lstrip("/"))
        return path


@dataclass(frozen=True)
class Launch:
    """What to run for a unit on this machine, and what was changed from the guide."""

    unit: str
    command: list[str]
    env: dict[str, str]
    umask: int
    changed: dict[str, str]  # what the guide says -> what runs here
    port: int | None = None

    @property
    def base(self) -> str:
        assert self.port is not None, f"{self.unit} listens on no port"
        return f"http://{HOST}:{self.port}"

    def start(self, log: Path) -> subprocess.Popen[bytes]:
        """The process in a session of its own (so that it can be killed as a group), in the
        root folder as systemd starts it, its output appended to `log`."""
        with log.open("ab") as output:
            return subprocess.Popen(self.command, env=self.env, umask=self.umask,
                                    cwd="/", stdout=output,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def run(self, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Another `medborgarbudget` command in this unit's environment, as an operator would
        run it (e.g. `token`, `project --once`)."""
        return subprocess.run([self.command[0], *arguments], env=self.env, umask=self.umask,
                              cwd="/", capture_output=True, text=True,
                              timeout=timeout, check=False)


def _environment_file_values(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def launch(unit: Unit, install: LocalInstall, env_file_names: Sequence[str], *,
           workers: int | None = None) -> Launch:
    """How `unit` starts on this machine; `workers` replaces `--workers N` (the guide's N is for
    a production machine: about one per core)."""
    unknown = sorted({key for _, key, _ in unit.lines} - HONOURED - NOT_NEEDED_HERE)
    if unknown:
        raise GuideChanged(f"{unit.name} gained {unknown}: teach {Path(__file__).name} what "
                           "they mean before the test can claim to start the unit as systemd "
                           "does")
    changed: dict[str, str] = {}
    command = unit.exec_start
    if command[0] != INSTALLED_SCRIPT:
        raise GuideChanged(f"{unit.name}: ExecStart runs {command[0]}, not {INSTALLED_SCRIPT}")
    command[0] = console_script()[0]
    changed[INSTALLED_SCRIPT] = command[0]
    port = None
    if "--port" in command:
        at = command.index("--port") + 1
        port = free_port()
        changed[f"--port {command[at]}"] = f"--port {port}"
        command[at] = str(port)
    if workers is not None and "--workers" in command:
        at = command.index("--workers") + 1
        changed[f"--workers {command[at]}"] = f"--workers {workers}"
        command[at] = str(workers)

    state = [install.local_path(f"{STATE_ROOT}/{name}")
             for name in unit.values("StateDirectory")]
    mode = int(unit.values("StateDirectoryMode")[-1], 8) if unit.values("StateDirectoryMode") \
        else 0o755
    for folder in state:
        Path(folder).mkdir(mode=mode, parents=True, exist_ok=True)
        Path(folder).chmod(mode)
    home = state[0] if state else str(install.root)
    env = {"PATH": SYSTEMD_PATH, "LANG": "C.UTF-8", "HOME": home, "SHELL": "/usr/sbin/nologin"}
    for path in unit.values("EnvironmentFile"):
        if path.lstrip("-") != ENVIRONMENT_FILE:
            raise GuideChanged(f"{unit.name}: EnvironmentFile={path} is not {ENVIRONMENT_FILE}")
        local = install.environment_file(env_file_names)
        changed[ENVIRONMENT_FILE] = str(local)
        env.update(_environment_file_values(local))
    for name, value in unit.environment.items():
        local_value = install.local_path(value)
        if local_value != value:
            changed[value] = local_value
        env[name] = local_value
    umask = int(unit.values("UMask")[-1], 8) if unit.values("UMask") else 0o022
    return Launch(unit.name, command, env, umask, changed, port)


def guide_launches(install: LocalInstall, *, workers: int,
                   guide: Path = GUIDE) -> tuple[Launch, Launch]:
    """(the service, the projector) as the guide's units start them, on this machine."""
    units = guide_units(guide)
    missing = {SERVICE, PROJECTOR} - set(units)
    if missing:
        raise GuideChanged(f"{guide.name} no longer prints {sorted(missing)}")
    names = guide_environment_file(guide)
    return (launch(units[SERVICE], install, names, workers=workers),
            launch(units[PROJECTOR], install, names))


def describe(launches: Mapping[str, Launch] | Sequence[Launch]) -> str:
    """One line per unit: the command that runs, and what was changed from the guide."""
    chosen = launches.values() if isinstance(launches, Mapping) else launches
    return "\n".join(f"{one.unit}: {shlex.join(one.command)} (changed: "
                     + ", ".join(f"{a} -> {b}" for a, b in one.changed.items()) + ")"
                     for one in chosen)
